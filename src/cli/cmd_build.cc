// `sluice build|seed|test|snapshot [DIR]`: run a dbt-style project's nodes against its
// warehouse in dependency order (transform/runner.h), printing one dbt-like line per node
// and a summary. Exit code 0 when everything passed (warnings allowed), 1 when a node
// failed or was skipped, 2 when the project, the selection or an option is invalid.
#include <chrono>
#include <ctime>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "observe/log.h"
#include "transform/dbt_project.h"
#include "transform/manifest.h"
#include "transform/runner.h"

namespace sluice::cli {

namespace {

using transform::NodeKind;
using transform::NodeResult;
using transform::NodeStatus;

constexpr size_t kLineWidth = 80;

std::string Clock() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
  return buf;
}

std::string Seconds(double s) {
  std::ostringstream out;
  out.precision(2);
  out << std::fixed << s << "s";
  return out.str();
}

// "[OK in 0.12s]", "[SELECT 12 in 0.3s]", "[FAIL 3 in 0.01s]", "[SKIP]".
std::string Badge(const NodeResult& r) {
  switch (r.status) {
    case NodeStatus::kSuccess:
      return r.rows_affected >= 0
                 ? "[" + std::to_string(r.rows_affected) +
                       (r.rows_affected == 1 ? " row in " : " rows in ") + Seconds(r.seconds) + "]"
                 : "[OK in " + Seconds(r.seconds) + "]";
    case NodeStatus::kError:
      return "[ERROR in " + Seconds(r.seconds) + "]";
    case NodeStatus::kSkipped:
      return "[SKIP]";
    case NodeStatus::kPass:
      return "[PASS in " + Seconds(r.seconds) + "]";
    case NodeStatus::kFail:
      return "[FAIL " + std::to_string(r.rows_affected) + " in " + Seconds(r.seconds) + "]";
    case NodeStatus::kWarn:
      return "[WARN " + std::to_string(r.rows_affected) + " in " + Seconds(r.seconds) + "]";
  }
  return "";
}

std::vector<NodeKind> KindsFor(const BuildOptions& o, std::string* error) {
  std::vector<std::string> names = o.resource_types;
  if (o.command == "seed") names = {"seed"};
  if (o.command == "test") names = {"test"};
  if (o.command == "snapshot") names = {"snapshot"};
  if (names.empty()) names = {"model", "seed", "snapshot", "test"};
  std::vector<NodeKind> kinds;
  for (const std::string& n : names) {
    if (n == "model")
      kinds.push_back(NodeKind::kModel);
    else if (n == "seed")
      kinds.push_back(NodeKind::kSeed);
    else if (n == "snapshot")
      kinds.push_back(NodeKind::kSnapshot);
    else if (n == "test")
      kinds.push_back(NodeKind::kTest);
    else
      *error = "--resource-type '" + n + "' is not one of model, seed, snapshot, test";
  }
  return kinds;
}

// dbt accepts `-s "a b"` and `-s a -s b` alike.
std::vector<std::string> SplitSpaces(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    std::istringstream in(item);
    std::string word;
    while (in >> word) out.push_back(word);
  }
  return out;
}

void PrintFailures(const transform::Manifest& m, const transform::RunResult& r) {
  bool header = false;
  for (const NodeResult& n : r.results) {
    if (n.status != NodeStatus::kError && n.status != NodeStatus::kFail &&
        n.status != NodeStatus::kWarn) {
      continue;
    }
    if (!header) std::cout << "\n";
    header = true;
    const transform::Node& node = m.nodes[static_cast<size_t>(n.node)];
    const std::string head =
        std::string(transform::NodeKindName(node.kind)) + " " + node.name + " (" + node.path + ")";
    std::cout << (n.status == NodeStatus::kWarn ? "Warning in " : "Failure in ") << head << "\n";
    std::string message = n.message;  // errors repeat the head: print it once
    if (message.rfind(head + ": ", 0) == 0) message = message.substr(head.size() + 2);
    const std::string* texts[] = {&message, &n.sample};
    for (const std::string* text : texts) {
      std::istringstream lines(*text);
      std::string line;
      while (std::getline(lines, line)) std::cout << "  " << line << "\n";
    }
  }
}

}  // namespace

