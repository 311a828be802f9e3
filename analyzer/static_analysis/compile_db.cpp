#include "compile_db.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <thread>
#include <nlohmann/json.hpp>
#include <set>

#include "clang_extractor.h"
#include "fact_cache.h"
#include "static_analyzer.h"

namespace lockscope {
namespace static_analysis {
namespace {

std::string Absolute(const std::string& path, const std::string& base) {
  std::string joined = (!path.empty() && path[0] == '/') ? path : base + "/" + path;
  char real[PATH_MAX];
  return realpath(joined.c_str(), real) ? std::string(real) : joined;
}

std::string Cwd() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string(".");
}

}  // namespace

std::vector<std::string> SplitCommandLine(const std::string& command) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < command.size()) {
        cur += command[++i];
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < command.size()) {
      cur += command[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(cur);
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(cur);
  return out;
}

bool LoadCompileDatabase(const std::string& build_dir, const std::vector<std::string>& only,
                         std::vector<CompileJob>* jobs, std::string* error) {
  const std::string path = build_dir + "/compile_commands.json";
  std::ifstream in(path);
  if (!in) {
    *error = path + ": not found (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or use bear)";
    return false;
  }
  nlohmann::json db = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (db.is_discarded() || !db.is_array()) {
    *error = path + ": not a JSON array of compile commands";
    return false;
  }
  std::set<std::string> wanted;
  for (const std::string& f : only) wanted.insert(Absolute(f, Cwd()));
  std::set<std::string> seen;
  for (const auto& entry : db) {
    if (!entry.is_object() || !entry.contains("file") || !entry["file"].is_string()) continue;
    CompileJob job;
    job.directory = entry.value("directory", build_dir);
    job.file = Absolute(entry["file"].get<std::string>(), job.directory);
    if (entry.contains("arguments") && entry["arguments"].is_array()) {
      for (const auto& a : entry["arguments"]) {
        if (a.is_string()) job.args.push_back(a.get<std::string>());
      }
    } else if (entry.contains("command") && entry["command"].is_string()) {
      job.args = SplitCommandLine(entry["command"].get<std::string>());
    }
    if (!wanted.empty() && !wanted.count(job.file)) continue;
    if (!seen.insert(job.file).second) continue;  // one parse per file
    jobs->push_back(job);
  }
  if (jobs->empty()) {
    *error = path + (wanted.empty() ? ": no compile commands" : ": none of the given files is in it");
    return false;
  }
  return true;
}

std::vector<CompileJob> JobsFromFiles(const std::vector<std::string>& files,
                                      const std::vector<std::string>& flags) {
  std::vector<CompileJob> jobs;
  const std::string cwd = Cwd();
  for (const std::string& f : files) {
    CompileJob job;
    job.file = Absolute(f, cwd);
    job.directory = cwd;
    job.args.push_back("c++");
    job.args.insert(job.args.end(), flags.begin(), flags.end());
    jobs.push_back(job);
  }
  return jobs;
}

namespace {

// Adds `part` (one worker's facts) to `all`. Functions seen by several workers (a header's inline
// function) keep the first definition, as within one worker.
void MergeFacts(ProgramFacts&& part, ProgramFacts* all) {
  for (auto& [usr, f] : part.functions) all->functions.emplace(usr, std::move(f));
  for (auto& [lock, kind] : part.lock_kinds) all->lock_kinds.emplace(lock, kind);
  all->local_locks.insert(part.local_locks.begin(), part.local_locks.end());
  for (auto& [var, guard] : part.declared_guards) all->declared_guards.emplace(var, guard);
  for (auto& [name, tus] : part.global_definitions) {
    all->global_definitions[name].insert(tus.begin(), tus.end());
  }
  for (DeclaredOrder& d : part.declared_order) {
    bool known = std::any_of(all->declared_order.begin(), all->declared_order.end(),
                             [&](const DeclaredOrder& o) {
                               return o.first == d.first && o.second == d.second && o.tu == d.tu;
                             });
    if (!known) all->declared_order.push_back(std::move(d));
  }
  all->parsed_files.insert(all->parsed_files.end(), part.parsed_files.begin(),
                           part.parsed_files.end());
  all->failed_files.insert(all->failed_files.end(), part.failed_files.begin(),
                           part.failed_files.end());
}

// Parses one job into `part` (its own facts: header functions included, merged later), through
// the cache when there is one.
void RunJob(const CompileJob& job, FactCache* cache, StaticRunStats* stats, ProgramFacts* part) {
  if (access(job.file.c_str(), R_OK) != 0) {
    part->failed_files.push_back(job.file + ": cannot read it");
    return;
  }
  const std::vector<std::string> args = SanitizeCompilerArgs(job.args, job.file);
  if (cache != nullptr && cache->Load(job.file, job.directory, args, part)) {
    ++stats->from_cache;
    return;
  }
  std::vector<std::pair<std::string, std::uint64_t>> inputs;
  std::function<void(const std::string&, std::string_view)> on_input;
  if (cache != nullptr) {
    on_input = [&](const std::string& path, std::string_view content) {
      inputs.emplace_back(Absolute(path, job.directory), FactCache::HashContent(content));
    };
  }
  ClangExtractor extractor(part);
  bool clean = extractor.ParseFile(job.file, args, job.directory, on_input);
  ++stats->parsed;
  // A file with errors is parsed again next time: the fix may be a header that does not exist yet.
  if (cache != nullptr && clean) cache->Store(job.file, job.directory, args, inputs, *part);
}

}  // namespace

analysis::Report RunStatic(const std::vector<CompileJob>& jobs, ProgramFacts* facts_out,
                           const std::string& cache_dir, StaticRunStats* stats_out,
                           const JobProgress& progress) {
  // libclang is thread-safe with one index per thread: parse on every core, merge after, in job
  // order (a header's inline function keeps the definition of the first job that has it).
  size_t workers = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  workers = std::min(workers, std::max<size_t>(jobs.size(), 1));
  std::unique_ptr<FactCache> cache;
  if (!cache_dir.empty()) cache = std::make_unique<FactCache>(Absolute(cache_dir, Cwd()));
  std::vector<ProgramFacts> parts(jobs.size());
  std::vector<StaticRunStats> stats(workers);
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  auto work = [&](StaticRunStats* s) {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      RunJob(jobs[i], cache.get(), s, &parts[i]);
      const size_t n = done.fetch_add(1) + 1;
      if (progress && n < jobs.size()) progress(n, jobs.size());
    }
  };
  const std::string cwd = Cwd();
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, &stats[w]);
  work(&stats[0]);
  for (std::thread& t : threads) t.join();
  // libclang-14 changes the process's directory to a compile's -working-directory: restore it,
  // or relative paths given by the user (-o report.txt) would land in the build tree.
  if (chdir(cwd.c_str()) != 0) std::perror(("lockscope: static: back to " + cwd).c_str());
  if (stats_out != nullptr) {
    for (const StaticRunStats& s : stats) {
      stats_out->parsed += s.parsed;
      stats_out->from_cache += s.from_cache;
    }
  }
  if (progress) progress(jobs.size(), jobs.size());
  ProgramFacts facts;
  for (ProgramFacts& part : parts) MergeFacts(std::move(part), &facts);
  std::sort(facts.failed_files.begin(), facts.failed_files.end());
  analysis::Report report = AnalyzeStatic(facts);
  if (facts_out) *facts_out = std::move(facts);
  return report;
}

}  // namespace static_analysis
}  // namespace lockscope
