// `sluice init DIR`: scaffold the shop example project.
#include <iostream>

#include "cli/commands.h"
#include "project/scaffold.h"

namespace sluice::cli {

int RunInit(const GlobalOptions& g, const std::string& dir) {
  if (!SetUpLogging(g)) return kExitInvalid;
  std::vector<std::string> written;
  Status st = project::ScaffoldProject(dir, &written);
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return kExitFailure;
  }
  std::cout << "created project in " << dir << ":\n";
  for (const auto& f : written) std::cout << "  " << f << "\n";
  std::cout << "\nnext:\n  sluice validate " << dir << "\n  sluice run " << dir
            << " --max-events 20000\n  sluice query " << dir
            << " \"SELECT count(*) FROM orders\"\n";
  return kExitOk;
}

}  // namespace sluice::cli
