// The one-table catalog the GroupAggregate tests compile their queries against:
// t (k VARCHAR, v BIGINT, d DOUBLE, s VARCHAR).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sql/sql.h"

namespace sluice::stream::testing {

inline SchemaPtr InputSchema() {
  return MakeSchema({{"k", DataType::Varchar()},
                     {"v", DataType::Int64()},
                     {"d", DataType::Double()},
                     {"s", DataType::Varchar()}});
}

class OneTable final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    return name == "t" ? InputSchema() : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"t"}; }
};

// The compiled aggregate of `sql` over t (a test failure when it does not compile).
inline std::shared_ptr<sql::CompiledAggregate> Compile(const std::string& sql) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  auto q = sql::CompileSelectQuery(**select, OneTable(), sql, "q.sql");
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return std::move(q->aggregate);
}

}  // namespace sluice::stream::testing
