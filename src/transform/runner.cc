#include "transform/runner.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "transform/generic_tests.h"
#include "transform/materialize.h"
#include "transform/seed_loader.h"
#include "warehouse/table_name.h"

namespace sluice::transform {

namespace {

bool Executable(const Node& n) {
  return n.kind != NodeKind::kSource && n.kind != NodeKind::kStream;
}

bool Silent(const Node& n) {  // ephemeral models: in the graph, not in the results
  return n.kind == NodeKind::kModel && n.config.materialized == Materialization::kEphemeral;
}

bool IsFailure(NodeStatus s) {
  return s == NodeStatus::kError || s == NodeStatus::kFail || s == NodeStatus::kSkipped;
}

Result<BuildOutcome> BuildNode(const BuildContext& ctx) {
  const Node& n = ctx.n();
  switch (n.kind) {
    case NodeKind::kSeed:
      return LoadSeed(ctx);
    case NodeKind::kSnapshot:
      return BuildSnapshot(ctx);
    case NodeKind::kTest:
      return RunDataTest(ctx);
    default:
      break;
  }
  switch (n.config.materialized) {
    case Materialization::kView:
      return BuildView(ctx);
    case Materialization::kTable:
      return BuildTable(ctx);
    case Materialization::kIncremental:
      return BuildIncremental(ctx);
    case Materialization::kSnapshot:
      return BuildSnapshot(ctx);
    case Materialization::kSeed:
      return LoadSeed(ctx);
    case Materialization::kTest:
      return RunDataTest(ctx);
    case Materialization::kEphemeral:
      return BuildOutcome{};
  }
  return BuildOutcome{};
}

// Every node `node` depends on, transitively, over the whole manifest.
std::set<int> Ancestors(const Manifest& m, int node) {
  std::set<int> seen;
  std::vector<int> stack{node};
  while (!stack.empty()) {
    const int at = stack.back();
    stack.pop_back();
    for (int d : m.nodes[static_cast<size_t>(at)].depends_on) {
      if (seen.insert(d).second) stack.push_back(d);
    }
  }
  return seen;
}

// The scheduling graph over the run's nodes (slots): dependencies inside the run, plus
// "children of X wait for the tests on X" (dbt build).
struct Graph {
  std::vector<int> nodes;                  // slot -> node
  std::vector<std::vector<int>> deps;      // slot -> slots it waits for
  std::vector<std::vector<int>> children;  // slot -> slots waiting for it
};

Graph MakeGraph(const Manifest& m, const std::vector<int>& selected) {
  Graph g;
  std::map<int, int> slot_of;
  for (int node : selected) {
    if (node < 0 || node >= static_cast<int>(m.nodes.size())) continue;
    if (!Executable(m.nodes[static_cast<size_t>(node)]) || slot_of.count(node)) continue;
    slot_of[node] = static_cast<int>(g.nodes.size());
    g.nodes.push_back(node);
  }
  const size_t n = g.nodes.size();
  std::vector<std::set<int>> deps(n);
  for (size_t s = 0; s < n; ++s) {
    for (int d : m.nodes[static_cast<size_t>(g.nodes[s])].depends_on) {
      auto it = slot_of.find(d);
      if (it != slot_of.end()) deps[s].insert(it->second);
    }
  }
  for (size_t t = 0; t < n; ++t) {
    const Node& test = m.nodes[static_cast<size_t>(g.nodes[t])];
    if (test.kind != NodeKind::kTest) continue;
    std::set<int> ancestors;
    bool have_ancestors = false;
    for (size_t c = 0; c < n; ++c) {
      const Node& child = m.nodes[static_cast<size_t>(g.nodes[c])];
      if (child.kind == NodeKind::kTest) continue;
      const bool tested_parent =
          std::any_of(test.depends_on.begin(), test.depends_on.end(), [&](int p) {
            return std::find(child.depends_on.begin(), child.depends_on.end(), p) !=
                   child.depends_on.end();
          });
      if (!tested_parent) continue;
      if (!have_ancestors) {
        ancestors = Ancestors(m, g.nodes[t]);
        have_ancestors = true;
      }
      if (!ancestors.count(g.nodes[c])) deps[c].insert(static_cast<int>(t));  // no cycle
    }
  }
  g.deps.resize(n);
  g.children.resize(n);
  for (size_t s = 0; s < n; ++s) {
    g.deps[s].assign(deps[s].begin(), deps[s].end());
    for (int d : deps[s]) g.children[static_cast<size_t>(d)].push_back(static_cast<int>(s));
  }
  return g;
}

// Shared state of one Run, guarded by `mu`.
class Scheduler {
 public:
  Scheduler(const Manifest& m, Graph g, const RunOptions& o, bool postgres,
            RelationCache* relations)
      : m_(m), g_(std::move(g)), options_(o), postgres_(postgres), relations_(relations) {
    const size_t n = g_.nodes.size();
    waiting_.resize(n);
    blocked_by_.resize(n);
    for (size_t s = 0; s < n; ++s) {
      waiting_[s] = static_cast<int>(g_.deps[s].size());
      if (waiting_[s] == 0) ready_.insert(static_cast<int>(s));
      if (!Silent(m_.nodes[static_cast<size_t>(g_.nodes[s])])) ++total_;
    }
    remaining_ = static_cast<int>(n);
  }

