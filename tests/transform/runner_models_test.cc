// The runner on DuckDB: view, table, incremental and ephemeral materializations, hooks,
// failure isolation, atomic swaps and parallel builds.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "transform/runner.h"
#include "transform/runner_test_util.h"
#include "warehouse/duckdb_warehouse.h"

namespace sluice::transform {
namespace {

using testing::ManifestBuilder;
using testing::ResultOf;
using testing::Rows;
using testing::StandInOptions;

class RunnerModelsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto wh = warehouse::OpenDuckDB(dir_.File("wh.duckdb"));
    ASSERT_TRUE(wh.ok()) << wh.status().ToString();
    wh_ = std::move(*wh);
    auto conn = wh_->Connect();
    ASSERT_TRUE(conn.ok());
    conn_ = std::move(*conn);
  }

  RunResult MustRun(ManifestBuilder& b, RunOptions o = StandInOptions()) {
    Result<RunResult> r = transform::Run(b.manifest(), b.All(), wh_.get(), o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RunResult{};
  }

  warehouse::testing::TempDir dir_;
  std::unique_ptr<warehouse::Warehouse> wh_;
  std::unique_ptr<warehouse::Connection> conn_;
};

TEST_F(RunnerModelsTest, BuildsTablesAndViewsInDependencyOrder) {
  ManifestBuilder b;
  const int orders = b.Model("orders", "SELECT range AS id, range * 10 AS amount FROM range(5)");
  const int big = b.Model("big_orders", "SELECT * FROM \"main\".\"orders\" WHERE amount >= 20;",
                          Materialization::kView, {orders});
  const int total = b.Model("total", "SELECT sum(amount) AS s FROM \"main\".\"big_orders\" -- c",
                            Materialization::kTable, {big});
  RunResult r = MustRun(b);
  ASSERT_EQ(r.results.size(), 3u);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.results[0].node, orders);
  EXPECT_EQ(r.results[0].rows_affected, 5);
  EXPECT_EQ(r.results[0].index, 1);
  EXPECT_EQ(r.results[0].total, 3);
  EXPECT_EQ(DescribeResult(b.manifest(), r.results[0]), "OK created table model main.orders");
  EXPECT_EQ(DescribeResult(b.manifest(), r.results[1]), "OK created view model main.big_orders");
  EXPECT_EQ(ResultOf(r, total)->status, NodeStatus::kSuccess);
  EXPECT_EQ(Rows(conn_.get(), "SELECT s FROM main.total"), "90\n");
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT table_type FROM information_schema.tables WHERE "
                 "table_name = 'big_orders'"),
            "VIEW\n");

  // Second run: replaces the table and the view; switching view <-> table works.
  b.node(orders).raw_sql = "SELECT range AS id, range * 100 AS amount FROM range(3)";
  b.node(big).config.materialized = Materialization::kTable;
  b.node(total).config.materialized = Materialization::kView;
  r = MustRun(b);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(Rows(conn_.get(), "SELECT s FROM main.total"), "300\n");
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT table_name, table_type FROM information_schema.tables "
                 "ORDER BY table_name"),
            "big_orders|BASE TABLE\norders|BASE TABLE\ntotal|VIEW\n");
}

TEST_F(RunnerModelsTest, CustomSchemaIsCreated) {
  ManifestBuilder b("analytics");
  b.Model("m", "SELECT 1 AS x");
  RunResult r = MustRun(b);
  EXPECT_TRUE(r.ok()) << r.results[0].message;
  EXPECT_EQ(Rows(conn_.get(), "SELECT x FROM analytics.m"), "1\n");
}

TEST_F(RunnerModelsTest, AFailingModelSkipsOnlyItsDependants) {
  ManifestBuilder b;
  const int base = b.Model("base", "SELECT 1 AS id");
  const int bad = b.Model("bad", "SELECT no_such_column FROM \"main\".\"base\"",
                          Materialization::kTable, {base});
  const int child =
      b.Model("child", "SELECT * FROM \"main\".\"bad\"", Materialization::kView, {bad});
  const int grandchild =
      b.Model("grandchild", "SELECT * FROM \"main\".\"child\"", Materialization::kTable, {child});
  const int sibling = b.Model("sibling", "SELECT id + 1 AS id FROM \"main\".\"base\"",
                              Materialization::kTable, {base});
  RunResult r = MustRun(b);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.results.size(), 5u);
  EXPECT_EQ(ResultOf(r, base)->status, NodeStatus::kSuccess);
  EXPECT_EQ(ResultOf(r, sibling)->status, NodeStatus::kSuccess);
  const NodeResult* e = ResultOf(r, bad);
  EXPECT_EQ(e->status, NodeStatus::kError);
  EXPECT_NE(e->message.find("model bad (models/bad.sql)"), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("no_such_column"), std::string::npos) << e->message;  // DuckDB's
  EXPECT_EQ(ResultOf(r, child)->status, NodeStatus::kSkipped);
  EXPECT_EQ(ResultOf(r, grandchild)->status, NodeStatus::kSkipped);
  EXPECT_NE(ResultOf(r, grandchild)->message.find("model bad"), std::string::npos)
      << ResultOf(r, grandchild)->message;
  EXPECT_EQ(DescribeResult(b.manifest(), *ResultOf(r, child)), "SKIP model main.child");
  EXPECT_EQ(r.Count(NodeStatus::kSkipped), 2);
  EXPECT_EQ(Rows(conn_.get(), "SELECT id FROM main.sibling"), "2\n");
}

