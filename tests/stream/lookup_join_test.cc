// LookupJoin through the planner and a QueryGraph, with a table provider the test
// controls: inner/left joins, computed keys, NULL keys, duplicate table keys, residual
// conditions, refresh on processing time (no retraction of earlier results), a failed
// reload keeping the old rows, a failed first load, snapshot/restore reloading.
#include "stream/lookup_join.h"

#include <gtest/gtest.h>

#include <optional>

#include "sql/parser.h"
#include "stream/query_graph.h"
#include "stream/state_codec.h"

namespace sluice::stream {
namespace {

constexpr int64_t kSecond = 1000 * 1000;

SchemaPtr StreamSchema() {
  return MakeSchema({{"id", DataType::Int64(), true}, {"k", DataType::Int64(), true}});
}
SchemaPtr TableSchema() {
  return MakeSchema({{"key", DataType::Int32(), true}, {"value", DataType::Varchar(), true}});
}

class Tables final : public sql::Catalog {
 public:
  SchemaPtr FindTable(std::string_view name) const override {
    return EqualsIgnoreCase(name, "s") ? StreamSchema() : nullptr;
  }
  std::vector<std::string> TableNames() const override { return {"s"}; }
  Result<SchemaPtr> FindLookupTable(std::string_view name) const override {
    return EqualsIgnoreCase(name, "dim") ? TableSchema() : SchemaPtr();
  }
};

class FakeTables final : public LookupTableProvider {
 public:
  Result<std::vector<RecordBatchPtr>> Load(const std::string& table, const SchemaPtr& schema) override {
    ++loads;
    if (fail) return Status::IOError("table " + table + " is gone");
    BatchBuilder b(schema);
    for (const auto& [k, v] : rows) {
      if (k) {
        b.column(0)->Append<int32_t>(*k);
      } else {
        b.column(0)->AppendNull();
      }
      b.column(1)->AppendString(v);
    }
    return std::vector<RecordBatchPtr>{b.Finish()};
  }
  std::vector<std::pair<std::optional<int32_t>, std::string>> rows;
  bool fail = false;
  int loads = 0;
};

class Collect final : public ChangeSink {
 public:
  Status Emit(const warehouse::ChangeBatch& changes) override {
    for (warehouse::ChangeOp op : changes.ops) EXPECT_EQ(op, warehouse::ChangeOp::kInsert);
    out += changes.rows->ToString();
    return Status::OK();
  }
  std::string Take() { return std::exchange(out, ""); }
  std::string out;
};

RecordBatchPtr Stream(const std::vector<std::pair<int64_t, std::optional<int64_t>>>& rows) {
  BatchBuilder b(StreamSchema());
  for (const auto& [id, k] : rows) {
    b.column(0)->Append<int64_t>(id);
    if (k) {
      b.column(1)->Append<int64_t>(*k);
    } else {
      b.column(1)->AppendNull();
    }
  }
  return b.Finish();
}

struct Harness {
  std::string sql;
  std::shared_ptr<FakeTables> tables = std::make_shared<FakeTables>();
  std::unique_ptr<QueryGraph> graph;
  Collect out;