  void Work(warehouse::Connection* conn) {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return !ready_.empty() || remaining_ == 0; });
      if (remaining_ == 0) return;
      const int slot = *ready_.begin();
      ready_.erase(ready_.begin());
      const int node = g_.nodes[static_cast<size_t>(slot)];
      const Node& n = m_.nodes[static_cast<size_t>(node)];
      NodeResult r;
      r.node = node;
      if (!Silent(n)) r.index = ++started_;
      r.total = total_;
      std::string& cause = blocked_by_[static_cast<size_t>(slot)];
      if (cause.empty() && options_.fail_fast && failed_)
        cause = "an earlier failure (--fail-fast)";
      if (!cause.empty()) {
        r.status = NodeStatus::kSkipped;
        r.message = "skipped: depends on " + cause;
      } else {
        if (r.index > 0 && options_.progress) options_.progress(r, false);
        lock.unlock();
        Execute(conn, &r);
        lock.lock();
      }
      Finish(slot, std::move(r));
    }
  }

  RunResult TakeResult() { return std::move(result_); }

 private:
  void Execute(warehouse::Connection* conn, NodeResult* r) {
    const auto start = std::chrono::steady_clock::now();
    BuildContext ctx;
    ctx.manifest = &m_;
    ctx.node = r->node;
    ctx.conn = conn;
    ctx.postgres = postgres_;
    ctx.full_refresh = options_.full_refresh;
    ctx.render = &options_.render;
    ctx.relations = relations_;
    Result<BuildOutcome> out = Status::Internal("not run");
    try {
      out = BuildNode(ctx);
    } catch (const std::exception& e) {
      out = Status::Internal(std::string("unexpected error: ") + e.what());
    }
    r->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    NoteRelation(ctx.n(), out.ok());
    if (out.ok()) {
      r->status = out->status;
      r->rows_affected = out->rows;
      r->message = std::move(out->message);
      r->sample = std::move(out->sample);
    } else {
      r->status = NodeStatus::kError;
      r->message = out.status().message();
    }
  }

  // Keeps the relation cache true after building `n`: what a success leaves under its name;
  // after a failure the warehouse is asked again next time.
  void NoteRelation(const Node& n, bool ok) {
    if (n.kind == NodeKind::kTest || Silent(n) || n.schema_name.empty()) return;
    if (!ok) {
      relations_->Forget(n.schema_name, n.identifier);
      return;
    }
    const bool view = n.kind == NodeKind::kModel && n.config.materialized == Materialization::kView;
    relations_->Set(n.schema_name, n.identifier, view ? RelationType::kView : RelationType::kTable);
  }

  // Records the result of `slot` and releases (or skips) what waits for it. Under mu_.
  void Finish(int slot, NodeResult r) {
    const Node& n = m_.nodes[static_cast<size_t>(r.node)];
    const bool failure = IsFailure(r.status);
    if (failure && r.status != NodeStatus::kSkipped) failed_ = true;
    std::string cause;
    if (failure) {
      cause = r.status == NodeStatus::kSkipped
                  ? blocked_by_[static_cast<size_t>(slot)]
                  : std::string(NodeKindName(n.kind)) + " " + n.name + ", which " +
                        (r.status == NodeStatus::kFail ? "failed" : "had an error");
    }
    for (int child : g_.children[static_cast<size_t>(slot)]) {
      if (failure && blocked_by_[static_cast<size_t>(child)].empty()) {
        blocked_by_[static_cast<size_t>(child)] = cause;
      }
      if (--waiting_[static_cast<size_t>(child)] == 0) ready_.insert(child);
    }
    if (r.index > 0) {
      if (options_.progress) options_.progress(r, true);
      result_.results.push_back(std::move(r));
    }
    --remaining_;
    cv_.notify_all();
  }

  const Manifest& m_;
  Graph g_;
  const RunOptions& options_;
  bool postgres_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<int> ready_;                  // slots whose dependencies are done, in run order
  std::vector<int> waiting_;             // slot -> dependencies not finished yet
  std::vector<std::string> blocked_by_;  // slot -> the failed node it waits for, if any
  int remaining_ = 0;
  int started_ = 0;
  RelationCache* relations_;
  int total_ = 0;
  bool failed_ = false;
  RunResult result_;
};

