// fact_cache.h — the per-file fact cache of `lockscope static -p BUILD_DIR`
// (BUILD_DIR/.lockscope-cache): what one translation unit yielded, keyed by the file, its
// directory, its compiler arguments and the lockscope executable itself, and valid while every
// file the parse read (the source and each header, system ones included) has the same content.
// Like ccache's direct mode: a hit costs hashing the files, not parsing them.
// Failure semantics: a cache that cannot be read or written is no cache (every job is parsed);
// entries are written to a temporary file and renamed, so a crashed or concurrent run leaves no
// torn entry. Thread-safety: Load/Store may be called from several threads at once.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FACT_CACHE_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FACT_CACHE_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "static_facts.h"

namespace lockscope {
namespace static_analysis {

class FactCache {
 public:
  explicit FactCache(std::string dir);

  // The facts of (file, directory, args) if an entry exists and none of its inputs changed.
  bool Load(const std::string& file, const std::string& directory,
            const std::vector<std::string>& args, ProgramFacts* out);
  // `inputs`: every file the parse read, with the hash of the content it read (HashContent).
  void Store(const std::string& file, const std::string& directory,
             const std::vector<std::string>& args,
             const std::vector<std::pair<std::string, std::uint64_t>>& inputs,
             const ProgramFacts& facts);

  static std::uint64_t HashContent(std::string_view content);

 private:
  std::string EntryPath(const std::string& file, const std::string& directory,
                        const std::vector<std::string>& args) const;
  bool HashFile(const std::string& path, std::uint64_t* hash);  // memoized for the run

  std::string dir_;
  std::uint64_t tool_hash_ = 0;  // of the running executable: a rebuilt lockscope starts afresh
  std::mutex mu_;
  std::unordered_map<std::string, std::pair<bool, std::uint64_t>> file_hashes_;
};

}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FACT_CACHE_H_
