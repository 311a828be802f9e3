// program_check.cpp — see program_check.h.

#include "program_check.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

namespace lockscope {
namespace cli {
namespace {

namespace fs = std::filesystem;

enum class Linkage { kDynamic, kStatic, kScript, kOther };

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// execvp's search: the first PATH entry holding an executable `name`; an empty entry means ".".
bool SearchPath(const std::string& name, std::string* resolved) {
  const char* env = std::getenv("PATH");
  std::string path_var = env != nullptr ? env : "/usr/local/bin:/bin:/usr/bin";
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t colon = path_var.find(':', start);
    if (colon == std::string::npos) colon = path_var.size();
    std::string dir = path_var.substr(start, colon - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (IsExecutableFile(candidate)) {
      *resolved = candidate;
      return true;
    }
    start = colon + 1;
  }
  return false;
}

// A dynamically linked ELF has PT_INTERP (the dynamic loader) or at least PT_DYNAMIC; a static
// one has neither, and glibc's loader, which implements LD_PRELOAD, never runs for it.
Linkage ClassifyElf(int fd) {
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  if (elf == nullptr) return Linkage::kOther;
  Linkage linkage = Linkage::kOther;
  size_t count = 0;
  if (elf_kind(elf) == ELF_K_ELF && elf_getphdrnum(elf, &count) == 0) {
    linkage = Linkage::kStatic;
    for (size_t i = 0; i < count; ++i) {
      GElf_Phdr phdr;
      if (gelf_getphdr(elf, static_cast<int>(i), &phdr) == nullptr) continue;
      if (phdr.p_type == PT_INTERP || phdr.p_type == PT_DYNAMIC) linkage = Linkage::kDynamic;
    }
  }
  elf_end(elf);
  return linkage;
}

Linkage ClassifyProgram(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Linkage::kOther;  // exec reports the real problem
  char magic[4] = {};
  ssize_t n = pread(fd, magic, sizeof(magic), 0);
  Linkage linkage = Linkage::kOther;
  if (n >= 2 && magic[0] == '#' && magic[1] == '!') {
    linkage = Linkage::kScript;
  } else if (n == 4 && std::memcmp(magic, ELFMAG, SELFMAG) == 0) {
    linkage = ClassifyElf(fd);
  }
  close(fd);
  return linkage;
}

// DT_NEEDED entries of an ELF file (empty when it is not one, or has no dynamic section).
std::vector<std::string> NeededLibraries(const std::string& path) {
  std::vector<std::string> needed;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return needed;
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  for (Elf_Scn* scn = elf != nullptr ? elf_nextscn(elf, nullptr) : nullptr; scn != nullptr;
       scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_DYNAMIC) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || shdr.sh_entsize == 0) continue;
    const size_t n = shdr.sh_size / shdr.sh_entsize;
    for (size_t i = 0; i < n; ++i) {
      GElf_Dyn dyn;
      if (gelf_getdyn(data, static_cast<int>(i), &dyn) == nullptr) break;
      if (dyn.d_tag == DT_NULL) break;
      if (dyn.d_tag != DT_NEEDED) continue;
      const char* name = elf_strptr(elf, shdr.sh_link, dyn.d_un.d_val);
      if (name != nullptr) needed.emplace_back(name);
    }
  }
  if (elf != nullptr) elf_end(elf);
  close(fd);
  return needed;
}

std::string SelfDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  buf[n] = '\0';
  return fs::path(buf).parent_path().string();
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : abs.string();
}

}  // namespace

bool CheckProgram(const std::string& prog, std::string* resolved, std::string* error) {
  if (prog.empty()) {
    *error = "no program given: lockscope run [OPTIONS] -- PROG [ARGS...]";
    return false;
  }
  *resolved = prog;
  if (prog.find('/') == std::string::npos && !SearchPath(prog, resolved)) {
    *error = prog + ": no such file (not found in PATH)";
    return false;
  }
  struct stat st;
  if (stat(resolved->c_str(), &st) != 0) {
    *error = prog + ": " + (errno == ENOENT ? "no such file" : std::strerror(errno));
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *error = prog + " is a directory, not a program";
    return false;
  }
  if (!S_ISREG(st.st_mode) || access(resolved->c_str(), X_OK) != 0) {
    *error = prog + ": not an executable file";
    return false;
  }
  if (ClassifyProgram(*resolved) == Linkage::kStatic) {
    *error = prog +
             " is statically linked: LD_PRELOAD cannot intercept its pthread calls; relink "
             "dynamically";
    return false;
  }
  return true;
}

std::vector<std::string> SanitizerRuntimesNeeded(const std::string& program) {
  std::vector<std::string> runtimes;
  for (const std::string& lib : NeededLibraries(program)) {
    for (const char* prefix : {"libasan.so", "libtsan.so", "libhwasan.so", "liblsan.so"}) {
      if (lib.rfind(prefix, 0) == 0) runtimes.push_back(lib);
    }
  }
  return runtimes;
}

bool FindRuntime(std::string* path, std::string* error) {
  const char* env = std::getenv("LOCKSCOPE_RUNTIME");
  if (env != nullptr && *env != '\0') {
    if (access(env, R_OK) != 0) {
      *error = std::string("LOCKSCOPE_RUNTIME=") + env + ": " + std::strerror(errno);
      return false;
    }
    *path = Absolute(env);
    return true;
  }
  std::vector<std::string> candidates;
  std::string self_dir = SelfDir();
  if (!self_dir.empty()) candidates.push_back(self_dir + "/../lib/liblockscope.so");
  candidates.push_back(std::string(LOCKSCOPE_INSTALL_PREFIX) + "/lib/liblockscope.so");
  for (const std::string& candidate : candidates) {
    if (access(candidate.c_str(), R_OK) == 0) {
      *path = Absolute(candidate);
      return true;
    }
  }
  *error = "runtime library liblockscope.so not found (looked in ";
  for (size_t i = 0; i < candidates.size(); ++i) {
    *error += (i ? ", " : "") + candidates[i];
  }
  *error += "); set LOCKSCOPE_RUNTIME to its path";
  return false;
}

bool PrepareTraceDir(const std::string& dir, std::string* out, std::string* error) {
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/lockscope.XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      *error = "cannot create a trace directory " + pattern + ": " + std::strerror(errno);
      return false;
    }
    *out = Absolute(buf.data());
    return true;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    *error = dir + ": cannot create trace directory: " +
             (ec ? ec.message() : std::string("not a directory"));
    return false;
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    *error = dir + ": trace directory is not writable: " + std::strerror(errno);
    return false;
  }
  *out = Absolute(dir);
  return true;
}

std::set<std::string> ListTraceFiles(const std::string& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.find(".lstrace") != std::string::npos) names.insert(name);
  }
  return names;
}

}  // namespace cli
}  // namespace lockscope
