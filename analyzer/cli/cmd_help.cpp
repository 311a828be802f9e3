// cmd_help.cpp — `lockscope help [CMD]`: the same text as `lockscope [CMD] --help`.

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <string>

#include "command.h"

namespace lockscope {
namespace cli {
namespace {

class HelpCommand : public Command {
 public:
  HelpCommand() : Command("help", "show help for lockscope or one of its commands", 90) {}

  void Setup(CLI::App* app) override {
    app_ = app;
    app->add_option("CMD", topic_, "the command to explain")->type_name("");
    app->add_flag("--man", man_,
                  "print the help as a man(7) page (the build installs lockscope(1) and "
                  "lockscope-CMD(1) made this way)");
  }

  int Run() override {
    CLI::App* root = app_->get_parent();
    if (topic_.empty()) {
      // root->help() would describe the selected subcommand (this one), not lockscope.
      std::string text = root->get_formatter()->make_help(root, "", CLI::AppFormatMode::Normal);
      Print("lockscope", "deadlock and lock-misuse diagnosis for C and C++ programs", text);
      return kExitOk;
    }
    for (const Command* command : Command::All()) {
      if (topic_ == command->name()) {
        Print("lockscope-" + topic_, command->summary(),
              root->get_subcommand(topic_)->help(root->get_name()));
        return kExitOk;
      }
    }
    std::string names;
    for (const Command* command : Command::All())
      names += std::string(names.empty() ? "" : ", ") + command->name();
    PrintError("help: unknown command '" + topic_ + "' (commands: " + names + ")");
    return kExitUsage;
  }

 private:
  // The help text as is, or (--man) as a man page: NAME, then the text verbatim (.nf), with
  // roff's escape character and leading control characters neutralized.
  void Print(const std::string& page, const std::string& summary, const std::string& text) const {
    if (!man_) {
      std::fputs(text.c_str(), stdout);
      return;
    }
    std::string upper;
    for (char c : page) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string out = ".TH " + upper + " 1 \"\" \"" + VersionString() + "\" \"lockscope manual\"\n";
    out += ".SH NAME\n" + page + " \\- " + summary + "\n.SH DESCRIPTION\n.nf\n";
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      std::string escaped;
      for (char c : line) escaped += c == '\\' ? std::string("\\e") : std::string(1, c);
      if (!escaped.empty() && (escaped[0] == '.' || escaped[0] == '\'')) escaped = "\\&" + escaped;
      out += escaped + "\n";
    }
    out += ".fi\n.SH SEE ALSO\nlockscope(1), lockscope-run(1), lockscope-analyze(1), "
           "lockscope-static(1), lockscope-dump(1)\n";
    std::fputs(out.c_str(), stdout);
  }

  CLI::App* app_ = nullptr;
  std::string topic_;
  bool man_ = false;
};

HelpCommand g_help_command;

}  // namespace
}  // namespace cli
}  // namespace lockscope
