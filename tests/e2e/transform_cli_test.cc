// `sluice compile`, `sluice ls` and `sluice lineage` on dbt-style projects, end to end.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "e2e/e2e_util.h"

namespace sluice::e2e {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A small dbt project; HOME points at an empty folder so ~/.dbt/profiles.yml stays out.
class TransformCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("HOME", home_.str().c_str(), 1);
    ::unsetenv("DBT_PROFILES_DIR");
    d_.Write("dbt_project.yml", "name: shop\nvars:\n  min_total: 10\n"
                                "models:\n  shop:\n    marts:\n      +materialized: table\n");
    d_.Write("models/staging/stg_orders.sql",
             "select id, total from {{ source('raw', 'orders') }}");
    d_.Write("models/staging/sources.yml",
             "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n");
    d_.Write("models/marts/big_orders.sql",
             "select * from {{ ref('stg_orders') }} where total > {{ var('min_total') }}");
    d_.Write("models/marts/schema.yml",
             "version: 2\nmodels:\n  - name: big_orders\n    columns:\n"
             "      - name: id\n        tests: [not_null, unique]\n");
    d_.Write("seeds/countries.csv", "code\nde\n");
  }
  void TearDown() override {
    if (old_home_) ::setenv("HOME", old_home_->c_str(), 1);
  }

  std::optional<std::string> old_home_ =
      std::getenv("HOME") ? std::optional<std::string>(std::getenv("HOME")) : std::nullopt;
  TempDir home_;
  TempDir d_;
};

TEST_F(TransformCli, CompileWritesAndPrintsSql) {
  CommandResult r = Sluice("compile " + Quote(d_.str()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "compiled 4 nodes into .sluice/compiled")) << r.output;
  EXPECT_EQ(ReadAll(d_.path() / ".sluice/compiled/models/marts/big_orders.sql"),
            "select * from \"main\".\"stg_orders\" where total > 10\n");
  EXPECT_TRUE(std::filesystem::exists(
      d_.path() / ".sluice/compiled/models/marts/schema.yml/not_null_big_orders_id.sql"));

  CommandResult one = Sluice("compile " + Quote(d_.str()) + " -s big_orders --vars '{min_total: 99}'");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_TRUE(Contains(one.output, "-- model big_orders (models/marts/big_orders.sql)\n"
                                   "select * from \"main\".\"stg_orders\" where total > 99"))
      << one.output;
  EXPECT_TRUE(Contains(one.output, "where id is null")) << one.output;  // its tests come along
  EXPECT_FALSE(Contains(one.output, "-- model stg_orders")) << one.output;
}

TEST_F(TransformCli, LsListsNodesAsTextAndJson) {
  CommandResult r = Sluice("ls " + Quote(d_.str()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "model    big_orders")) << r.output;
  EXPECT_TRUE(Contains(r.output, "seed     countries")) << r.output;
  EXPECT_TRUE(Contains(r.output, "source   raw.orders")) << r.output;

  CommandResult tests = Sluice("ls " + Quote(d_.str()) + " --resource-type test");
  ASSERT_EQ(tests.exit_code, 0) << tests.output;
  EXPECT_TRUE(Contains(tests.output, "not_null_big_orders_id")) << tests.output;
  EXPECT_FALSE(Contains(tests.output, "countries")) << tests.output;

  CommandResult j = Sluice("ls " + Quote(d_.str()) + " -s +big_orders --exclude stg_orders "
                           "--output json --resource-type model --resource-type source");
  ASSERT_EQ(j.exit_code, 0) << j.output;
  EXPECT_EQ(j.output,
            "{\"unique_id\":\"model.shop.big_orders\",\"kind\":\"model\",\"name\":\"big_orders\","
            "\"path\":\"models/marts/big_orders.sql\",\"materialized\":\"table\","
            "\"relation\":\"\\\"main\\\".\\\"big_orders\\\"\",\"tags\":[],"
            "\"depends_on\":[\"model.shop.stg_orders\"]}\n"
            "{\"unique_id\":\"source.shop.raw.orders\",\"kind\":\"source\",\"name\":\"raw.orders\","
            "\"path\":\"models/staging/sources.yml\",\"materialized\":\"\","
            "\"relation\":\"\\\"raw\\\".\\\"orders\\\"\",\"tags\":[],\"depends_on\":[]}\n");
}

TEST_F(TransformCli, LineageTextAndJson) {
  CommandResult t = Sluice("lineage " + Quote(d_.str()));
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_TRUE(Contains(t.output, "source raw.orders (\"raw\".\"orders\")\n"
                                 "  model stg_orders (view \"main\".\"stg_orders\")\n"
                                 "    model big_orders (table \"main\".\"big_orders\")\n"
                                 "      test not_null_big_orders_id\n"))
      << t.output;
  CommandResult j = Sluice("lineage " + Quote(d_.str()) + " --format json");
  ASSERT_EQ(j.exit_code, 0) << j.output;
  EXPECT_TRUE(Contains(j.output, "{\"from\":\"source.shop.raw.orders\",\"to\":\"model.shop.stg_orders\"}"))
      << j.output;
  EXPECT_TRUE(Contains(j.output, "\"nodes\":[")) << j.output;
}

TEST_F(TransformCli, SluiceProjectLineageRunsThroughStreams) {
  TempDir s;
  s.Write("sluice.yaml", "name: shop\n");
  s.Write("sources/shop.yaml", "type: generator\ngenerator: shop\n");
  s.Write("streams/orders.sql", "CREATE MATERIALIZED VIEW orders AS SELECT * FROM shop.orders;\n");
  s.Write("models/daily.sql", "select count(*) as n from {{ ref('orders') }}");
  CommandResult t = Sluice("lineage " + Quote(s.str()));
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_TRUE(Contains(t.output, "source shop\n  stream orders (\"main\".\"orders\")\n"
                                 "    model daily (view \"main\".\"daily\")\n"))
      << t.output;
}

TEST_F(TransformCli, BadProjectsExitTwoWithLocations) {
  d_.Write("models/broken.sql", "select *\nfrom {{ ref('stg_ordrs') }}");
  CommandResult r = Sluice("compile " + Quote(d_.str()));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "models/broken.sql:2:9: error: ref('stg_ordrs'): no model, seed "
                                 "or snapshot is named 'stg_ordrs' (did you mean 'stg_orders'?)"))
      << r.output;
  d_.Write("models/broken.sql", "select {{ 1 + }}");
  CommandResult j = Sluice("ls " + Quote(d_.str()));
  EXPECT_EQ(j.exit_code, 2) << j.output;
  EXPECT_TRUE(Contains(j.output, "models/broken.sql:1:15: error:")) << j.output;

  std::filesystem::remove(d_.path() / "models/broken.sql");
  CommandResult sel = Sluice("ls " + Quote(d_.str()) + " -s big_ordes");
  EXPECT_EQ(sel.exit_code, 2) << sel.output;
  EXPECT_TRUE(Contains(sel.output, "did you mean 'big_orders'?")) << sel.output;
  CommandResult vars = Sluice("compile " + Quote(d_.str()) + " --vars '[1'");
  EXPECT_EQ(vars.exit_code, 2) << vars.output;
  EXPECT_TRUE(Contains(vars.output, "--vars")) << vars.output;
  CommandResult none = Sluice("ls " + Quote(home_.str()));
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_TRUE(Contains(none.output, "no dbt_project.yml or sluice.yaml")) << none.output;
}

}  // namespace
}  // namespace sluice::e2e
