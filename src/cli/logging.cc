// Logging set-up shared by every command.
#include <iostream>

#include "cli/commands.h"
#include "observe/log.h"

namespace sluice::cli {

bool SetUpLogging(const GlobalOptions& g) {
  observe::LogOptions opts;
  Result<observe::Level> level = observe::ParseLevel(g.log_level);
  if (!level.ok()) {
    std::cerr << "error: --log-level: " << level.status().message() << "\n";
    return false;
  }
  opts.level = *level;
  if (g.log_format == "json") {
    opts.format = observe::LogFormat::kJson;
  } else if (g.log_format == "text") {
    opts.format = observe::LogFormat::kText;
  } else if (g.log_format == "auto") {
    opts.format = observe::LogFormat::kAuto;
  } else {
    std::cerr << "error: --log-format must be auto, text or json, not '" << g.log_format << "'\n";
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
