#include "fact_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <nlohmann/json.hpp>

#include "facts_json.h"

namespace lockscope {
namespace static_analysis {
namespace {

bool ReadAll(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  *out = s.str();
  return true;
}

std::string Hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

FactCache::FactCache(std::string dir) : dir_(std::move(dir)) {
  std::string exe;
  if (ReadAll("/proc/self/exe", &exe)) tool_hash_ = HashContent(exe);
}

std::uint64_t FactCache::HashContent(std::string_view content) {
  return XXH3_64bits(content.data(), content.size());
}

std::string FactCache::EntryPath(const std::string& file, const std::string& directory,
                                 const std::vector<std::string>& args) const {
  std::string key = Hex(tool_hash_) + '\0' + file + '\0' + directory;
  for (const std::string& a : args) key += '\0' + a;
  return dir_ + "/" + Hex(HashContent(key)) + ".facts";
}

bool FactCache::HashFile(const std::string& path, std::uint64_t* hash) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = file_hashes_.find(path);
    if (it != file_hashes_.end()) {
      *hash = it->second.second;
      return it->second.first;
    }
  }
  std::string content;
  bool ok = ReadAll(path, &content);
  *hash = ok ? HashContent(content) : 0;
  std::lock_guard<std::mutex> lock(mu_);
  file_hashes_[path] = {ok, *hash};
  return ok;
}

bool FactCache::Load(const std::string& file, const std::string& directory,
                     const std::vector<std::string>& args, ProgramFacts* out) {
  if (tool_hash_ == 0) return false;
  std::string bytes;
  if (!ReadAll(EntryPath(file, directory, args), &bytes)) return false;
  nlohmann::json entry = nlohmann::json::from_msgpack(bytes, true, /*allow_exceptions=*/false);
  if (entry.is_discarded() || !entry.is_object() || !entry.contains("inputs") ||
      !entry["inputs"].is_array() || !entry.contains("facts") || !entry["facts"].is_binary()) {
    return false;
  }
  for (const nlohmann::json& input : entry["inputs"]) {
    if (!input.is_array() || input.size() != 2 || !input[0].is_string() ||
        !input[1].is_number_unsigned()) {
      return false;
    }
    std::uint64_t now = 0;
    if (!HashFile(input[0].get<std::string>(), &now) || now != input[1].get<std::uint64_t>()) {
      return false;
    }
  }
  return FactsFromBytes(entry["facts"].get_binary(), out);
}

void FactCache::Store(const std::string& file, const std::string& directory,
                      const std::vector<std::string>& args,
                      const std::vector<std::pair<std::string, std::uint64_t>>& inputs,
                      const ProgramFacts& facts) {
  if (tool_hash_ == 0) return;
  mkdir(dir_.c_str(), 0777);  // EEXIST is fine; any other failure shows at the open below
  nlohmann::json entry;
  entry["inputs"] = nlohmann::json::array();
  for (const auto& [path, hash] : inputs) entry["inputs"].push_back({path, hash});
  entry["facts"] = nlohmann::json::binary(FactsToBytes(facts));
  std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(entry);
  const std::string path = EntryPath(file, directory, args);
  const std::string tmp = path + ".tmp" + std::to_string(getpid()) + "." +
                          Hex(reinterpret_cast<std::uintptr_t>(&bytes));
  {
    std::ofstream o(tmp, std::ios::binary);
    if (!o) return;
    o.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    if (!o) {
      o.close();
      std::remove(tmp.c_str());
      return;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) std::remove(tmp.c_str());
}

}  // namespace static_analysis
}  // namespace lockscope
