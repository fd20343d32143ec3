// GroupAggregate's caller-numbered groups (AddGroupFromRow, AccumulateGroups,
// SetGroupKey, EmitGroups, KeepGroups), as SessionWindow uses them: folding rows over
// several calls, overwriting a TIMESTAMP key, emitting chosen groups in a chosen order
// through HAVING, compaction, and the errors for misuse.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/value.h"
#include "sql/binder.h"
#include "sql/compiled_aggregate.h"
#include "sql/parser.h"
#include "sql/sql.h"
#include "stream/group_aggregate.h"

namespace sluice::stream {
namespace {

SchemaPtr Table() {
  return MakeSchema({{"k", DataType::Varchar()}, {"ts", DataType::Timestamp()}, {"v", DataType::Int64()}});
}

class OneTable final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override { return name == "e" ? Table() : nullptr; }
  std::vector<std::string> TableNames() const override { return {"e"}; }
};

std::shared_ptr<sql::CompiledAggregate> Compile(const std::string& sql) {
  auto select = sql::ParseSelect(sql, "q.sql");
  EXPECT_TRUE(select.ok()) << select.status().ToString();
  const sql::ErrorContext ctx{sql, "q.sql"};
  auto bound = sql::BindSelect(**select, OneTable(), ctx);
  EXPECT_TRUE(bound.ok()) << bound.status().ToString();
  auto q = sql::CompiledAggregate::Make(std::move(*bound), ctx);
  EXPECT_TRUE(q.ok()) << q.status().ToString();
  return std::shared_ptr<sql::CompiledAggregate>(std::move(*q));
}

RecordBatchPtr Rows(const std::vector<std::pair<std::string, int64_t>>& rows) {
  BatchBuilder b(Table());
  for (const auto& [k, v] : rows) {
    b.column(0)->AppendString(k);
    b.column(1)->Append<int64_t>(1000000);
    b.column(2)->Append<int64_t>(v);
  }
  return b.Finish();
}

struct Out final : ChangeSink {
  Status Emit(const warehouse::ChangeBatch& changes) override {
    for (int64_t r = 0; r < changes.rows->num_rows(); ++r) {
      std::string line = warehouse::ChangeOpName(changes.ops[static_cast<size_t>(r)]);
      for (int c = 0; c < changes.rows->num_columns(); ++c) line += " " + FormatCell(changes.rows->column(c), r);
      lines.push_back(line);
    }
    return Status::OK();
  }
  std::vector<std::string> lines;
};

const char* kSql = "SELECT k, ts, count(*) AS n, sum(v) AS s FROM e GROUP BY k, ts HAVING count(*) > 1";

TEST(GroupAggregateSlotsTest, FoldEmitOverwriteKeyAndCompact) {
  auto query = Compile(kSql);
  GroupAggregate agg(query);
  auto first = query->Prepare(*Rows({{"a", 1}, {"b", 2}, {"a", 3}}));
  ASSERT_TRUE(first.ok());
  auto a = agg.AddGroupFromRow(**first, 0);
  auto b = agg.AddGroupFromRow(**first, 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, 0);
  EXPECT_EQ(*b, 1);
  const std::vector<int32_t> groups1 = {0, 1, 0};
  ASSERT_TRUE(agg.AccumulateGroups(**first, groups1.data()).ok());
  std::vector<int32_t> row_groups;
  Out out;
  // b has one row: HAVING drops it.
  ASSERT_TRUE(agg.EmitGroups({1, 0}, &out, &row_groups).ok());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"+I a 1970-01-01 00:00:01 2 4"}));
  EXPECT_EQ(row_groups, (std::vector<int32_t>{0}));
  // More rows for b in a later call; its ts key moved.
  auto second = query->Prepare(*Rows({{"b", 10}}));
  ASSERT_TRUE(second.ok());
  const std::vector<int32_t> groups2 = {1};
  ASSERT_TRUE(agg.AccumulateGroups(**second, groups2.data()).ok());
  ASSERT_TRUE(agg.SetGroupKey(1, 1, 5000000).ok());
  out.lines.clear();
  ASSERT_TRUE(agg.EmitGroups({1, 0}, &out, &row_groups).ok());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"+I b 1970-01-01 00:00:05 2 12",
                                                 "+I a 1970-01-01 00:00:01 2 4"}));
  EXPECT_EQ(row_groups, (std::vector<int32_t>{1, 0}));
  // Keep b only: it becomes group 0 with its state.
  agg.KeepGroups({1});
  EXPECT_EQ(agg.num_groups(), 1);
  out.lines.clear();
  ASSERT_TRUE(agg.EmitGroups({0}, &out, &row_groups).ok());
  EXPECT_EQ(out.lines, (std::vector<std::string>{"+I b 1970-01-01 00:00:05 2 12"}));
  // A new group after compaction.
  auto c = agg.AddGroupFromRow(**second, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, 1);
}

TEST(GroupAggregateSlotsTest, MisuseIsInternal) {
  auto query = Compile(kSql);
  GroupAggregate agg(query);
  auto rows = query->Prepare(*Rows({{"a", 1}}));
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(agg.AddGroupFromRow(**rows, 1).status().code(), StatusCode::kInternal);  // no row 1
  ASSERT_TRUE(agg.AddGroupFromRow(**rows, 0).ok());
  const std::vector<int32_t> bad = {3};
  EXPECT_EQ(agg.AccumulateGroups(**rows, bad.data()).code(), StatusCode::kInternal);
  EXPECT_EQ(agg.SetGroupKey(0, 0, 1).code(), StatusCode::kInternal);  // VARCHAR key
  EXPECT_EQ(agg.SetGroupKey(1, 1, 1).code(), StatusCode::kInternal);  // no group 1
  EXPECT_EQ(agg.SetGroupKey(0, 2, 1).code(), StatusCode::kInternal);  // no key 2
  std::vector<int32_t> row_groups;
  Out out;
  EXPECT_EQ(agg.EmitGroups({5}, &out, &row_groups).code(), StatusCode::kInternal);
  EXPECT_TRUE(out.lines.empty());
  GroupAggregate retractable(query, /*retractable_input=*/true);
  EXPECT_EQ(retractable.AddGroupFromRow(**rows, 0).status().code(), StatusCode::kInternal);
  GroupAggregate global(Compile("SELECT count(*) AS n FROM e"));
  auto global_rows = Compile("SELECT count(*) AS n FROM e")->Prepare(*Rows({{"a", 1}}));
  ASSERT_TRUE(global_rows.ok());
  EXPECT_EQ(global.AddGroupFromRow(**global_rows, 0).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace sluice::stream
