// Logging set-up shared by every command.
#include <iostream>

#include "cli/commands.h"
#include "observe/log.h"

namespace sluice::cli {

bool SetUpLogging(const GlobalOptions& g, const std::string& project_level,
                  const std::string& project_format) {
  const std::string level_text =
      !g.log_level.empty() ? g.log_level : !project_level.empty() ? project_level : "info";
  const std::string format =
      !g.log_format.empty() ? g.log_format : !project_format.empty() ? project_format : "auto";
  observe::LogOptions opts;
  Result<observe::Level> level = observe::ParseLevel(level_text);
  if (!level.ok()) {
    std::cerr << "error: --log-level: " << level.status().message() << "\n";
    return false;
  }
  opts.level = *level;
  if (format == "json") {
    opts.format = observe::LogFormat::kJson;
  } else if (format == "text") {
    opts.format = observe::LogFormat::kText;
  } else if (format == "auto") {
    opts.format = observe::LogFormat::kAuto;
  } else {
    std::cerr << "error: --log-format must be auto, text or json, not '" << format << "'\n";
    return false;
  }
  Status st = observe::InitLogging(opts);
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return false;
  }
  return true;
}

}  // namespace sluice::cli
