// The manifest's graph: cycle checks and a deterministic topological order.
#include <algorithm>
#include <queue>
#include <set>

#include "transform/dag_check.h"

namespace sluice::transform {

void ReportCycles(const Manifest& m, const std::map<std::pair<int, int>, SourceLocation>& edge_sites,
                  Diagnostics* diag) {
  const size_t n = m.nodes.size();
  enum Color : char { kWhite, kGray, kBlack };
  std::vector<Color> color(n, kWhite);
  struct Frame {
    int node;
    size_t next;  // index into depends_on
  };
  for (size_t root = 0; root < n; ++root) {
    if (color[root] != kWhite) continue;
    std::vector<Frame> stack{{static_cast<int>(root), 0}};
    color[root] = kGray;
    while (!stack.empty()) {
      Frame& f = stack.back();
      const Node& node = m.nodes[static_cast<size_t>(f.node)];
      if (f.next == node.depends_on.size()) {
        color[static_cast<size_t>(f.node)] = kBlack;
        stack.pop_back();
        continue;
      }
      const int dep = node.depends_on[f.next++];
      if (dep < 0 || static_cast<size_t>(dep) >= n) continue;
      if (color[static_cast<size_t>(dep)] == kWhite) {
        color[static_cast<size_t>(dep)] = kGray;
        stack.push_back(Frame{dep, 0});
      } else if (color[static_cast<size_t>(dep)] == kGray) {
        // The stack from `dep` to the top is the cycle.
        size_t start = 0;
        while (stack[start].node != dep) ++start;
        std::string path;
        for (size_t k = start; k < stack.size(); ++k) {
          path += m.nodes[static_cast<size_t>(stack[k].node)].name + " -> ";
        }
        path += m.nodes[static_cast<size_t>(dep)].name;
        const int second = start + 1 < stack.size() ? stack[start + 1].node : dep;
        auto site = edge_sites.find({dep, second});
        diag->Error(site != edge_sites.end() ? site->second : m.nodes[static_cast<size_t>(dep)].location,
                    "dependency cycle: " + path + " (each refers to the next)",
                    "break the cycle: a model cannot depend on itself, directly or "
                    "through others");
      }
    }
  }
}

std::vector<int> TopologicalOrder(const Manifest& manifest, const std::vector<int>& selected) {
  const size_t n = manifest.nodes.size();
  std::vector<char> in(n, 0);
  for (int i : selected) {
    if (i >= 0 && static_cast<size_t>(i) < n) in[static_cast<size_t>(i)] = 1;
  }
  std::vector<int> indegree(n, 0);
  std::vector<std::vector<int>> children(n);
  for (size_t i = 0; i < n; ++i) {
    if (!in[i]) continue;
    for (int d : manifest.nodes[i].depends_on) {
      if (d < 0 || static_cast<size_t>(d) >= n || !in[static_cast<size_t>(d)] ||
          static_cast<size_t>(d) == i) {
        continue;
      }
      ++indegree[i];
      children[static_cast<size_t>(d)].push_back(static_cast<int>(i));
    }
  }
  using Key = std::pair<std::string, int>;  // ties by name, then index
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (in[i] && indegree[i] == 0) ready.emplace(manifest.nodes[i].name, static_cast<int>(i));
  }
  std::vector<int> order;
  std::vector<char> emitted(n, 0);
  while (!ready.empty()) {
    const int i = ready.top().second;
    ready.pop();
    order.push_back(i);
    emitted[static_cast<size_t>(i)] = 1;
    for (int c : children[static_cast<size_t>(i)]) {
      if (--indegree[static_cast<size_t>(c)] == 0) {
        ready.emplace(manifest.nodes[static_cast<size_t>(c)].name, c);
      }
    }
  }
  // Nodes on a cycle (reported by BuildManifest) come last, by name, so none is lost.
  std::vector<Key> rest;
  for (size_t i = 0; i < n; ++i) {
    if (in[i] && !emitted[i]) rest.emplace_back(manifest.nodes[i].name, static_cast<int>(i));
  }
  std::sort(rest.begin(), rest.end());
  for (const auto& [name, i] : rest) order.push_back(i);
  return order;
}

}  // namespace sluice::transform
