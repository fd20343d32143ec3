// Helpers shared by the operator tests: scratch folders for RocksDB state stores, the
// rocksdb backend options, and HashJoinOptions built from an ON condition over two
// three-column inputs (scopes l and r).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sql/binder.h"
#include "sql/join_condition.h"
#include "sql/parser.h"
#include "stream/hash_join.h"
#include "stream/state_backend.h"

namespace sluice::stream::testing {

// A fresh (removed) folder path under the temp dir, unique per process and `name`.
inline std::string TempStateDir(const std::string& prefix, const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / (prefix + "_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

// Removes its folder when the test ends: declared before the operators, so it runs after
// they closed their stores (RocksDB's background threads may still write until then).
struct ScopedDir {
  std::string path;
  ~ScopedDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

inline OperatorStateOptions Rocks(const std::string& dir, int64_t budget) {
  OperatorStateOptions o;
  o.backend = StateBackendKind::kRocksDb;
  o.memory_budget_bytes = budget;
  o.dir = dir;
  return o;
}

// The options of a join of `left` (scope l) and `right` (scope r), three columns each, ON
// `on`: keys, residual and time bounds as the planner derives them (sql::AnalyzeJoinCondition).
inline HashJoinOptions JoinOptionsFromOn(const std::string& on, sql::JoinType type,
                                         const SchemaPtr& left, const SchemaPtr& right) {
  sql::InputRelation in;
  in.table = "l JOIN r";
  std::vector<Field> f = left->fields();
  for (const Field& x : right->fields()) f.push_back(x);
  in.schema = MakeSchema(f);
  in.scopes = {sql::RelationScope{{"l"}, 0, 3}, sql::RelationScope{{"r"}, 3, 3}};
  sql::ErrorContext ctx{on, "q.sql"};
  auto e = sql::ParseExpression(on, "q.sql");
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  sql::Binder binder(ctx, in);
  auto bound = binder.BindBoolean(**e, "ON");
  EXPECT_TRUE(bound.ok()) << bound.status().ToString();
  auto cond = sql::AnalyzeJoinCondition(std::move(*bound), 3, ctx);
  EXPECT_TRUE(cond.ok()) << cond.status().ToString();
  HashJoinOptions o;
  o.type = type;
  o.left_keys = cond->left_keys;
  o.right_keys = cond->right_keys;
  o.residual = std::move(cond->residual);
  if (cond->has_time_bounds) {
    o.time_bounds = JoinTimeBounds{cond->left_time, cond->right_time, cond->lower_us, cond->upper_us};
  }
  o.left_schema = left;
  o.right_schema = right;
  return o;
}

}  // namespace sluice::stream::testing