  explicit Harness(std::string q, int64_t refresh_us = 10 * kSecond) : sql(std::move(q)) {
    auto select = sql::ParseSelect(sql, "q.sql");
    EXPECT_TRUE(select.ok()) << select.status().message();
    Tables catalog;
    sql::PlanOptions po;
    po.lookup_refresh_us = refresh_us;
    auto plan = sql::PlanQuery(**select, catalog, po, sql::ErrorContext{sql, "q.sql"});
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    QueryGraphOptions go;
    go.error_context = sql::ErrorContext{sql, "q.sql"};
    go.lookup_tables = tables;
    auto g = QueryGraph::Make(*plan, go);
    EXPECT_TRUE(g.ok()) << g.status().message();
    graph = std::move(g).value();
  }
  std::string Push(const RecordBatchPtr& rows) {
    Status st = graph->ApplyInput(0, *rows, &out);
    EXPECT_TRUE(st.ok()) << st.message();
    return out.Take();
  }
};

TEST(LookupJoin, InnerJoinOnAComputedKeyWithNullsAndDuplicates) {
  Harness h("SELECT s.id, d.value FROM s JOIN dim FOR SYSTEM_TIME AS OF PROCTIME() AS d "
            "ON mod(s.k, 100) = d.key");
  h.tables->rows = {{1, "one"}, {2, "two"}, {2, "deux"}, {std::nullopt, "null"}};
  EXPECT_EQ(h.Push(Stream({{10, 101}, {11, 3}, {12, std::nullopt}, {13, 202}, {14, 1}})),
            "10 | one\n13 | two\n13 | deux\n14 | one\n");
  EXPECT_EQ(h.tables->loads, 1);
  EXPECT_EQ(h.Push(Stream({{15, 2}})), "15 | two\n15 | deux\n");
  EXPECT_EQ(h.tables->loads, 1) << "loaded once, not per batch";
}

TEST(LookupJoin, LeftJoinPadsMissesAndResidualFailures) {
  Harness h("SELECT s.id, d.value FROM s LEFT JOIN dim d ON d.key = s.k AND d.value <> 'hidden'");
  h.tables->rows = {{1, "one"}, {2, "hidden"}, {3, "three"}, {3, "hidden"}};
  EXPECT_EQ(h.Push(Stream({{10, 1}, {11, 2}, {12, 9}, {13, std::nullopt}, {14, 3}})),
            "10 | one\n11 | NULL\n12 | NULL\n13 | NULL\n14 | three\n");
}

TEST(LookupJoin, EmptyTable) {
  Harness inner("SELECT s.id, d.value FROM s JOIN dim d ON d.key = s.k");
  EXPECT_EQ(inner.Push(Stream({{10, 1}})), "");
  Harness left("SELECT s.id, d.value FROM s LEFT JOIN dim d ON d.key = s.k");
  EXPECT_EQ(left.Push(Stream({{10, 1}})), "10 | NULL\n");
}

TEST(LookupJoin, RefreshesOnProcessingTimeWithoutRetracting) {
  Harness h("SELECT s.id, d.value FROM s JOIN dim d ON d.key = s.k", 10 * kSecond);
  const int64_t t0 = 1'700'000'000 * kSecond;
  ASSERT_TRUE(h.graph->OnProcessingTime(t0, &h.out).ok());
  h.tables->rows = {{1, "old"}};
  EXPECT_EQ(h.Push(Stream({{10, 1}})), "10 | old\n");
  h.tables->rows = {{1, "new"}, {2, "added"}};
  ASSERT_TRUE(h.graph->OnProcessingTime(t0 + 5 * kSecond, &h.out).ok());
  EXPECT_EQ(h.Push(Stream({{11, 1}, {12, 2}})), "11 | old\n") << "not refreshed before the interval";
  ASSERT_TRUE(h.graph->OnProcessingTime(t0 + 10 * kSecond, &h.out).ok());
  EXPECT_EQ(h.out.Take(), "") << "a refresh emits nothing (no retractions)";
  EXPECT_EQ(h.tables->loads, 2);
  EXPECT_EQ(h.Push(Stream({{13, 1}, {14, 2}})), "13 | new\n14 | added\n");

  // A failed reload keeps the previous rows; the next interval tries again.
  h.tables->fail = true;
  ASSERT_TRUE(h.graph->OnProcessingTime(t0 + 20 * kSecond, &h.out).ok());
  EXPECT_EQ(h.Push(Stream({{15, 2}})), "15 | added\n");
  h.tables->fail = false;
  h.tables->rows = {{2, "again"}};
  ASSERT_TRUE(h.graph->OnProcessingTime(t0 + 30 * kSecond, &h.out).ok());
  EXPECT_EQ(h.Push(Stream({{16, 2}})), "16 | again\n");
}

TEST(LookupJoin, FailedFirstLoadIsAnErrorNotABadRow) {
  Harness h("SELECT s.id, d.value FROM s JOIN dim d ON d.key = s.k");
  h.tables->fail = true;
  Status st = h.graph->ApplyInput(0, *Stream({{10, 1}, {11, 2}}), &h.out);
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("table dim is gone"), std::string::npos) << st.message();
}

TEST(LookupJoin, SnapshotIsTrivialAndRestoreReloads) {
  Harness h("SELECT s.id, d.value FROM s JOIN dim d ON d.key = s.k");
  h.tables->rows = {{1, "a"}};
  EXPECT_EQ(h.Push(Stream({{10, 1}})), "10 | a\n");
  StateWriter w;
  ASSERT_TRUE(h.graph->Snapshot(&w).ok());
  h.tables->rows = {{1, "b"}};
  const std::string snapshot = w.Finish();
  Result<StateReader> r = StateReader::Open(snapshot, "test");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(h.graph->Restore(&*r).ok());
  EXPECT_EQ(h.Push(Stream({{11, 1}})), "11 | b\n");
  EXPECT_EQ(h.tables->loads, 2);
}

}  // namespace
}  // namespace sluice::stream