int RunBuild(const GlobalOptions& g, const BuildOptions& o) {
  if (!SetUpLogging(g)) return kExitInvalid;
  transform::LoadOptions load;
  load.target = o.target;
  if (!o.vars.empty()) {
    Status st = transform::ParseVarsArgument(o.vars, &load.vars);
    if (!st.ok()) {
      std::cerr << "error: --vars: " << st.message() << "\n";
      return kExitInvalid;
    }
  }
  std::string kind_error;
  const std::vector<NodeKind> kinds = KindsFor(o, &kind_error);
  if (!kind_error.empty()) {
    std::cerr << "error: " << kind_error << "\n";
    return kExitInvalid;
  }
  Diagnostics diag;
  transform::DbtProject project = transform::LoadDbtProject(o.dir, load, &diag);
  transform::Manifest manifest;
  if (!diag.has_errors()) manifest = transform::BuildManifest(project, &diag);
  if (diag.has_errors()) {
    std::cerr << diag.ToString();
    return kExitInvalid;
  }
  for (const std::string& secret : project.secrets) observe::RegisterSecret(secret);
  Result<std::vector<int>> selected =
      transform::SelectNodes(manifest, SplitSpaces(o.select), SplitSpaces(o.exclude), kinds);
  if (!selected.ok()) {
    std::cerr << "error: " << selected.status().message() << "\n";
    return kExitInvalid;
  }
  const std::vector<int> order = transform::TopologicalOrder(manifest, *selected);
  if (order.empty()) {
    std::cout << "Nothing to do: no " << (o.command == "build" ? "node" : o.command)
              << " matches the selection.\n";
    return kExitOk;
  }
  Result<std::unique_ptr<warehouse::Warehouse>> wh = transform::OpenTargetWarehouse(project.target);
  if (!wh.ok()) {
    std::cerr << "error: " << wh.status().message() << "\n";
    return kExitFailure;
  }
  transform::RunOptions run;
  run.threads = o.threads > 0 ? o.threads : project.target.threads > 0 ? project.target.threads : 4;
  run.full_refresh = o.full_refresh;
  run.fail_fast = o.fail_fast;
  run.progress = [&manifest](const NodeResult& r, bool done) {
    if (!done) return;
    std::string line = std::to_string(r.index) + " of " + std::to_string(r.total) + " " +
                       transform::DescribeResult(manifest, r) + " ";
    const std::string badge = Badge(r);
    if (line.size() + badge.size() < kLineWidth)
      line.append(kLineWidth - line.size() - badge.size(), '.');
    std::cout << Clock() << "  " << line << " " << badge << std::endl;
  };
  std::cout << Clock() << "  Running " << order.size() << " node(s) of " << project.name << " on "
            << (*wh)->Describe() << " with " << run.threads << " thread(s)\n";
  Result<transform::RunResult> result = transform::Run(manifest, order, wh->get(), run);
  if (!result.ok()) {
    std::cerr << "error: " << result.status().message() << "\n";
    return kExitFailure;
  }
  PrintFailures(manifest, *result);
  const transform::RunResult& r = *result;
  std::cout << "\n"
            << Clock() << "  Finished in " << Seconds(r.seconds) << ". "
            << "PASS=" << r.Count(NodeStatus::kSuccess) + r.Count(NodeStatus::kPass)
            << " WARN=" << r.Count(NodeStatus::kWarn)
            << " ERROR=" << r.Count(NodeStatus::kError) + r.Count(NodeStatus::kFail)
            << " SKIP=" << r.Count(NodeStatus::kSkipped) << " TOTAL=" << r.results.size() << "\n";
  return r.ok() ? kExitOk : kExitFailure;
}

}  // namespace sluice::cli
