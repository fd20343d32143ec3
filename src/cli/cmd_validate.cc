// `sluice validate DIR`: load and check a project, report every problem.
#include <iostream>

#include "cli/commands.h"
#include "observe/log.h"
#include "orchestrate/project_plan.h"

namespace sluice::cli {

int RunValidate(const GlobalOptions& g, const std::string& dir) {
  if (!SetUpLogging(g)) return kExitInvalid;
  Diagnostics diag;
  orchestrate::ProjectPlan plan = orchestrate::PlanProject(dir, &diag);
  for (const auto& secret : plan.project.secrets) observe::RegisterSecret(secret);
  if (diag.has_errors()) {
    std::cerr << diag.ToString();
    const size_t n = diag.items().size();
    std::cerr << n << (n == 1 ? " problem" : " problems") << " found in " << dir << "\n";
    return kExitInvalid;
  }
  const project::Project& p = plan.project;
  size_t queries = 0;
  for (const auto& ps : plan.pipelines) queries += ps.queries.size();
  std::cout << "project '" << p.name << "' is valid: " << p.sources.size() << " source"
            << (p.sources.size() == 1 ? "" : "s") << ", " << p.sinks.size() << " sink"
            << (p.sinks.size() == 1 ? "" : "s") << ", " << queries << " continuous quer"
            << (queries == 1 ? "y" : "ies") << " in " << p.streams.size() << " stream file"
            << (p.streams.size() == 1 ? "" : "s") << "\n";
  for (const auto& ps : plan.pipelines) {
    for (const auto& q : ps.queries) {
      std::cout << "  " << ps.name << " -> " << q.name << "  (" << q.location << ")\n";
    }
  }
  for (const auto& note : plan.notes) std::cout << "note: " << note << "\n";
  return kExitOk;
}

}  // namespace sluice::cli
