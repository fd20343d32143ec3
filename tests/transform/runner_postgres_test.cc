// The runner on a real PostgreSQL server (src/warehouse/scratch_postgres.h): table
// swap, view replacement with changed columns, incremental merge, seeds, tests, snapshots.
// Skipped only when the PostgreSQL server binaries are not installed.
#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <string>

#include "transform/runner.h"
#include "transform/runner_test_util.h"
#include "warehouse/scratch_postgres.h"
#include "warehouse/postgres_warehouse.h"

namespace sluice::transform {
namespace {

using testing::ManifestBuilder;
using testing::ResultOf;
using testing::Rows;
using testing::StandInOptions;
using testing::WriteFile;
using warehouse::ScratchPostgres;

class RunnerPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ScratchPostgres& server = ScratchPostgres::Shared();
    if (!server.ok() && server.error().find("not found") != std::string::npos) {
      GTEST_SKIP() << server.error();
    }
    ASSERT_TRUE(server.ok()) << server.error();
    std::string db = "runner_";
    for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      db += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto admin = warehouse::OpenPostgres(server.Url("postgres"));
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    auto admin_conn = (*admin)->Connect();
    ASSERT_TRUE(admin_conn.ok());
    ASSERT_TRUE((*admin_conn)->Execute("DROP DATABASE IF EXISTS " + db).ok());
    ASSERT_TRUE((*admin_conn)->Execute("CREATE DATABASE " + db).ok());
    auto wh = warehouse::OpenPostgres(server.Url(db));
    ASSERT_TRUE(wh.ok()) << wh.status().ToString();
    wh_ = std::move(*wh);
    auto conn = wh_->Connect();
    ASSERT_TRUE(conn.ok());
    conn_ = std::move(*conn);
  }

  RunResult MustRun(ManifestBuilder& b, int threads = 2) {
    Result<RunResult> r = transform::Run(b.manifest(), b.All(), wh_.get(), StandInOptions(threads));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RunResult{};
  }

  warehouse::testing::TempDir dir_;
  std::unique_ptr<warehouse::Warehouse> wh_;
  std::unique_ptr<warehouse::Connection> conn_;
};

TEST_F(RunnerPostgresTest, TableSwapViewsAndFailureKeepsTheOldTable) {
  ManifestBuilder b("analytics");
  const int t = b.Model("t", "SELECT g AS id FROM generate_series(1, 3) g");
  const int v = b.Model("v", "SELECT id FROM analytics.t", Materialization::kView, {t});
  RunResult r = MustRun(b);
  ASSERT_TRUE(r.ok()) << r.results[0].message;
  EXPECT_EQ(ResultOf(r, t)->rows_affected, 3);
  // The view gets a new column list (CREATE OR REPLACE cannot), the table is replaced.
  b.node(t).raw_sql = "SELECT g AS id, g * 2 AS twice FROM generate_series(1, 4) g";
  b.node(v).raw_sql = "SELECT twice, id FROM analytics.t";
  r = MustRun(b);
  ASSERT_TRUE(r.ok()) << ResultOf(r, t)->message << ResultOf(r, v)->message;
  EXPECT_EQ(Rows(conn_.get(), "SELECT twice, id FROM analytics.v ORDER BY id LIMIT 1"), "2|1\n");
  // A failure at run time keeps the old table and leaves no temporary table.
  b.node(t).raw_sql = "SELECT 1 / (g - 2) AS id FROM generate_series(1, 3) g";
  r = MustRun(b);
  const NodeResult* e = ResultOf(r, t);
  EXPECT_EQ(e->status, NodeStatus::kError);
  EXPECT_NE(e->message.find("models/t.sql"), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("division by zero"), std::string::npos) << e->message;
  EXPECT_EQ(ResultOf(r, v)->status, NodeStatus::kSkipped);
  EXPECT_EQ(Rows(conn_.get(), "SELECT count(*) FROM analytics.t"), "4\n");
  EXPECT_EQ(Rows(conn_.get(), "SELECT count(*) FROM pg_tables WHERE tablename LIKE '%sluice%'"),
            "0\n");
}

