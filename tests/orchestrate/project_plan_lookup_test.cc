// Lookup joins in a project: a stream query joining a table of the project's DuckDB
// warehouse is planned (the table's schema read at plan time), its graph loads the
// table through the warehouse at run time, and mistakes are reported with file:line:col.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "orchestrate/project_plan.h"
#include "orchestrate/project_warehouse.h"
#include "stream/query_graph.h"

namespace sluice::orchestrate {
namespace {

class LookupPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("sluice-lookup-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    Write("sluice.yaml", "name: lookup_test\n");
    Write("sources/bids.yaml", "type: generator\ngenerator: nexmark\n");
    Write("sinks/out.yaml", "type: file\npath: out.ndjson\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  void CreateTable(const std::string& sql) {
    Diagnostics d;
    project::Project p = project::LoadProject(dir_.string(), &d);
    ASSERT_FALSE(d.has_errors()) << d.ToString();
    auto wh = OpenProjectWarehouse(p);
    ASSERT_TRUE(wh.ok()) << wh.status().message();
    auto conn = (*wh)->Connect();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->Execute(sql).ok());
  }

  std::filesystem::path dir_;
};

class Collect final : public stream::ChangeSink {
 public:
  Status Emit(const warehouse::ChangeBatch& changes) override {
    out += changes.rows->ToString();
    return Status::OK();
  }
  std::string out;
};

TEST_F(LookupPlanTest, JoinsAWarehouseTable) {
  CreateTable("CREATE TABLE auction_names (id BIGINT, name VARCHAR);"
              "INSERT INTO auction_names VALUES (1, 'lamp'), (2, 'chair')");
  Write("streams/a.sql",
        "INSERT INTO out SELECT b.auction, n.name FROM bids.bid b\n"
        "  JOIN auction_names FOR SYSTEM_TIME AS OF PROCTIME() AS n ON n.id = b.auction % 3;\n");
  Diagnostics d;
  ProjectPlan plan = PlanProject(dir_.string(), &d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  ASSERT_EQ(plan.pipelines.size(), 1u);
  auto* graph = dynamic_cast<stream::QueryGraph*>(plan.pipelines[0].queries[0].op.get());
  ASSERT_NE(graph, nullptr);
  EXPECT_NE(graph->plan().ToString().find("LookupJoin inner auction_names"), std::string::npos)
      << graph->plan().ToString();

  // A bid batch with auctions 4, 5, 6 (keys 1, 2, 0), other columns defaulted.
  const sql::PlanNode* scan = &graph->plan();
  while (!scan->inputs.empty()) scan = scan->inputs[0].get();
  BatchBuilder b(scan->schema);
  for (int64_t auction : {4, 5, 6}) {
    for (int c = 0; c < scan->schema->num_fields(); ++c) {
      const Field& f = scan->schema->field(c);
      Column* col = b.column(c);
      if (f.name == "auction") {
        col->Append<int64_t>(auction);
      } else if (f.type.IsVarLength()) {
        col->AppendString("x");
      } else if (f.type.id == TypeId::kInt32 || f.type.id == TypeId::kDate) {
        col->Append<int32_t>(0);
      } else {
        col->Append<int64_t>(0);
      }
    }
  }
  Collect out;
  Status st = graph->ApplyInput(0, *b.Finish(), &out);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(out.out, "4 | lamp\n5 | chair\n");
}

TEST_F(LookupPlanTest, ReportsUnknownTablesAndColumnsWithTheirPlace) {
  CreateTable("CREATE TABLE auction_names (id BIGINT, name VARCHAR)");
  Write("streams/a.sql",
        "INSERT INTO out SELECT b.auction FROM bids.bid b\n"
        "  JOIN auction_namez FOR SYSTEM_TIME AS OF PROCTIME() AS n ON n.id = b.auction;\n"
        "INSERT INTO out SELECT b.auction FROM bids.bid b\n"
        "  JOIN auction_names FOR SYSTEM_TIME AS OF PROCTIME() AS n ON n.nope = b.auction;\n");
  Diagnostics d;
  PlanProject(dir_.string(), &d);
  const std::string text = d.ToString();
  EXPECT_NE(text.find("a.sql:2:8: error: unknown table 'auction_namez' for a lookup join"), std::string::npos)
      << text;
  EXPECT_NE(text.find("a.sql:4:"), std::string::npos) << text;
  EXPECT_NE(text.find("nope"), std::string::npos) << text;
}

TEST_F(LookupPlanTest, LooksUpAMaterializedViewDeclaredEarlier) {
  Write("streams/a.sql",
        "CREATE MATERIALIZED VIEW sellers AS SELECT seller, count(*) AS n FROM bids.auction GROUP BY seller;\n"
        "INSERT INTO out SELECT b.auction, s.n FROM bids.bid b LEFT JOIN sellers s ON s.seller = b.bidder;\n");
  Diagnostics d;
  ProjectPlan plan = PlanProject(dir_.string(), &d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  ASSERT_EQ(plan.pipelines.size(), 1u);
  ASSERT_EQ(plan.pipelines[0].queries.size(), 2u);
  auto* graph = dynamic_cast<stream::QueryGraph*>(plan.pipelines[0].queries[1].op.get());
  ASSERT_NE(graph, nullptr);
  EXPECT_NE(graph->plan().ToString().find("LookupJoin left sellers"), std::string::npos);
}

}  // namespace
}  // namespace sluice::orchestrate
