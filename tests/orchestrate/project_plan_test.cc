#include "orchestrate/project_plan.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "stream/query_graph.h"
#include "stream/window_aggregate.h"

namespace sluice::orchestrate {
namespace {

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("sluice-plan-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    Write("sluice.yaml", "name: plan_test\n");
    Write("sources/shop.yaml", "type: generator\ngenerator: shop\n");
    Write("sources/bids.yaml", "type: generator\ngenerator: nexmark\n");
    Write("sinks/out.yaml", "type: file\npath: out.ndjson\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  ProjectPlan Plan(Diagnostics* d) { return PlanProject(dir_.string(), d); }

  std::filesystem::path dir_;
};

TEST_F(PlanTest, GroupsQueriesBySourceAndSharesSinks) {
  Write("streams/a.sql",
        "CREATE MATERIALIZED VIEW big AS SELECT order_id, total FROM shop.orders WHERE total > 100;\n"
        "INSERT INTO out SELECT order_id, total FROM shop.orders;\n"
        "INSERT INTO out SELECT order_id, total FROM shop.orders WHERE total < 5;\n");
  Diagnostics d;
  ProjectPlan plan = Plan(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  ASSERT_EQ(plan.pipelines.size(), 1u);
  const stream::PipelineSpec& ps = plan.pipelines[0];
  EXPECT_EQ(ps.name, "shop");
  EXPECT_EQ(ps.queries.size(), 3u);
  EXPECT_EQ(ps.sinks.size(), 2u) << "the two INSERTs share the sink 'out'";
  EXPECT_EQ(ps.queries[1].sink, ps.queries[2].sink);
  EXPECT_EQ(plan.tables, std::vector<std::string>{"big"});
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("source 'bids' feeds no query"), std::string::npos);
}

TEST_F(PlanTest, ReportsUnknownSinkDuplicateViewAndShapeMismatch) {
  Write("streams/a.sql",
        "CREATE MATERIALIZED VIEW v AS SELECT order_id FROM shop.orders;\n"
        "CREATE MATERIALIZED VIEW v AS SELECT order_id FROM shop.orders;\n"
        "INSERT INTO outt SELECT order_id FROM shop.orders;\n"
        "INSERT INTO out SELECT order_id FROM shop.orders;\n"
        "INSERT INTO out SELECT total FROM shop.orders;\n");
  Diagnostics d;
  Plan(&d);
  const std::string all = d.ToString();
  EXPECT_NE(all.find("streams/a.sql:2:1: error: materialized view 'v' is already defined at streams/a.sql:1:1"),
            std::string::npos) << all;
  EXPECT_NE(all.find("streams/a.sql:3:1: error: INSERT INTO 'outt': no sink of that name (did you mean 'out'?)"),
            std::string::npos) << all;
  EXPECT_NE(all.find("streams/a.sql:5:1: error: this query writes"), std::string::npos) << all;
}

TEST_F(PlanTest, OneSinkFedFromTwoSourcesMakesOnePipelineOfBoth) {
  Write("sources/solo.yaml", "type: generator\ngenerator: shop\n");
  Write("streams/a.sql",
        "INSERT INTO out SELECT auction AS order_id FROM bids.bid;\n"
        "INSERT INTO out SELECT order_id FROM shop.orders;\n"
        "CREATE MATERIALIZED VIEW s AS SELECT order_id FROM solo.orders;\n");
  Diagnostics d;
  ProjectPlan plan = Plan(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  ASSERT_EQ(plan.pipelines.size(), 2u);
  // Sources in name order (bids, shop, solo): bids and shop share the sink.
  const stream::PipelineSpec& both = plan.pipelines[0];
  EXPECT_EQ(both.name, "bids+shop");
  EXPECT_EQ(both.sinks.size(), 1u);
  ASSERT_EQ(both.queries.size(), 2u);
  EXPECT_EQ(both.queries[0].sink, both.queries[1].sink);
  // Streams are numbered across the members: bids' three streams come first.
  const auto& streams = both.source->streams();
  ASSERT_GT(streams.size(), 3u);
  EXPECT_EQ(streams[static_cast<size_t>(both.queries[0].stream)].name, "bid");
  EXPECT_EQ(streams[static_cast<size_t>(both.queries[1].stream)].name, "orders");
  EXPECT_GE(both.queries[1].stream, 3);
  EXPECT_EQ(plan.pipelines[1].name, "solo");
}

TEST_F(PlanTest, AJoinAcrossTwoSourcesRunsInOnePipeline) {
  Write("streams/a.sql",
        "CREATE MATERIALIZED VIEW j AS SELECT o.order_id, b.auction\n"
        "FROM shop.orders AS o JOIN bids.bid AS b ON o.order_id = b.auction;\n");
  Diagnostics d;
  ProjectPlan plan = Plan(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  ASSERT_EQ(plan.pipelines.size(), 1u);
  const stream::PipelineSpec& ps = plan.pipelines[0];
  EXPECT_EQ(ps.name, "bids+shop");
  ASSERT_EQ(ps.queries.size(), 1u);
  const auto& streams = ps.source->streams();
  std::vector<std::string> inputs;
  for (int s : ps.queries[0].input_streams) inputs.push_back(streams[static_cast<size_t>(s)].name);
  EXPECT_EQ(inputs, (std::vector<std::string>{"orders", "bid"}));
}

TEST_F(PlanTest, SqlErrorsKeepTheirFileAndCaret) {
  Write("streams/bad.sql", "CREATE MATERIALIZED VIEW v AS\n  SELECT nope FROM shop.orders;\n");
  Diagnostics d;
  Plan(&d);
  const std::string all = d.ToString();
  EXPECT_NE(all.find("streams/bad.sql:2:10"), std::string::npos) << all;
  EXPECT_NE(all.find("nope"), std::string::npos) << all;
  EXPECT_NE(all.find("^"), std::string::npos) << all;
}

TEST_F(PlanTest, UnknownSourceTypeAndTableAreReported) {
  Write("sources/x.yaml", "type: kafkaa\n");
  Write("streams/a.sql", "CREATE MATERIALIZED VIEW v AS SELECT * FROM shopp.orders;\n");
  Diagnostics d;
  Plan(&d);
  const std::string all = d.ToString();
  EXPECT_NE(all.find("sources/x.yaml:1:7: error: unknown source type 'kafkaa'"), std::string::npos) << all;
  EXPECT_NE(all.find("shopp.orders"), std::string::npos) << all;
  EXPECT_NE(all.find("shop.orders"), std::string::npos) << "suggests the near name\n" << all;
}

TEST_F(PlanTest, AnAggregateViewIsAnOperatorUpsertingOnItsGroupColumns) {
  Write("streams/a.sql",
        "CREATE MATERIALIZED VIEW by_channel AS\n"
        "SELECT channel, count(*) AS n, sum(total) AS revenue FROM shop.orders GROUP BY channel;\n"
        "CREATE MATERIALIZED VIEW by_customer AS SELECT COALESCE(customer_id, '?') AS customer,\n"
        "  count(*) AS views FROM shop.page_views GROUP BY COALESCE(customer_id, '?');\n");
  Diagnostics d;
  ProjectPlan plan = Plan(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  ASSERT_EQ(plan.pipelines.size(), 1u);
  ASSERT_EQ(plan.pipelines[0].queries.size(), 2u);
  EXPECT_TRUE(plan.pipelines[0].queries[0].op != nullptr);
  EXPECT_TRUE(plan.pipelines[0].queries[0].transform == nullptr);
  EXPECT_TRUE(plan.pipelines[0].sinks[0].sink->AcceptsChanges());
}

TEST_F(PlanTest, AggregateQueriesThatCannotLandAreRefusedWithTheReason) {
  Write("streams/a.sql",
        "INSERT INTO out SELECT channel, count(*) FROM shop.orders GROUP BY channel;\n"
        "CREATE MATERIALIZED VIEW a AS SELECT count(*) AS n FROM shop.orders;\n"
        "CREATE MATERIALIZED VIEW b AS SELECT count(*) AS n FROM shop.orders GROUP BY channel;\n"
        "CREATE MATERIALIZED VIEW c AS SELECT customer_id, count(*) AS n FROM shop.page_views\n"
        "  GROUP BY customer_id;\n"
        "CREATE MATERIALIZED VIEW e AS SELECT CAST(item_count AS DOUBLE) AS x, count(*) AS n\n"
        "  FROM shop.orders GROUP BY CAST(item_count AS DOUBLE);\n");
  Diagnostics d;
  Plan(&d);
  const std::string all = d.ToString();
  EXPECT_NE(all.find("streams/a.sql:1:1: error: INSERT INTO 'out': this query updates or deletes "
                     "rows it emitted (an aggregate, a top-N, an outer join, an OVER aggregate), which an append-only "
                     "sink cannot apply"),
            std::string::npos) << all;
  EXPECT_NE(all.find("streams/a.sql:2:1: error: materialized view 'a': an aggregate without GROUP BY"),
            std::string::npos) << all;
  EXPECT_NE(all.find("streams/a.sql:3:1: error: materialized view 'b': GROUP BY channel must be "
                     "selected as a column"),
            std::string::npos) << all;
  EXPECT_NE(all.find("streams/a.sql:4:1: error: materialized view 'c': key column 'customer_id' may "
                     "be NULL"),
            std::string::npos) << all;
  EXPECT_NE(all.find("COALESCE(customer_id, <a value>)"), std::string::npos) << all;
  EXPECT_NE(all.find("streams/a.sql:6:1: error: materialized view 'e': key column 'x'"),
            std::string::npos) << all;
}

TEST_F(PlanTest, WindowedViewsUseTheSourceWatermark) {
  Write("sources/shop.yaml",
        "type: generator\ngenerator: shop\nwatermark:\n  column: order_time\n  delay: 5s\n");
  Write("streams/a.sql",
        "CREATE MATERIALIZED VIEW per_minute AS SELECT window_start, window_end, count(*) AS n\n"
        "FROM TUMBLE(shop.orders, order_time, INTERVAL '1' MINUTE)\n"
        "GROUP BY window_start, window_end EMIT ON WINDOW CLOSE;\n");
  Diagnostics d;
  ProjectPlan plan = Plan(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  ASSERT_EQ(plan.pipelines.size(), 1u);
  auto* op = dynamic_cast<stream::QueryGraph*>(plan.pipelines[0].queries[0].op.get());
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->plan().kind, sql::PlanKind::kWindowAggregate);
  EXPECT_EQ(op->input_tables(), std::vector<std::string>{"shop.orders"});
  EXPECT_TRUE(plan.pipelines[0].sinks[0].sink->AcceptsChanges());
}

TEST_F(PlanTest, AWatermarkOnAnotherColumnOrWithUnknownKeysIsAnError) {
  Write("sources/shop.yaml",
        "type: generator\ngenerator: shop\nwatermark:\n  column: paid_at\n  delai: 5s\n");
  Write("streams/a.sql",
        "CREATE MATERIALIZED VIEW per_minute AS SELECT window_start, count(*) AS n\n"
        "FROM TUMBLE(shop.orders, order_time, INTERVAL '1' MINUTE) GROUP BY window_start;\n");
  Diagnostics d;
  Plan(&d);
  const std::string all = d.ToString();
  EXPECT_NE(all.find("delai"), std::string::npos) << all;
  EXPECT_NE(all.find("streams/a.sql:1:1: error: the window's event time is 'order_time' but "
                     "sources/shop.yaml"),
            std::string::npos) << all;
}

}  // namespace
}  // namespace sluice::orchestrate

namespace sluice::orchestrate {
namespace {

TEST_F(PlanTest, CreateSourceInSqlDeclaresASourceWithItsWatermark) {
  Write("data/clicks.csv", "usr,ts,amount\nu1,2024-01-01 00:00:01,3\n");
  Write("streams/a.sql",
        "CREATE SOURCE clicks (\n"
        "  usr VARCHAR NOT NULL, ts TIMESTAMP, amount BIGINT,\n"
        "  WATERMARK FOR ts AS ts - INTERVAL '4' SECOND\n"
        ") WITH (connector = 'file', path = 'data/clicks.csv', format = 'csv');\n"
        "CREATE MATERIALIZED VIEW per_window AS SELECT window_start, usr, count(*) AS n\n"
        "FROM TUMBLE(clicks, ts, INTERVAL '10' SECOND) GROUP BY window_start, usr;\n");
  Diagnostics d;
  ProjectPlan plan = Plan(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  ASSERT_EQ(plan.pipelines.size(), 1u);
  EXPECT_EQ(plan.pipelines[0].name, "clicks");
  const auto& streams = plan.pipelines[0].source->streams();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].schema->ToString(), "usr VARCHAR NOT NULL, ts TIMESTAMP, amount INT64");
}

TEST_F(PlanTest, IdleTimeoutsAndWatermarkColumnsReachThePipeline) {
  Write("data/clicks.csv", "usr,ts\nu1,2024-01-01 00:00:01\n");
  Write("sources/views.yaml",
        "type: file\npath: data/clicks.csv\nwatermark: {column: ts, delay: 1s, idle_timeout: 2m}\n"
        "columns:\n  - {name: usr, type: VARCHAR}\n  - {name: ts, type: TIMESTAMP}\n");
  Write("streams/a.sql",
        "CREATE SOURCE clicks (usr VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '4' SECOND)\n"
        "  WITH (connector = 'file', path = 'data/clicks.csv', idle_timeout = '30s');\n"
        "CREATE MATERIALIZED VIEW j AS SELECT c.usr, v.ts FROM clicks AS c JOIN views AS v ON c.usr = v.usr;\n"
        "CREATE MATERIALIZED VIEW o AS SELECT order_id FROM shop.orders;\n");
  Diagnostics d;
  ProjectPlan plan = Plan(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  const stream::PipelineSpec* joined = nullptr;
  const stream::PipelineSpec* shop = nullptr;
  for (const auto& ps : plan.pipelines) (ps.name == "shop" ? shop : joined) = &ps;
  ASSERT_TRUE(joined != nullptr && shop != nullptr);
  EXPECT_EQ(joined->name, "views+clicks");  // YAML sources first, then CREATE SOURCE
  EXPECT_EQ(joined->idle_timeout_us, 30'000'000);  // the smaller of the two
  EXPECT_EQ(joined->watermark_columns, (std::vector<int>{1, 1}));
  EXPECT_EQ(shop->idle_timeout_us, 0);  // no watermark declared: none
  for (int c : shop->watermark_columns) EXPECT_EQ(c, -1);
}

TEST_F(PlanTest, AnIdleTimeoutNeedsAWatermark) {
  Write("streams/a.sql",
        "CREATE SOURCE c (ts TIMESTAMP) WITH (connector = 'file', path = 'x.csv', idle_timeout = '5s');\n");
  Write("sources/y.yaml", "type: file\npath: y.csv\nwatermark: {column: ts, idle_timeout: -5s}\n");
  Diagnostics d;
  Plan(&d);
  const std::string all = d.ToString();
  EXPECT_NE(all.find("streams/a.sql:1:74: error: idle_timeout advances the watermark of an idle source, "
                     "but CREATE SOURCE c declares no watermark"),
            std::string::npos) << all;
  EXPECT_NE(all.find("sources/y.yaml:3:"), std::string::npos) << all;
}

TEST_F(PlanTest, CreateSourceMistakesPointAtTheStatement) {
  Write("streams/a.sql",
        "CREATE SOURCE shop (x BIGINT) WITH (connector = 'file', path = 'x.csv');\n"
        "CREATE SOURCE c2 (ts TIMESTAMP, WATERMARK FOR ts AS ts + INTERVAL '1' SECOND)\n"
        "  WITH (connector = 'file', path = 'x.csv');\n"
        "CREATE SOURCE c3 WITH (path = 'x.csv');\n"
        "CREATE SOURCE c4 (ts TIMESTAMP) WITH (connector = 'file', path = 'x.csv', pth = 'y');\n");
  Diagnostics d;
  Plan(&d);
  const std::string all = d.ToString();
  EXPECT_NE(all.find("streams/a.sql:2:53: error: expected WATERMARK FOR ts AS ts - INTERVAL"),
            std::string::npos) << all;
}

TEST_F(PlanTest, CreateSourceNamesConflictsAndMissingConnectors) {
  Write("streams/a.sql",
        "CREATE SOURCE shop (x BIGINT) WITH (connector = 'file', path = 'x.csv');\n"
        "CREATE SOURCE c3 WITH (path = 'x.csv');\n"
        "CREATE SOURCE c4 (ts TIMESTAMP) WITH (connector = 'file', path = 'x.csv', pth = 'y');\n");
  Diagnostics d;
  Plan(&d);
  const std::string all = d.ToString();
  EXPECT_NE(all.find("source 'shop' is already declared in sources/shop.yaml"), std::string::npos) << all;
  EXPECT_NE(all.find("CREATE SOURCE c3 names no connector"), std::string::npos) << all;
  EXPECT_NE(all.find("pth"), std::string::npos) << all;
}

}  // namespace
}  // namespace sluice::orchestrate

namespace sluice::orchestrate {
namespace {

// Port i of a query graph reads input_tables()[i]; the pipeline must route that stream to
// it, also when a bare stream sits left of a subquery (the graph numbers inputs bottom-up).
TEST_F(PlanTest, JoinInputsAreRoutedToTheirPorts) {
  Write("streams/a.sql",
        "CREATE MATERIALIZED VIEW o AS SELECT o.order_id, c.name\n"
        "FROM shop.orders o JOIN (SELECT customer_id, name FROM shop.customers) c\n"
        "ON o.customer_id = c.customer_id;\n");
  Diagnostics d;
  ProjectPlan plan = Plan(&d);
  ASSERT_FALSE(d.has_errors()) << d.ToString();
  ASSERT_EQ(plan.pipelines.size(), 1u);
  const stream::PipelineSpec& ps = plan.pipelines[0];
  ASSERT_EQ(ps.queries.size(), 1u);
  auto* graph = dynamic_cast<stream::QueryGraph*>(ps.queries[0].op.get());
  ASSERT_NE(graph, nullptr);
  const auto& streams = ps.source->streams();
  ASSERT_EQ(ps.queries[0].input_streams.size(), graph->input_tables().size());
  for (size_t port = 0; port < graph->input_tables().size(); ++port) {
    const std::string& want = graph->input_tables()[port];
    EXPECT_EQ("shop." + streams[static_cast<size_t>(ps.queries[0].input_streams[port])].name, want);
  }
}

}  // namespace
}  // namespace sluice::orchestrate