TEST_F(RunnerPostgresTest, IncrementalMergeAndNewColumns) {
  ASSERT_TRUE(conn_->Execute("CREATE TABLE src (id INTEGER, v TEXT)").ok());
  ASSERT_TRUE(conn_->Execute("INSERT INTO src VALUES (1, 'a'), (2, 'b')").ok());
  ManifestBuilder b("public");
  const int m = b.Model("m",
                        "SELECT * FROM src --INCREMENTAL-- SELECT *, 'n' AS note FROM src WHERE id "
                        ">= (SELECT max(id) FROM {{ this }})",
                        Materialization::kIncremental);
  b.node(m).config.unique_key = {"id"};
  b.node(m).config.incremental_strategy = IncrementalStrategy::kMerge;
  b.node(m).config.on_schema_change = "append_new_columns";
  const int d = b.Model("d", "SELECT * FROM src --INCREMENTAL-- SELECT * FROM src WHERE id >= 2",
                        Materialization::kIncremental);
  b.node(d).config.unique_key = {"id"};
  b.node(d).config.incremental_strategy = IncrementalStrategy::kDeleteInsert;
  ASSERT_TRUE(MustRun(b).ok());
  ASSERT_TRUE(
      conn_->Execute("UPDATE src SET v = 'B' WHERE id = 2; INSERT INTO src VALUES (3, 'c')").ok());
  RunResult r = MustRun(b);
  ASSERT_TRUE(r.ok()) << ResultOf(r, m)->message << ResultOf(r, d)->message;
  EXPECT_EQ(Rows(conn_.get(), "SELECT id, v, note FROM m ORDER BY id"), "1|a|NULL\n2|B|n\n3|c|n\n");
  EXPECT_EQ(Rows(conn_.get(), "SELECT id, v FROM d ORDER BY id"), "1|a\n2|B\n3|c\n");
}

TEST_F(RunnerPostgresTest, SeedsTestsAndSnapshots) {
  const std::string file = dir_.File("codes.csv");
  WriteFile(file, "code,label,since\n1,one,2024-01-01\n2,two,\n");
  ManifestBuilder b("public");
  const int seed = b.Seed("codes", file);
  b.node(seed).config.column_types = {{"code", "smallint"}};
  const int nn = b.Test("not_null", seed, "since");
  const int snap = b.Snapshot("codes_snap", "SELECT * FROM public.codes", {seed});
  b.node(snap).config.unique_key = {"code"};
  b.node(snap).config.snapshot_strategy = "check";
  b.node(snap).config.check_cols = {"all"};
  RunResult r = MustRun(b, 1);
  ASSERT_EQ(ResultOf(r, seed)->status, NodeStatus::kSuccess) << ResultOf(r, seed)->message;
  EXPECT_EQ(Rows(conn_.get(), "SELECT code, label, since FROM codes ORDER BY code"),
            "1|one|2024-01-01\n2|two|NULL\n");
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                 "attrelid = 'codes'::regclass AND attname = 'code'"),
            "smallint\n");
  EXPECT_EQ(ResultOf(r, nn)->status, NodeStatus::kFail);
  EXPECT_NE(ResultOf(r, nn)->sample.find("two"), std::string::npos) << ResultOf(r, nn)->sample;
  // The failing test stops the snapshot that reads the seed.
  EXPECT_EQ(ResultOf(r, snap)->status, NodeStatus::kSkipped);
  b.node(nn).config.severity = "warn";
  r = MustRun(b, 1);
  ASSERT_EQ(ResultOf(r, snap)->status, NodeStatus::kSuccess) << ResultOf(r, snap)->message;
  // A broken seed keeps the table; a changed one versions the snapshot.
  WriteFile(file, "code,label,since\n1,one,2024-01-01\n\"2,two,\n");
  r = MustRun(b, 1);
  EXPECT_NE(ResultOf(r, seed)->message.find("seeds/codes.csv:3"), std::string::npos)
      << ResultOf(r, seed)->message;
  WriteFile(file, "code,label,since\n1,uno,2024-01-01\n2,two,\n");
  r = MustRun(b, 1);
  ASSERT_TRUE(ResultOf(r, snap)->status == NodeStatus::kSuccess) << ResultOf(r, snap)->message;
  EXPECT_EQ(ResultOf(r, snap)->rows_affected, 1);
  EXPECT_EQ(Rows(conn_.get(),
                 "SELECT code, label, dbt_valid_to IS NULL FROM codes_snap ORDER BY "
                 "code, dbt_valid_from"),
            "1|one|false\n1|uno|true\n2|two|true\n");
}

}  // namespace
}  // namespace sluice::transform
