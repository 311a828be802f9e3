# FindLibClang: libclang's C API (Debian: libclang-14-dev). Defines LibClang::LibClang.
find_path(LibClang_INCLUDE_DIR clang-c/Index.h
  HINTS /usr/lib/llvm-14/include /usr/lib/llvm/include)
find_library(LibClang_LIBRARY NAMES clang-14 clang libclang.so.1
  HINTS /usr/lib/llvm-14/lib /usr/lib/x86_64-linux-gnu)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibClang REQUIRED_VARS LibClang_LIBRARY LibClang_INCLUDE_DIR)
if(LibClang_FOUND AND NOT TARGET LibClang::LibClang)
  add_library(LibClang::LibClang UNKNOWN IMPORTED)
  set_target_properties(LibClang::LibClang PROPERTIES
    IMPORTED_LOCATION "${LibClang_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LibClang_INCLUDE_DIR}")
endif()
