#include "compile_db.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "clang_extractor.h"
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

analysis::Report RunStatic(const std::vector<CompileJob>& jobs, ProgramFacts* facts_out) {
  ProgramFacts facts;
  {
    ClangExtractor extractor(&facts);
    for (const CompileJob& job : jobs) {
      if (access(job.file.c_str(), R_OK) != 0) {
        facts.failed_files.push_back(job.file + ": cannot read it");
        continue;
      }
      extractor.ParseFile(job.file, SanitizeCompilerArgs(job.args, job.file), job.directory);
    }
  }
  analysis::Report report = AnalyzeStatic(facts);
  if (facts_out) *facts_out = std::move(facts);
  return report;
}

}  // namespace static_analysis
}  // namespace lockscope
