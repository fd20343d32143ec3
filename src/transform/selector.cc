// SelectNodes: dbt's node selection syntax over a manifest.
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "transform/manifest.h"
#include "transform/model_config.h"

namespace sluice::transform {

namespace {

using NodeSet = std::set<int>;

struct Atom {
  bool at = false;          // @name: descendants and their ancestors
  int up = 0;               // +name: ancestors to this depth (-1 = all)
  int down = 0;             // name+: descendants to this depth (-1 = all)
  std::string method;       // "" = by name (fqn), or path
  std::string value;
};

bool Glob(const std::string& pattern, const std::string& s) {
  if (pattern.find_first_of("*?[") == std::string::npos) return pattern == s;
  return fnmatch(pattern.c_str(), s.c_str(), 0) == 0;
}

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A depth written in a selector ("2+orders"), capped so any digits are safe.
int Depth(const std::string& digits) {
  int d = 0;
  for (char c : digits) d = std::min(1000000, d * 10 + (c - '0'));
  return d;
}

Result<Atom> ParseAtom(std::string text) {
  Atom a;
  const std::string original = text;
  if (!text.empty() && text[0] == '@') {
    a.at = true;
    text.erase(0, 1);
  }
  const size_t plus = text.find('+');
  if (plus != std::string::npos && plus + 1 < text.size() &&
      (plus == 0 || AllDigits(text.substr(0, plus)))) {
    a.up = plus == 0 ? -1 : Depth(text.substr(0, plus));
    text.erase(0, plus + 1);
  }
  const size_t last_plus = text.rfind('+');
  if (last_plus != std::string::npos && last_plus > 0 &&
      (last_plus + 1 == text.size() || AllDigits(text.substr(last_plus + 1)))) {
    a.down = last_plus + 1 == text.size() ? -1 : Depth(text.substr(last_plus + 1));
    text.erase(last_plus);
  }
  const size_t colon = text.find(':');
  if (colon != std::string::npos) {
    a.method = text.substr(0, colon);
    a.value = text.substr(colon + 1);
  } else {
    a.value = text;
    const bool looks_like_path = text.find('/') != std::string::npos ||
                                 (text.size() > 4 && (text.ends_with(".sql") || text.ends_with(".csv") ||
                                                      text.ends_with(".yml")));
    if (looks_like_path) a.method = "path";
  }
  if (a.value.empty()) {
    return Status::Invalid("selector '" + original + "' names nothing (write e.g. 'orders', "
                           "'orders+', 'tag:nightly' or 'path:models/marts')");
  }
  return a;
}

std::vector<std::string> Fqn(const Manifest& m, const Node& n) {
  std::vector<std::string> fqn{m.project->name};
  for (const auto& f : n.folders) fqn.push_back(f);
  if (n.kind == NodeKind::kSource) {
    const size_t dot = n.name.find('.');
    fqn.push_back(n.name.substr(0, dot));
    if (dot != std::string::npos) fqn.push_back(n.name.substr(dot + 1));
  } else {
    fqn.push_back(n.name);
  }
  return fqn;
}

bool FqnMatches(const std::vector<std::string>& fqn, const std::string& selector) {
  std::vector<std::string> parts;
  std::stringstream ss(selector);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  if (parts.size() == 1 && Glob(parts[0], fqn.back())) return true;
  for (size_t offset : {size_t{0}, size_t{1}}) {
    if (offset + parts.size() > fqn.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < parts.size() && ok; ++i) ok = Glob(parts[i], fqn[offset + i]);
    if (ok) return true;
  }
  return false;
}

std::string Normalize(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.rfind("./", 0) == 0) path.erase(0, 2);
  return path;
}

const std::vector<std::string> kMethods = {"tag", "path", "source", "resource_type", "fqn",
                                           "config.materialized", "test_type", "file"};
const std::vector<std::string> kKinds = {"model", "seed", "snapshot", "test", "source", "stream"};

Result<NodeSet> MatchBase(const Manifest& m, const Atom& a, const std::string& text) {
  NodeSet out;
  std::vector<std::string> candidates;
  const auto add_candidate = [&](const std::string& s) {
    if (std::find(candidates.begin(), candidates.end(), s) == candidates.end()) candidates.push_back(s);
  };
  if (!a.method.empty() && std::find(kMethods.begin(), kMethods.end(), a.method) == kMethods.end()) {
    return Status::Invalid("unknown selector method '" + a.method + "' in '" + text + "' (" +
                           SuggestionHint(a.method, kMethods) + ")");
  }
  if (a.method == "resource_type" &&
      std::find(kKinds.begin(), kKinds.end(), a.value) == kKinds.end()) {
    return Status::Invalid("unknown resource type '" + a.value + "' (" +
                           SuggestionHint(a.value, kKinds) + ")");
  }
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    bool hit = false;
    if (a.method.empty() || a.method == "fqn") {
      // Sources and stream tables only by their full name (or source:).
      const bool table = n.kind == NodeKind::kSource || n.kind == NodeKind::kStream;
      hit = n.name == a.value || (!table && FqnMatches(Fqn(m, n), a.value));
      add_candidate(n.name);
    } else if (a.method == "tag") {
      for (const auto& t : n.config.tags) {
        hit = hit || Glob(a.value, t);
        add_candidate(t);
      }
    } else if (a.method == "path" || a.method == "file") {
      const std::string want = Normalize(a.value);
      hit = n.path == want || n.path.rfind(want + "/", 0) == 0 || Glob(want, n.path);
      add_candidate(n.path);
    } else if (a.method == "source") {
      if (n.kind == NodeKind::kSource) {
        hit = Glob(a.value, n.name) || n.name.rfind(a.value + ".", 0) == 0;
        add_candidate(n.name);
      }
    } else if (a.method == "resource_type") {
      hit = a.value == NodeKindName(n.kind);
    } else if (a.method == "config.materialized") {
      hit = n.kind != NodeKind::kSource && n.kind != NodeKind::kStream &&
            a.value == MaterializationName(n.config.materialized);
    } else if (a.method == "test_type") {
      hit = n.kind == NodeKind::kTest &&
            (a.value == "generic" ? n.generic_test.has_value() : !n.generic_test.has_value());
    }
    if (hit) out.insert(static_cast<int>(i));
  }
  if (out.empty() && a.method != "resource_type" && a.method != "config.materialized" &&
      a.method != "test_type") {
    const std::string what = a.method.empty() ? "node" : a.method;
    return Status::Invalid("selector '" + text + "' matches no " + what + " (" +
                           SuggestionHint(a.value, candidates) + ")");
  }
  return out;
}