TEST_F(RunnerModelsTest, FailFastSkipsEverythingNotStarted) {
  ManifestBuilder b;
  b.Model("a_bad", "SELECT * FROM nowhere");
  const int later = b.Model("z_fine", "SELECT 1 AS x");
  RunOptions o = StandInOptions(1);
  o.fail_fast = true;
  RunResult r = MustRun(b, o);
  EXPECT_EQ(ResultOf(r, later)->status, NodeStatus::kSkipped);
}

TEST_F(RunnerModelsTest, AFailedTableBuildKeepsTheOldTable) {
  ManifestBuilder b;
  const int t = b.Model("t", "SELECT range AS id FROM range(3)");
  ASSERT_TRUE(MustRun(b).ok());
  // Fails at run time, after the CREATE has started producing rows.
  b.node(t).raw_sql = "SELECT CAST('x' || range AS INTEGER) AS id FROM range(3)";
  RunResult r = MustRun(b);
  ASSERT_EQ(r.results[0].status, NodeStatus::kError);
  EXPECT_NE(r.results[0].message.find("models/t.sql"), std::string::npos);
  EXPECT_EQ(Rows(conn_.get(), "SELECT count(*) FROM main.t"), "3\n");
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT count(*) FROM information_schema.tables WHERE "
                 "table_name LIKE '%sluice%'"),
            "0\n");
}

TEST_F(RunnerModelsTest, IncrementalAppendMergeAndDeleteInsert) {
  ASSERT_TRUE(conn_->Execute("CREATE TABLE src (id INTEGER, v VARCHAR)").ok());
  ASSERT_TRUE(conn_->Execute("INSERT INTO src VALUES (1, 'a'), (2, 'b')").ok());
  ManifestBuilder b;
  const std::string sql =
      "SELECT * FROM src --INCREMENTAL-- SELECT * FROM src WHERE id >= (SELECT max(id) FROM "
      "{{ this }})";
  const int app = b.Model("app", sql, Materialization::kIncremental);
  const int mrg = b.Model("mrg", sql, Materialization::kIncremental);
  b.node(mrg).config.unique_key = {"id"};
  b.node(mrg).config.incremental_strategy = IncrementalStrategy::kMerge;
  const int di = b.Model("di", sql, Materialization::kIncremental);
  b.node(di).config.unique_key = {"id"};
  b.node(di).config.incremental_strategy = IncrementalStrategy::kDeleteInsert;
  RunResult r = MustRun(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ResultOf(r, app)->message, "created incremental");

  ASSERT_TRUE(conn_->Execute("UPDATE src SET v = 'B' WHERE id = 2").ok());
  ASSERT_TRUE(conn_->Execute("INSERT INTO src VALUES (3, 'c')").ok());
  r = MustRun(b);
  ASSERT_TRUE(r.ok()) << r.results[0].message << r.results[1].message;
  EXPECT_EQ(ResultOf(r, app)->message, "appended to incremental");
  EXPECT_EQ(ResultOf(r, app)->rows_affected, 2);
  EXPECT_EQ(ResultOf(r, mrg)->message, "merged into incremental");
  EXPECT_EQ(ResultOf(r, di)->message, "delete+insert into incremental");
  EXPECT_EQ(Rows(conn_.get(), "SELECT id, v FROM app ORDER BY id, v"), "1|a\n2|B\n2|b\n3|c\n");
  EXPECT_EQ(Rows(conn_.get(), "SELECT id, v FROM mrg ORDER BY id"), "1|a\n2|B\n3|c\n");
  EXPECT_EQ(Rows(conn_.get(), "SELECT id, v FROM di ORDER BY id"), "1|a\n2|B\n3|c\n");

  // --full-refresh rebuilds from the full query.
  ASSERT_TRUE(conn_->Execute("DELETE FROM src WHERE id = 1").ok());
  RunOptions o = StandInOptions();
  o.full_refresh = true;
  r = MustRun(b, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Rows(conn_.get(), "SELECT id, v FROM app ORDER BY id"), "2|B\n3|c\n");
}

