// `sluice compile|ls|lineage [DIR]`: a dbt-style project's nodes without running anything —
// compiled SQL written to <state_dir>/compiled, the node list, the lineage graph. Exit code
// 0 on success, 2 when the project, the selection or an option is invalid (a model whose
// Jinja does not render counts as invalid).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/json.h"
#include "observe/log.h"
#include "transform/dbt_project.h"
#include "transform/manifest.h"
#include "transform/model_config.h"

namespace sluice::cli {

namespace {

namespace fs = std::filesystem;
using transform::Manifest;
using transform::Node;
using transform::NodeKind;

// The project and its manifest, or an exit code after printing why not.
struct Loaded {
  transform::DbtProject project;
  Manifest manifest;
};

int Load(const GlobalOptions& g, const CompileOptions& o, Loaded* out) {
  if (!SetUpLogging(g)) return kExitInvalid;
  transform::LoadOptions options;
  options.target = o.target;
  if (!o.vars.empty()) {
    Status st = transform::ParseVarsArgument(o.vars, &options.vars);
    if (!st.ok()) {
      std::cerr << "error: " << st.message() << "\n";
      return kExitInvalid;
    }
  }
  Diagnostics diag;
  out->project = transform::LoadDbtProject(o.dir, options, &diag);
  for (const auto& secret : out->project.secrets) observe::RegisterSecret(secret);
  if (!diag.has_errors()) out->manifest = transform::BuildManifest(out->project, &diag);
  if (diag.has_errors()) {
    std::cerr << diag.ToString();
    const size_t n = diag.items().size();
    std::cerr << n << (n == 1 ? " problem" : " problems") << " found in " << o.dir << "\n";
    return kExitInvalid;
  }
  out->manifest.project = &out->project;
  return kExitOk;
}

bool KindsFromNames(const std::vector<std::string>& names, std::vector<NodeKind>* kinds) {
  static const std::pair<const char*, NodeKind> kNames[] = {
      {"model", NodeKind::kModel},   {"seed", NodeKind::kSeed},     {"snapshot", NodeKind::kSnapshot},
      {"test", NodeKind::kTest},     {"source", NodeKind::kSource}, {"stream", NodeKind::kStream}};
  for (const std::string& n : names) {
    bool found = false;
    for (const auto& [name, kind] : kNames) {
      if (n == name) {
        kinds->push_back(kind);
        found = true;
      }
    }
    if (!found) {
      std::cerr << "error: --resource-type '" << n
                << "' is not one of model, seed, snapshot, test, source, stream\n";
      return false;
    }
  }
  return true;
}

Result<std::vector<int>> Select(const Loaded& l, const CompileOptions& o,
                                const std::vector<NodeKind>& kinds) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<int> nodes,
                          transform::SelectNodes(l.manifest, o.select, o.exclude, kinds));
  return transform::TopologicalOrder(l.manifest, nodes);
}

// Where a node's compiled SQL goes, relative to <state_dir>/compiled.
std::string CompiledPath(const Node& n) {
  if (n.generic_test.has_value() || n.kind == NodeKind::kSnapshot) {
    return n.path + "/" + n.name + ".sql";
  }
  return n.path;
}

std::string Materialized(const Node& n) {
  if (n.kind == NodeKind::kSource || n.kind == NodeKind::kStream) return "";
  return transform::MaterializationName(n.config.materialized);
}

}  // namespace

int RunCompile(const GlobalOptions& g, const CompileOptions& o) {
  Loaded l;
  if (int code = Load(g, o, &l); code != kExitOk) return code;
  Result<std::vector<int>> nodes =
      Select(l, o, {NodeKind::kModel, NodeKind::kSnapshot, NodeKind::kTest});
  if (!nodes.ok()) {
    std::cerr << "error: " << nodes.status().message() << "\n";
    return kExitInvalid;
  }
  const bool print_sql = !o.select.empty();
  const fs::path out_dir = fs::path(l.project.state_dir) / "compiled";
  int failed = 0;
  int written = 0;
  for (int i : *nodes) {
    const Node& n = l.manifest.nodes[static_cast<size_t>(i)];
    Result<std::string> sql = transform::RenderNode(l.manifest, i, {});
    if (!sql.ok()) {
      std::cerr << sql.status().message() << "\n";
      ++failed;
      continue;
    }
    const fs::path file = out_dir / CompiledPath(n);
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << *sql << "\n";
    out.close();
    if (ec || !out) {
      std::cerr << "error: cannot write " << file.string() << " (check that the state folder "
                << "is writable)\n";
      return kExitFailure;
    }
    ++written;
    if (print_sql) {
      std::cout << "-- " << transform::NodeKindName(n.kind) << " " << n.name << " ("
                << n.path << ")\n" << *sql << "\n\n";
    } else {
      std::cout << transform::NodeKindName(n.kind) << " " << n.name << " -> "
                << fs::path(file).lexically_relative(l.project.dir).string() << "\n";
    }
  }
  std::cout << "compiled " << written << (written == 1 ? " node" : " nodes") << " into "
            << out_dir.lexically_relative(l.project.dir).string() << "\n";
  if (failed > 0) {
    std::cerr << failed << (failed == 1 ? " node" : " nodes") << " failed to compile\n";
    return kExitInvalid;
  }
  return kExitOk;
}

