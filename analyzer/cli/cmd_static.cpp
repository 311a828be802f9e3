// cmd_static.cpp — `lockscope static`: the libclang pass over source files, reported with the
// same viz as the dynamic analysis (the static analyzer produces an analysis::Report too).

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include "command.h"
#include "compile_db.h"
#include "findings.h"
#include "progress.h"
#include "report_pipeline.h"

namespace lockscope {
namespace cli {
namespace {

constexpr const char* kStaticHelp =
    "Reads C/C++ sources with libclang and reports, without running anything, lock-order\n"
    "cycles through the call graph, rwlock upgrades, recursive reads, relocks and data races\n"
    "(unguarded accesses, views into guarded data used after unlock, returned or stored).\n"
    "Clang thread-safety attributes are honoured when present (GUARDED_BY, PT_GUARDED_BY,\n"
    "REQUIRES, ACQUIRE/RELEASE/TRY_ACQUIRE, SCOPED_CAPABILITY, EXCLUDES, ACQUIRED_BEFORE/AFTER,\n"
    "ASSERT_CAPABILITY, RETURN_CAPABILITY, NO_THREAD_SAFETY_ANALYSIS, as spelled by Clang's and\n"
    "Abseil's macros). Sources come from -p BUILD_DIR/compile_commands.json (optionally only the\n"
    "FILEs named), or from FILE... with the compiler flags after --.\n"
    "With -p, what each file yields is cached in BUILD_DIR/.lockscope-cache and reused while the\n"
    "file, every header it reads, its flags and lockscope itself are unchanged (--no-cache: parse\n"
    "everything).\n"
    "\n"
    "Examples:\n"
    "  lockscope static -p build                 every file of the compile database\n"
    "  lockscope static src/bank.cpp -- -std=c++17 -Iinclude\n"
    "\n"
    "Exit codes: 0 no findings, 1 findings, 2 usage or input error (no compile database, a file\n"
    "that cannot be parsed), 3 internal error.\n";

class StaticCommand : public Command {
 public:
  StaticCommand() : Command("static", "find lock hazards in source files (libclang)", 40) {}

  bool TakesTrailingArgs() const override { return true; }

  void Setup(CLI::App* app) override {
    app->footer(kStaticHelp);
    AddRenderOptions(app, &options_);
    app->add_option("-o,--output", output_, "write the report to FILE instead of stdout")
        ->type_name("FILE");
    app->add_option("-p,--build-dir", build_dir_, "directory holding compile_commands.json")
        ->type_name("BUILD_DIR");
    app->add_flag("--no-cache", no_cache_, "with -p: parse every file, ignore and keep no cache");
    app->add_option("FILE", files_, "source files (with -p: only these entries)")->type_name("");
  }

  int Run() override {
    if (!LoadReportSuppressions(&options_)) return kExitUsage;
    for (const std::string* path : {&output_, &options_.dot_path, &options_.svg_path, &options_.html_path}) {
      if (!path->empty() && !CheckWritable(*path)) return kExitUsage;
    }
    std::vector<static_analysis::CompileJob> jobs;
    if (!build_dir_.empty()) {
      std::string error;
      if (!static_analysis::LoadCompileDatabase(build_dir_, files_, &jobs, &error)) {
        PrintError(error);
        return kExitUsage;
      }
      if (jobs.empty()) {
        PrintError(build_dir_ + "/compile_commands.json: no entry for the files given");
        return kExitUsage;
      }
    } else if (files_.empty()) {
      PrintError("static: no input: give -p BUILD_DIR or FILE... [-- FLAGS]");
      return kExitUsage;
    } else {
      jobs = static_analysis::JobsFromFiles(files_, trailing_args_);
    }
    static_analysis::ProgramFacts facts;
    const std::string cache_dir =
        build_dir_.empty() || no_cache_ ? std::string() : build_dir_ + "/.lockscope-cache";
    Progress progress;  // a line on stderr (a terminal only) once parsing takes over a second
    progress.Stage(fmt::format("parsing: 0/{} files done", jobs.size()));
    analysis::Report report = static_analysis::RunStatic(
        jobs, &facts, cache_dir, nullptr, [&progress](size_t done, size_t total) {
          progress.Stage(done < total ? fmt::format("parsing: {}/{} files done", done, total)
                                      : "analyzing");
        });
    progress.Finish();
    analysis::ApplySuppressions(options_.suppressions, &report);
    bool ok = facts.failed_files.empty();
    for (const std::string& failed : facts.failed_files) PrintError(failed);
    if (!RenderReport(report, options_, output_, stdout)) return kExitUsage;
    if (!ok) return kExitUsage;
    return report.findings.empty() ? kExitOk : kExitFindings;
  }

 private:
  ReportOptions options_;
  std::string output_;
  std::string build_dir_;
  bool no_cache_ = false;
  std::vector<std::string> files_;
};

StaticCommand g_static_command;

}  // namespace
}  // namespace cli
}  // namespace lockscope