TEST_F(RunnerModelsTest, IncrementalNewColumns) {
  ManifestBuilder b;
  const std::string first = "SELECT 1 AS id";
  const std::string second = "SELECT 1 AS id --INCREMENTAL-- SELECT 2 AS id, 'x' AS extra";
  const int ign = b.Model("ign", first, Materialization::kIncremental);
  const int add = b.Model("add", first, Materialization::kIncremental);
  b.node(add).config.on_schema_change = "append_new_columns";
  const int fail = b.Model("fail", first, Materialization::kIncremental);
  b.node(fail).config.on_schema_change = "fail";
  ASSERT_TRUE(MustRun(b).ok());
  for (int n : {ign, add, fail}) b.node(n).raw_sql = second;
  RunResult r = MustRun(b);
  EXPECT_EQ(ResultOf(r, ign)->status, NodeStatus::kSuccess);
  EXPECT_EQ(Rows(conn_.get(), "SELECT * FROM ign ORDER BY id"), "1\n2\n");
  EXPECT_EQ(ResultOf(r, add)->status, NodeStatus::kSuccess) << ResultOf(r, add)->message;
  EXPECT_EQ(Rows(conn_.get(), "SELECT * FROM \"add\" ORDER BY id"), "1|NULL\n2|x\n");
  const NodeResult* f = ResultOf(r, fail);
  EXPECT_EQ(f->status, NodeStatus::kError);
  EXPECT_NE(f->message.find("extra"), std::string::npos) << f->message;
  EXPECT_NE(f->message.find("on_schema_change"), std::string::npos) << f->message;
  EXPECT_EQ(Rows(conn_.get(), "SELECT * FROM fail"), "1\n");
  // Merge without a unique_key is a clear error.
  b.node(ign).config.incremental_strategy = IncrementalStrategy::kMerge;
  r = MustRun(b);
  EXPECT_NE(ResultOf(r, ign)->message.find("needs a unique_key"), std::string::npos);
}

TEST_F(RunnerModelsTest, EphemeralModelsBuildNothingAndHooksRun) {
  ManifestBuilder b;
  const int eph = b.Model("eph", "SELECT 1 AS x", Materialization::kEphemeral);
  const int t = b.Model("t", "SELECT 2 AS x", Materialization::kTable, {eph});
  b.node(t).config.pre_hook = {"CREATE TABLE IF NOT EXISTS hook_log (msg VARCHAR)",
                               "INSERT INTO hook_log VALUES ('pre')"};
  b.node(t).config.post_hook = {"INSERT INTO hook_log SELECT 'post ' || x FROM {{ this }}"};
  RunResult r = MustRun(b);
  ASSERT_EQ(r.results.size(), 1u);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(Rows(conn_.get(), "SELECT msg FROM hook_log ORDER BY msg"), "post 2\npre\n");
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT count(*) FROM information_schema.tables WHERE "
                 "table_name = 'eph'"),
            "0\n");
  b.node(t).config.post_hook = {"INSERT INTO no_such_table VALUES (1)"};
  r = MustRun(b);
  EXPECT_EQ(r.results[0].status, NodeStatus::kError);
  EXPECT_NE(r.results[0].message.find("hook"), std::string::npos);
}

TEST_F(RunnerModelsTest, ParallelThreadsGiveTheSameResultAsOne) {
  auto build = [&](int threads, const std::string& schema) {
    ManifestBuilder b(schema);
    const std::string q = "\"" + schema + "\".";
    std::vector<int> layer;
    for (int i = 0; i < 8; ++i) {
      layer.push_back(
          b.Model("base" + std::to_string(i),
                  "SELECT range AS id, range * " + std::to_string(i) + " AS v FROM range(100)",
                  i % 2 ? Materialization::kView : Materialization::kTable));
    }
    std::vector<int> mids;
    for (int i = 0; i < 8; ++i) {
      mids.push_back(
          b.Model("mid" + std::to_string(i),
                  "SELECT a.id, a.v + c.v AS v FROM " + q + "base" + std::to_string(i) +
                      " a JOIN " + q + "base" + std::to_string((i + 1) % 8) + " c USING (id)",
                  Materialization::kTable,
                  {layer[static_cast<size_t>(i)], layer[static_cast<size_t>((i + 1) % 8)]}));
    }
    std::string all = "SELECT sum(v) AS s FROM (";
    for (int i = 0; i < 8; ++i)
      all +=
          (i ? " UNION ALL " : "") + std::string("SELECT v FROM ") + q + "mid" + std::to_string(i);
    b.Model("top", all + ")", Materialization::kTable, mids);
    RunResult r = MustRun(b, StandInOptions(threads));
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.results.size(), 17u);
    return Rows(conn_.get(), "SELECT s FROM " + q + "top");
  };
  const std::string one = build(1, "one");
  EXPECT_EQ(one, "277200\n");  // sum(id) * sum over i of (i + (i+1) % 8) = 4950 * 56
  EXPECT_EQ(build(4, "four"), one);
}

}  // namespace
}  // namespace sluice::transform
