// The `sluice` commands. main.cc parses arguments into these option structs; each command
// returns the process exit code (0 success, 1 failure, 2 invalid project or usage).
#pragma once

#include <cstdint>
#include <string>

namespace sluice::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitInvalid = 2;

struct GlobalOptions {
  // Empty = not given: the project's log settings (sluice.yaml `log:`) apply, else
  // info / auto.
  std::string log_level;
  std::string log_format;  // auto | text | json
};

int RunInit(const GlobalOptions& g, const std::string& dir);

int RunValidate(const GlobalOptions& g, const std::string& dir);

struct QueryOptions {
  std::string dir = ".";
  std::string sql;
  std::string format = "table";  // table | csv | json
};
int RunQuery(const GlobalOptions& g, const QueryOptions& o);

struct RunOptions {
  std::string dir = ".";
  std::string run_for;          // duration text, empty = until Ctrl-C
  int64_t max_events = -1;      // per source; -1 = unbounded
  std::string metrics_addr;     // overrides sluice.yaml metrics.addr
  std::string status = "auto";  // auto | line | log | off
};
int RunRun(const GlobalOptions& g, const RunOptions& o);

struct BenchOptions {
  std::string what;              // generate | parse
  std::string generator = "shop,nexmark";
  std::string format = "ndjson,csv";
  int64_t events = 10000000;
  int64_t bytes = 200000000;
  bool json = false;
  std::string tmp_dir;           // parse: where the synthetic file goes (default: system temp)
  int repeat = 5;                // repetitions per benchmark; medians are reported
};
int RunBench(const GlobalOptions& g, const BenchOptions& o);

// Applies --log-level / --log-format, falling back to `project_level` / `project_format`
// (from sluice.yaml) and then to info / auto. Prints an error and returns false when
// invalid.
bool SetUpLogging(const GlobalOptions& g, const std::string& project_level = "",
                  const std::string& project_format = "");

}  // namespace sluice::cli
