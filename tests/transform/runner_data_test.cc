// The runner on DuckDB: seeds, generic and singular tests, snapshots.
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
using testing::WriteFile;

class RunnerDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto wh = warehouse::OpenDuckDB(dir_.File("wh.duckdb"));
    ASSERT_TRUE(wh.ok()) << wh.status().ToString();
    wh_ = std::move(*wh);
    auto conn = wh_->Connect();
    ASSERT_TRUE(conn.ok());
    conn_ = std::move(*conn);
  }

  RunResult MustRun(ManifestBuilder& b, std::vector<int> nodes = {}) {
    if (nodes.empty()) nodes = b.All();
    Result<RunResult> r = transform::Run(b.manifest(), nodes, wh_.get(), StandInOptions(2));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RunResult{};
  }

  warehouse::testing::TempDir dir_;
  std::unique_ptr<warehouse::Warehouse> wh_;
  std::unique_ptr<warehouse::Connection> conn_;
};

TEST_F(RunnerDataTest, SeedsLoadWithInferredAndConfiguredTypes) {
  const std::string file = dir_.File("people.csv");
  WriteFile(file, "id,name,joined,score,zip\n1,Ann,2024-01-02,1.5,00123\n2,\"Bo, Jr\",,2,04000\n");
  ManifestBuilder b;
  const int seed = b.Seed("people", file);
  b.node(seed).config.column_types = {{"zip", "VARCHAR"}, {"score", "DECIMAL(10,2)"}};
  RunResult r = MustRun(b);
  ASSERT_TRUE(r.ok()) << r.results[0].message;
  EXPECT_EQ(r.results[0].rows_affected, 2);
  EXPECT_EQ(DescribeResult(b.manifest(), r.results[0]), "OK loaded seed main.people");
  EXPECT_EQ(Rows(conn_.get(), "SELECT id, name, joined, score, zip FROM people ORDER BY id"),
            "1|Ann|2024-01-02|1.50|00123\n2|Bo, Jr|NULL|2.00|04000\n");
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT data_type FROM information_schema.columns WHERE "
                 "table_name = 'people' ORDER BY ordinal_position"),
            "BIGINT\nVARCHAR\nDATE\nDECIMAL(10,2)\nVARCHAR\n");

  // A semicolon-delimited seed.
  const std::string semi = dir_.File("semi.csv");
  WriteFile(semi, "a;b\n1;x\n");
  ManifestBuilder b2;
  const int s2 = b2.Seed("semi", semi);
  b2.node(s2).config.delimiter = ";";
  ASSERT_TRUE(MustRun(b2).ok());
  EXPECT_EQ(Rows(conn_.get(), "SELECT a, b FROM \"semi\""), "1|x\n");
}

TEST_F(RunnerDataTest, ABrokenSeedNamesTheLineAndKeepsTheOldTable) {
  const std::string file = dir_.File("codes.csv");
  WriteFile(file, "code,label\n1,one\n2,two\n");
  ManifestBuilder b;
  const int seed = b.Seed("codes", file);
  ASSERT_TRUE(MustRun(b).ok());
  WriteFile(file, "code,label\n1,one\n2,two,extra\n3,three\n");
  RunResult r = MustRun(b);
  ASSERT_EQ(r.results[0].status, NodeStatus::kError);
  EXPECT_NE(r.results[0].message.find("seeds/codes.csv:3"), std::string::npos)
      << r.results[0].message;
  EXPECT_EQ(Rows(conn_.get(), "SELECT count(*) FROM codes"), "2\n");
  // A column_types entry that does not cast.
  WriteFile(file, "code,label\n1,one\nx,two\n");
  b.node(seed).config.column_types = {{"code", "INTEGER"}};
  r = MustRun(b);
  ASSERT_EQ(r.results[0].status, NodeStatus::kError);
  EXPECT_NE(r.results[0].message.find("column_types code"), std::string::npos)
      << r.results[0].message;
  b.node(seed).config.column_types = {{"nope", "INTEGER"}};
  r = MustRun(b);
  EXPECT_NE(r.results[0].message.find("'nope'"), std::string::npos) << r.results[0].message;
  EXPECT_EQ(Rows(conn_.get(), "SELECT count(*) FROM codes"), "2\n");
  WriteFile(file, "\n");
  b.node(seed).config.column_types.clear();
  r = MustRun(b);
  EXPECT_NE(r.results[0].message.find("seeds/codes.csv: the seed file is empty"), std::string::npos)
      << r.results[0].message;
  EXPECT_EQ(Rows(conn_.get(), "SELECT count(*) FROM codes"), "2\n");
  b.node(seed).seed_file = dir_.File("missing.csv");
  r = MustRun(b);
  EXPECT_EQ(r.results[0].status, NodeStatus::kError);
}

