// cmd_help.cpp — `lockscope help [CMD]`: the same text as `lockscope [CMD] --help`.

#include <CLI/CLI.hpp>
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
  }

  int Run() override {
    CLI::App* root = app_->get_parent();
    if (topic_.empty()) {
      // root->help() would describe the selected subcommand (this one), not lockscope.
      std::string text = root->get_formatter()->make_help(root, "", CLI::AppFormatMode::Normal);
      std::fputs(text.c_str(), stdout);
      return kExitOk;
    }
    for (const Command* command : Command::All()) {
      if (topic_ == command->name()) {
        std::fputs(root->get_subcommand(topic_)->help(root->get_name()).c_str(), stdout);
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
  CLI::App* app_ = nullptr;
  std::string topic_;
};

HelpCommand g_help_command;

}  // namespace
}  // namespace cli
}  // namespace lockscope