void Walk(const std::vector<std::vector<int>>& edges, NodeSet* set, int depth) {
  std::vector<int> frontier(set->begin(), set->end());
  for (int level = 0; (depth < 0 || level < depth) && !frontier.empty(); ++level) {
    std::vector<int> next;
    for (int i : frontier) {
      for (int j : edges[static_cast<size_t>(i)]) {
        if (set->insert(j).second) next.push_back(j);
      }
    }
    frontier = std::move(next);
  }
}

struct Graph {
  std::vector<std::vector<int>> parents;
  std::vector<std::vector<int>> children;
};

Graph MakeGraph(const Manifest& m) {
  Graph g;
  g.parents.resize(m.nodes.size());
  g.children.resize(m.nodes.size());
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    for (int d : m.nodes[i].depends_on) {
      if (d < 0 || static_cast<size_t>(d) >= m.nodes.size()) continue;
      g.parents[i].push_back(d);
      g.children[static_cast<size_t>(d)].push_back(static_cast<int>(i));
    }
  }
  return g;
}

Result<NodeSet> MatchAtom(const Manifest& m, const Graph& g, const std::string& text) {
  SLUICE_ASSIGN_OR_RETURN(Atom a, ParseAtom(text));
  SLUICE_ASSIGN_OR_RETURN(NodeSet base, MatchBase(m, a, text));
  NodeSet out = base;
  if (a.at) {
    NodeSet down = base;
    Walk(g.children, &down, -1);
    NodeSet up = down;
    Walk(g.parents, &up, -1);
    return up;
  }
  if (a.up != 0) {
    NodeSet up = base;
    Walk(g.parents, &up, a.up);
    out.insert(up.begin(), up.end());
  }
  if (a.down != 0) {
    NodeSet down = base;
    Walk(g.children, &down, a.down);
    out.insert(down.begin(), down.end());
  }
  return out;
}

// The union of the space-separated items of every string, each item an intersection of
// comma-separated atoms; plus the tests of what is selected.
Result<NodeSet> Evaluate(const Manifest& m, const Graph& g, const std::vector<std::string>& args) {
  NodeSet out;
  for (const std::string& arg : args) {
    std::stringstream ss(arg);
    for (std::string item; ss >> item;) {
      std::optional<NodeSet> acc;
      std::stringstream parts(item);
      for (std::string atom; std::getline(parts, atom, ',');) {
        if (atom.empty()) continue;
        SLUICE_ASSIGN_OR_RETURN(NodeSet s, MatchAtom(m, g, atom));
        if (!acc) {
          acc = std::move(s);
        } else {
          NodeSet both;
          std::set_intersection(acc->begin(), acc->end(), s.begin(), s.end(),
                                std::inserter(both, both.begin()));
          acc = std::move(both);
        }
      }
      if (acc) out.insert(acc->begin(), acc->end());
    }
  }
  // Indirect selection: a test comes with the node it tests (generic) or any node it reads
  // (singular).
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    if (n.kind != NodeKind::kTest || out.count(static_cast<int>(i)) > 0) continue;
    bool hit = false;
    if (n.generic_test.has_value()) {
      hit = out.count(n.generic_test->attached_node) > 0;
    } else {
      for (int d : n.depends_on) hit = hit || out.count(d) > 0;
    }
    if (hit) out.insert(static_cast<int>(i));
  }
  return out;
}

}  // namespace

Result<std::vector<int>> SelectNodes(const Manifest& manifest,
                                     const std::vector<std::string>& select,
                                     const std::vector<std::string>& exclude,
                                     const std::vector<NodeKind>& resource_kinds) {
  const Graph g = MakeGraph(manifest);
  bool any = false;
  for (const auto& s : select) any = any || s.find_first_not_of(" \t") != std::string::npos;
  NodeSet chosen;
  if (any) {
    SLUICE_ASSIGN_OR_RETURN(chosen, Evaluate(manifest, g, select));
  } else {
    for (size_t i = 0; i < manifest.nodes.size(); ++i) chosen.insert(static_cast<int>(i));
  }
  SLUICE_ASSIGN_OR_RETURN(NodeSet excluded, Evaluate(manifest, g, exclude));
  std::vector<int> out;
  for (int i : chosen) {
    if (excluded.count(i) > 0) continue;
    const NodeKind kind = manifest.nodes[static_cast<size_t>(i)].kind;
    if (!resource_kinds.empty() &&
        std::find(resource_kinds.begin(), resource_kinds.end(), kind) == resource_kinds.end()) {
      continue;
    }
    out.push_back(i);
  }
  return out;
}

}  // namespace sluice::transform