TEST_F(RunnerDataTest, GenericTestsPassAndFailWithASample) {
  ManifestBuilder b;
  const int customers = b.Model("customers",
                                "SELECT * FROM (VALUES (1, 'gold'), (2, 'silver')) "
                                "AS t(id, tier)");
  const int orders =
      b.Model("orders",
              "SELECT * FROM (VALUES (10, 1, 'open'), (11, 2, 'done'), (12, 3, 'lost'), (12, NULL, "
              "'open'), (13, 1, NULL)) AS t(id, customer_id, status)",
              Materialization::kTable, {customers});
  const int pass_nn = b.Test("not_null", customers, "id");
  const int pass_uq = b.Test("unique", customers, "id");
  const int fail_nn = b.Test("not_null", orders, "customer_id");
  const int fail_uq = b.Test("unique", orders, "id");
  const int fail_av = b.Test("accepted_values", orders, "status");
  b.node(fail_av).generic_test->values = {"open", "done"};
  const int pass_av = b.Test("accepted_values", customers, "tier");
  b.node(pass_av).generic_test->values = {"gold", "silver"};
  const int fail_rel = b.Test("relationships", orders, "customer_id", customers);
  b.node(fail_rel).generic_test->field = "id";
  const int warn_rel = b.Test("relationships", orders, "customer_id", customers);
  b.node(warn_rel).name = "warn_rel";
  b.node(warn_rel).generic_test->field = "id";
  b.node(warn_rel).config.severity = "warn";
  const int where_nn = b.Test("not_null", orders, "customer_id");
  b.node(where_nn).name = "where_nn";
  b.node(where_nn).config.where = "status = 'done'";
  const int singular =
      b.SingularTest("no_big_ids", "SELECT * FROM \"main\".\"orders\" WHERE id > 12", {orders});
  RunResult r = MustRun(b);
  EXPECT_FALSE(r.ok());
  for (int pass : {pass_nn, pass_uq, pass_av, where_nn}) {
    EXPECT_EQ(ResultOf(r, pass)->status, NodeStatus::kPass)
        << b.node(pass).name << ": " << ResultOf(r, pass)->message;
  }
  const NodeResult* nn = ResultOf(r, fail_nn);
  EXPECT_EQ(nn->status, NodeStatus::kFail);
  EXPECT_EQ(nn->rows_affected, 1);
  EXPECT_EQ(nn->message, "Got 1 result, configured to fail if != 0");
  EXPECT_NE(nn->sample.find("customer_id"), std::string::npos) << nn->sample;
  EXPECT_NE(nn->sample.find("NULL"), std::string::npos) << nn->sample;
  EXPECT_EQ(DescribeResult(b.manifest(), *nn), "FAIL 1 not_null_orders_customer_id");
  EXPECT_EQ(ResultOf(r, fail_uq)->rows_affected, 1);
  EXPECT_NE(ResultOf(r, fail_uq)->sample.find("12"), std::string::npos);
  EXPECT_EQ(ResultOf(r, fail_av)->rows_affected, 1);  // 'lost' (NULL passes)
  EXPECT_NE(ResultOf(r, fail_av)->sample.find("lost"), std::string::npos);
  EXPECT_EQ(ResultOf(r, fail_rel)->rows_affected, 1);  // customer 3
  EXPECT_EQ(ResultOf(r, warn_rel)->status, NodeStatus::kWarn);
  EXPECT_EQ(ResultOf(r, warn_rel)->message, "Got 1 result, configured to warn if != 0");
  EXPECT_EQ(ResultOf(r, singular)->status, NodeStatus::kFail);
  EXPECT_EQ(r.Count(NodeStatus::kFail), 5);
  // Only the tests: the models exist already.
  RunResult tests_only = MustRun(b, {pass_nn, fail_nn});
  EXPECT_EQ(tests_only.results.size(), 2u);
  // A test whose query does not run is an error naming the test.
  b.node(pass_nn).generic_test->column = "no_such_col";
  tests_only = MustRun(b, {pass_nn});
  EXPECT_EQ(tests_only.results[0].status, NodeStatus::kError);
  EXPECT_NE(tests_only.results[0].message.find("test not_null_customers_id (models/schema.yml)"),
            std::string::npos)
      << tests_only.results[0].message;
}

TEST_F(RunnerDataTest, AFailingTestStopsTheDependantsOfWhatItTests) {
  ManifestBuilder b;
  const int parent = b.Model("parent", "SELECT NULL::INTEGER AS id");
  const int child =
      b.Model("child", "SELECT * FROM \"main\".\"parent\"", Materialization::kTable, {parent});
  const int other = b.Model("other", "SELECT 1 AS id");
  const int test = b.Test("not_null", parent, "id");
  RunResult r = MustRun(b);
  EXPECT_EQ(ResultOf(r, test)->status, NodeStatus::kFail);
  EXPECT_EQ(ResultOf(r, child)->status, NodeStatus::kSkipped);
  EXPECT_NE(ResultOf(r, child)->message.find("not_null_parent_id"), std::string::npos);
  EXPECT_EQ(ResultOf(r, other)->status, NodeStatus::kSuccess);
  // A warning does not stop them.
  b.node(test).config.severity = "warn";
  r = MustRun(b);
  EXPECT_EQ(ResultOf(r, child)->status, NodeStatus::kSuccess);
}

