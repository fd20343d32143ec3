// Helpers for the runner tests: manifests built by hand (nodes whose raw_sql is plain SQL),
// a stand-in renderer, and queries that return text.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/value.h"
#include "transform/generic_test_sql.h"
#include "transform/manifest.h"
#include "transform/runner.h"
#include "warehouse/table_name.h"
#include "warehouse/warehouse.h"
#include "warehouse/warehouse_test_util.h"

namespace sluice::transform::testing {

// The renderer the tests use instead of RenderNode (generic tests: the real SQL): raw_sql is plain
// SQL, optionally
// "<full SQL> --INCREMENTAL-- <incremental SQL>"; {{ this }} becomes this_relation.
inline Result<std::string> StandInRender(const Manifest& m, int node, const RenderContext& c) {
  if (m.nodes[static_cast<size_t>(node)].generic_test) {
    return GenericTestSql(m, m.nodes[static_cast<size_t>(node)]);
  }
  std::string sql = m.nodes[static_cast<size_t>(node)].raw_sql;
  const std::string marker = "--INCREMENTAL--";
  const size_t at = sql.find(marker);
  if (at != std::string::npos) {
    sql = c.is_incremental ? sql.substr(at + marker.size()) : sql.substr(0, at);
  }
  const std::string self = "{{ this }}";
  for (size_t p = sql.find(self); p != std::string::npos; p = sql.find(self, p)) {
    sql.replace(p, self.size(), c.this_relation);
  }
  if (sql.find("{{") != std::string::npos) return Status::Invalid("stand-in cannot render");
  return sql;
}

// Builds manifests node by node; every relation lives in `schema`.
class ManifestBuilder {
 public:
  explicit ManifestBuilder(std::string schema = "main") : schema_(std::move(schema)) {}

  int Model(const std::string& name, const std::string& sql,
            Materialization mat = Materialization::kTable, std::vector<int> deps = {}) {
    Node n = Base(NodeKind::kModel, name, "models/" + name + ".sql");
    n.config.materialized = mat;
    n.raw_sql = sql;
    n.depends_on = std::move(deps);
    if (mat == Materialization::kEphemeral) n.relation.clear();
    return Add(std::move(n));
  }
  int Seed(const std::string& name, const std::string& file) {
    Node n = Base(NodeKind::kSeed, name, "seeds/" + name + ".csv");
    n.config.materialized = Materialization::kSeed;
    n.seed_file = file;
    return Add(std::move(n));
  }
  int Snapshot(const std::string& name, const std::string& sql, std::vector<int> deps = {}) {
    Node n = Base(NodeKind::kSnapshot, name, "snapshots/" + name + ".sql");
    n.config.materialized = Materialization::kSnapshot;
    n.raw_sql = sql;
    n.depends_on = std::move(deps);
    return Add(std::move(n));
  }
  // A generic test on `model`.`column`; `to` for relationships.
  int Test(const std::string& test_name, int model, const std::string& column, int to = -1) {
    const std::string name =
        test_name + "_" + m_.nodes[static_cast<size_t>(model)].name + "_" + column;
    Node n = Base(NodeKind::kTest, name, "models/schema.yml");
    n.relation.clear();
    n.schema_name.clear();
    n.identifier.clear();
    n.config.materialized = Materialization::kTest;
    GenericTest g;
    g.test_name = test_name;
    g.column = column;
    g.attached_node = model;
    g.to_node = to;
    n.generic_test = g;
    n.depends_on = {model};
    if (to >= 0) n.depends_on.push_back(to);
    return Add(std::move(n));
  }
  int SingularTest(const std::string& name, const std::string& sql, std::vector<int> deps) {
    Node n = Base(NodeKind::kTest, name, "tests/" + name + ".sql");
    n.relation.clear();
    n.schema_name.clear();
    n.identifier.clear();
    n.config.materialized = Materialization::kTest;
    n.raw_sql = sql;
    n.depends_on = std::move(deps);
    return Add(std::move(n));
  }

  Node& node(int i) { return m_.nodes[static_cast<size_t>(i)]; }
  Manifest& manifest() { return m_; }
  std::vector<int> All() const {
    std::vector<int> v;
    for (size_t i = 0; i < m_.nodes.size(); ++i) v.push_back(static_cast<int>(i));
    return v;
  }

 private:
  Node Base(NodeKind kind, const std::string& name, const std::string& path) {
    Node n;
    n.kind = kind;
    n.name = name;
    n.path = path;
    n.schema_name = schema_;
    n.identifier = name;
    n.relation = warehouse::QuoteIdentifier(schema_) + "." + warehouse::QuoteIdentifier(name);
    return n;
  }
  int Add(Node n) {
    const int i = static_cast<int>(m_.nodes.size());
    if (n.kind != NodeKind::kTest) m_.refs[n.name] = i;
    m_.nodes.push_back(std::move(n));
    return i;
  }
  std::string schema_;
  Manifest m_;
};

inline RunOptions StandInOptions(int threads = 1) {
  RunOptions o;
  o.threads = threads;
  o.render = StandInRender;
  return o;
}

// Every row of `sql` as "a|b|c" lines (NULL as "NULL"), or "error: ...".
inline std::string Rows(warehouse::Connection* conn, const std::string& sql) {
  Result<warehouse::QueryResult> r = conn->Query(sql);
  if (!r.ok()) return "error: " + r.status().ToString();
  std::string out;
  for (const auto& b : r->batches) {
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      for (int c = 0; c < b->num_columns(); ++c) {
        const Column& col = b->column(c);
        out += c ? "|" : "";
        out += col.IsNull(i)                       ? "NULL"
               : col.type().id == TypeId::kVarchar ? std::string(col.GetString(i))
                                                   : FormatCell(col, i);
      }
      out += "\n";
    }
  }
  return out;
}

inline const NodeResult* ResultOf(const RunResult& r, int node) {
  for (const NodeResult& n : r.results) {
    if (n.node == node) return &n;
  }
  return nullptr;
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace sluice::transform::testing
