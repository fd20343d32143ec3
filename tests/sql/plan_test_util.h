// Helpers shared by the planner tests: a catalog with Nexmark's `bid` (auction, price,
// date_time), planning one statement with its WITH options, and finding a plan node.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"
#include "sql/parser.h"
#include "sql/plan.h"

namespace sluice::sql::testing {

class BidTable final : public Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    if (!EqualsIgnoreCase(name, "bid")) return nullptr;
    return MakeSchema({{"auction", DataType::Int64(), false},
                       {"price", DataType::Int64(), false},
                       {"date_time", DataType::Timestamp(), false}});
  }
  std::vector<std::string> TableNames() const override { return {"bid"}; }
};

// Plans `text` over `catalog` (one statement, WITH options read; a bare SELECT becomes a
// view); null after reporting a failure.
inline PlanPtr PlanStatement(const std::string& text, const Catalog& catalog) {
  const std::string script = text.rfind("SELECT", 0) == 0 ? "CREATE MATERIALIZED VIEW v AS " + text : text;
  auto stmts = ParseScript(script, "q.sql");
  EXPECT_TRUE(stmts.ok()) << stmts.status().ToString();
  if (!stmts.ok()) return nullptr;
  const ErrorContext ctx{script, "q.sql"};
  auto options = ReadPlanOptions((*stmts)[0], ctx);
  EXPECT_TRUE(options.ok()) << options.status().ToString();
  if (!options.ok()) return nullptr;
  auto plan = PlanQuery(*(*stmts)[0].select, catalog, *options, ctx);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : nullptr;
}

inline PlanPtr PlanOverBids(const std::string& text) { return PlanStatement(text, BidTable()); }

// The first node of `kind` in pre-order, or null.
inline const PlanNode* FindNode(const PlanNode& n, PlanKind kind) {
  if (n.kind == kind) return &n;
  for (const PlanPtr& in : n.inputs) {
    if (const PlanNode* f = FindNode(*in, kind)) return f;
  }
  return nullptr;
}

}  // namespace sluice::sql::testing