int RunLs(const GlobalOptions& g, const CompileOptions& o) {
  Loaded l;
  if (int code = Load(g, o, &l); code != kExitOk) return code;
  std::vector<NodeKind> kinds;
  if (!KindsFromNames(o.resource_types, &kinds)) return kExitInvalid;
  Result<std::vector<int>> nodes = transform::SelectNodes(l.manifest, o.select, o.exclude, kinds);
  if (!nodes.ok()) {
    std::cerr << "error: " << nodes.status().message() << "\n";
    return kExitInvalid;
  }
  std::vector<int> order = *nodes;
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    return l.manifest.nodes[static_cast<size_t>(a)].unique_id <
           l.manifest.nodes[static_cast<size_t>(b)].unique_id;
  });
  size_t name_width = 0;
  for (int i : order) name_width = std::max(name_width, l.manifest.nodes[static_cast<size_t>(i)].name.size());
  for (int i : order) {
    const Node& n = l.manifest.nodes[static_cast<size_t>(i)];
    if (o.output == "json") {
      std::string line = "{\"unique_id\":" + JsonString(n.unique_id) +
                         ",\"kind\":" + JsonString(transform::NodeKindName(n.kind)) +
                         ",\"name\":" + JsonString(n.name) + ",\"path\":" + JsonString(n.path) +
                         ",\"materialized\":" + JsonString(Materialized(n)) +
                         ",\"relation\":" + JsonString(n.relation) + ",\"tags\":[";
      for (size_t k = 0; k < n.config.tags.size(); ++k) {
        line += (k ? "," : "") + JsonString(n.config.tags[k]);
      }
      line += "],\"depends_on\":[";
      for (size_t k = 0; k < n.depends_on.size(); ++k) {
        line += (k ? "," : "") +
                JsonString(l.manifest.nodes[static_cast<size_t>(n.depends_on[k])].unique_id);
      }
      std::cout << line << "]}\n";
    } else {
      std::string kind = transform::NodeKindName(n.kind);
      kind.resize(9, ' ');
      std::string name = n.name;
      name.resize(name_width + 2, ' ');
      std::cout << kind << name << n.path << "\n";
    }
  }
  return kExitOk;
}

namespace {

int KindRank(NodeKind k) {
  switch (k) {
    case NodeKind::kSource: return 0;
    case NodeKind::kStream: return 1;
    case NodeKind::kSeed: return 2;
    case NodeKind::kSnapshot: return 3;
    case NodeKind::kModel: return 4;
    case NodeKind::kTest: return 5;
  }
  return 6;
}

std::string Describe(const Node& n) {
  std::string s = std::string(transform::NodeKindName(n.kind)) + " " + n.name;
  const std::string m = Materialized(n);
  if (n.kind == NodeKind::kModel || n.kind == NodeKind::kSnapshot || n.kind == NodeKind::kSeed) {
    s += " (" + m + (n.relation.empty() ? "" : " " + n.relation) + ")";
  } else if (!n.relation.empty() && n.kind != NodeKind::kTest) {
    s += " (" + n.relation + ")";
  }
  return s;
}

class LineageTree {
 public:
  LineageTree(const Manifest& m, const std::vector<int>& nodes) : m_(m) {
    in_.assign(m.nodes.size(), false);
    children_.resize(m.nodes.size());
    for (int i : nodes) in_[static_cast<size_t>(i)] = true;
    for (int i : nodes) {
      for (int d : m.nodes[static_cast<size_t>(i)].depends_on) {
        if (in_[static_cast<size_t>(d)]) children_[static_cast<size_t>(d)].push_back(i);
      }
    }
    for (auto& c : children_) Sort(&c);
  }