TEST_F(RunnerDataTest, SnapshotTimestampStrategyOverTwoRuns) {
  ASSERT_TRUE(
      conn_->Execute("CREATE TABLE src (id INTEGER, status VARCHAR, updated TIMESTAMP)").ok());
  ASSERT_TRUE(conn_
                  ->Execute("INSERT INTO src VALUES (1, 'new', '2024-01-01'), "
                            "(2, 'new', '2024-01-01')")
                  .ok());
  ManifestBuilder b("snapshots");
  const int snap = b.Snapshot("orders_snap", "SELECT * FROM main.src");
  b.node(snap).config.unique_key = {"id"};
  b.node(snap).config.snapshot_strategy = "timestamp";
  b.node(snap).config.updated_at = "updated";
  RunResult r = MustRun(b);
  ASSERT_TRUE(r.ok()) << r.results[0].message;
  EXPECT_EQ(r.results[0].rows_affected, 2);
  // Row 1 changes, row 3 is new, row 2 is deleted (ignored), row 2 unchanged otherwise.
  ASSERT_TRUE(conn_
                  ->Execute("UPDATE src SET status = 'paid', updated = '2024-01-05' WHERE id = 1; "
                            "DELETE FROM src WHERE id = 2; "
                            "INSERT INTO src VALUES (3, 'new', '2024-01-06')")
                  .ok());
  r = MustRun(b);
  ASSERT_TRUE(r.ok()) << r.results[0].message;
  EXPECT_EQ(r.results[0].rows_affected, 2);
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT id, status, dbt_valid_from, dbt_valid_to, dbt_updated_at "
                 "FROM snapshots.orders_snap ORDER BY id, dbt_valid_from"),
            "1|new|2024-01-01 00:00:00|2024-01-05 00:00:00|2024-01-01 00:00:00\n"
            "1|paid|2024-01-05 00:00:00|NULL|2024-01-05 00:00:00\n"
            "2|new|2024-01-01 00:00:00|NULL|2024-01-01 00:00:00\n"
            "3|new|2024-01-06 00:00:00|NULL|2024-01-06 00:00:00\n");
  EXPECT_EQ(Rows(conn_.get(), "SELECT count(DISTINCT dbt_scd_id) FROM snapshots.orders_snap"),
            "4\n");
  // A third run with no change adds nothing.
  r = MustRun(b);
  EXPECT_EQ(r.results[0].rows_affected, 0);
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT count(*) FROM information_schema.tables WHERE "
                 "table_name LIKE '%sluice%'"),
            "0\n");
}

TEST_F(RunnerDataTest, SnapshotCheckStrategy) {
  ASSERT_TRUE(conn_->Execute("CREATE TABLE src (id INTEGER, a VARCHAR, b VARCHAR)").ok());
  ASSERT_TRUE(conn_->Execute("INSERT INTO src VALUES (1, 'x', 'y'), (2, 'x', NULL)").ok());
  ManifestBuilder b;
  const int snap = b.Snapshot("snap", "SELECT * FROM src");
  b.node(snap).config.unique_key = {"id"};
  b.node(snap).config.snapshot_strategy = "check";
  b.node(snap).config.check_cols = {"b"};
  ASSERT_TRUE(MustRun(b).ok());
  // a changes (not checked), b changes from NULL.
  ASSERT_TRUE(conn_
                  ->Execute("UPDATE src SET a = 'changed' WHERE id = 1; "
                            "UPDATE src SET b = 'now' WHERE id = 2")
                  .ok());
  RunResult r = MustRun(b);
  ASSERT_TRUE(r.ok()) << r.results[0].message;
  EXPECT_EQ(r.results[0].rows_affected, 1);
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT id, a, b, dbt_valid_to IS NULL FROM snap ORDER BY id, "
                 "dbt_valid_from"),
            "1|x|y|true\n2|x|NULL|false\n2|x|now|true\n");
  // check_cols: all sees the change of a.
  b.node(snap).config.check_cols = {"all"};
  r = MustRun(b);
  EXPECT_EQ(r.results[0].rows_affected, 1);
  // Config mistakes are clear errors.
  b.node(snap).config.check_cols = {"nope"};
  r = MustRun(b);
  EXPECT_EQ(r.results[0].status, NodeStatus::kError);
  EXPECT_NE(r.results[0].message.find("'nope'"), std::string::npos) << r.results[0].message;
  b.node(snap).config.snapshot_strategy = "sometimes";
  r = MustRun(b);
  EXPECT_NE(r.results[0].message.find("sometimes"), std::string::npos);
}

}  // namespace
}  // namespace sluice::transform