// CREATE SCHEMA IF NOT EXISTS for every schema the run writes to, once and up front, so
// parallel builds never race on creating one; then lists their relations into `relations`.
Status PrepareSchemas(const Manifest& m, const Graph& g, warehouse::Connection* conn,
                      RelationCache* relations) {
  std::set<std::string> schemas;
  for (int node : g.nodes) {
    const Node& n = m.nodes[static_cast<size_t>(node)];
    if (n.kind == NodeKind::kTest || Silent(n) || n.schema_name.empty()) continue;
    schemas.insert(n.schema_name);
  }
  for (const std::string& s : schemas) {
    Status st = conn->Execute("CREATE SCHEMA IF NOT EXISTS " + warehouse::QuoteIdentifier(s));
    if (!st.ok()) return Status(st.code(), "cannot create schema " + s + ": " + st.message());
  }
  return relations->Load(conn, schemas);
}

}  // namespace

const char* NodeStatusName(NodeStatus status) {
  switch (status) {
    case NodeStatus::kSuccess:
      return "success";
    case NodeStatus::kError:
      return "error";
    case NodeStatus::kSkipped:
      return "skipped";
    case NodeStatus::kPass:
      return "pass";
    case NodeStatus::kFail:
      return "fail";
    case NodeStatus::kWarn:
      return "warn";
  }
  return "?";
}

int RunResult::Count(NodeStatus status) const {
  return static_cast<int>(std::count_if(results.begin(), results.end(),
                                        [&](const NodeResult& r) { return r.status == status; }));
}

bool RunResult::ok() const {
  return Count(NodeStatus::kError) == 0 && Count(NodeStatus::kFail) == 0 &&
         Count(NodeStatus::kSkipped) == 0;
}

Result<RunResult> Run(const Manifest& manifest, const std::vector<int>& nodes,
                      warehouse::Warehouse* warehouse, const RunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  Graph graph = MakeGraph(manifest, nodes);
  const int workers =
      std::max(1, std::min<int>(options.threads, static_cast<int>(graph.nodes.size())));
  std::vector<std::unique_ptr<warehouse::Connection>> conns;
  for (int i = 0; i < workers; ++i) {
    Result<std::unique_ptr<warehouse::Connection>> c = warehouse->Connect();
    if (!c.ok()) return c.status();
    conns.push_back(std::move(*c));
  }
  RelationCache relations;
  SLUICE_RETURN_NOT_OK(PrepareSchemas(manifest, graph, conns[0].get(), &relations));
  Scheduler scheduler(manifest, std::move(graph), options, warehouse->Kind() == "postgres",
                      &relations);
  std::vector<std::thread> threads;
  for (int i = 1; i < workers; ++i) {
    threads.emplace_back(
        [&scheduler, &conns, i] { scheduler.Work(conns[static_cast<size_t>(i)].get()); });
  }
  scheduler.Work(conns[0].get());
  for (std::thread& t : threads) t.join();
  RunResult result = scheduler.TakeResult();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

std::string DescribeResult(const Manifest& manifest, const NodeResult& r) {
  const Node& n = manifest.nodes[static_cast<size_t>(r.node)];
  const std::string kind = NodeKindName(n.kind);
  const std::string where = n.schema_name.empty() ? n.name : n.schema_name + "." + n.identifier;
  const std::string rows = r.rows_affected >= 0 ? std::to_string(r.rows_affected) + " " : "";
  switch (r.status) {
    case NodeStatus::kSuccess: {
      std::string what = r.message;
      // "loaded seed main.x", "created table model main.x"
      if (what.size() < kind.size() ||
          what.compare(what.size() - kind.size(), kind.size(), kind) != 0) {
        what += " " + kind;
      }
      return "OK " + what + " " + where;
    }
    case NodeStatus::kError:
      return "ERROR " + kind + " " + where;
    case NodeStatus::kSkipped:
      return "SKIP " + kind + " " + where;
    case NodeStatus::kPass:
      return "PASS " + n.name;
    case NodeStatus::kFail:
      return "FAIL " + rows + n.name;
    case NodeStatus::kWarn:
      return "WARN " + rows + n.name;
  }
  return "";
}

}  // namespace sluice::transform