  void Print(const std::vector<int>& nodes) {
    std::vector<int> roots;
    for (int i : nodes) {
      bool has_parent = false;
      for (int d : m_.nodes[static_cast<size_t>(i)].depends_on) has_parent = has_parent || in_[static_cast<size_t>(d)];
      if (!has_parent) roots.push_back(i);
    }
    Sort(&roots);
    for (int r : roots) PrintNode(r, 0);
    // Nodes on a cycle have no root; print them too.
    for (int i : nodes) {
      if (!printed_.count(i)) PrintNode(i, 0);
    }
  }

 private:
  void Sort(std::vector<int>* v) const {
    std::sort(v->begin(), v->end(), [&](int a, int b) {
      const Node& x = m_.nodes[static_cast<size_t>(a)];
      const Node& y = m_.nodes[static_cast<size_t>(b)];
      if (KindRank(x.kind) != KindRank(y.kind)) return KindRank(x.kind) < KindRank(y.kind);
      return x.name < y.name;
    });
  }

  void PrintNode(int i, int depth) {
    const std::string indent(static_cast<size_t>(depth) * 2, ' ');
    const bool seen = !printed_.insert(i).second;
    const auto& kids = children_[static_cast<size_t>(i)];
    std::cout << indent << Describe(m_.nodes[static_cast<size_t>(i)])
              << (seen && !kids.empty() ? "  (see above)" : "") << "\n";
    if (seen) return;
    for (int c : kids) PrintNode(c, depth + 1);
  }

  const Manifest& m_;
  std::vector<bool> in_;
  std::vector<std::vector<int>> children_;
  std::set<int> printed_;
};

}  // namespace

int RunLineage(const GlobalOptions& g, const CompileOptions& o) {
  Loaded l;
  if (int code = Load(g, o, &l); code != kExitOk) return code;
  Result<std::vector<int>> selected = transform::SelectNodes(l.manifest, o.select, o.exclude, {});
  if (!selected.ok()) {
    std::cerr << "error: " << selected.status().message() << "\n";
    return kExitInvalid;
  }
  const std::vector<int> nodes = transform::TopologicalOrder(l.manifest, *selected);
  std::vector<bool> in(l.manifest.nodes.size(), false);
  for (int i : nodes) in[static_cast<size_t>(i)] = true;
  if (o.output == "json") {
    std::string out = "{\"project\":" + JsonString(l.project.name) + ",\"nodes\":[";
    bool first = true;
    for (int i : nodes) {
      const Node& n = l.manifest.nodes[static_cast<size_t>(i)];
      out += std::string(first ? "" : ",") + "\n  {\"id\":" + JsonString(n.unique_id) +
             ",\"kind\":" + JsonString(transform::NodeKindName(n.kind)) +
             ",\"name\":" + JsonString(n.name) + ",\"path\":" + JsonString(n.path) +
             ",\"materialized\":" +
             (Materialized(n).empty() ? std::string("null") : JsonString(Materialized(n))) +
             ",\"relation\":" + (n.relation.empty() ? std::string("null") : JsonString(n.relation)) +
             "}";
      first = false;
    }
    out += "\n],\"edges\":[";
    first = true;
    for (int i : nodes) {
      const Node& n = l.manifest.nodes[static_cast<size_t>(i)];
      for (int d : n.depends_on) {
        if (!in[static_cast<size_t>(d)]) continue;
        out += std::string(first ? "" : ",") + "\n  {\"from\":" +
               JsonString(l.manifest.nodes[static_cast<size_t>(d)].unique_id) +
               ",\"to\":" + JsonString(n.unique_id) + "}";
        first = false;
      }
    }
    std::cout << out << "\n]}\n";
    return kExitOk;
  }
  size_t edges = 0;
  for (int i : nodes) {
    for (int d : l.manifest.nodes[static_cast<size_t>(i)].depends_on) edges += in[static_cast<size_t>(d)] ? 1 : 0;
  }
  std::cout << "lineage of " << l.project.name << ": " << nodes.size()
            << (nodes.size() == 1 ? " node, " : " nodes, ") << edges
            << (edges == 1 ? " edge" : " edges") << " (sources -> streams -> models -> tests)\n";
  LineageTree(l.manifest, nodes).Print(nodes);
  return kExitOk;
}

}  // namespace sluice::cli
