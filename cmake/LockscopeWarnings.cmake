# lockscope_warnings(TARGET): the project's warning set; -Werror when LOCKSCOPE_WERROR (CI).
function(lockscope_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(LOCKSCOPE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
