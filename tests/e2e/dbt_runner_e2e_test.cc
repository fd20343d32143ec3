// End to end: `sluice seed`, `sluice build`, `sluice test` and `sluice snapshot` on a small
// plain dbt project (dbt_project.yml, no sluice.yaml, no profiles.yml: the embedded DuckDB).
#include <gtest/gtest.h>

#include <string>

#include "e2e/e2e_util.h"
#include "warehouse/duckdb_warehouse.h"
#include "warehouse/postgres_warehouse.h"
#include "warehouse/scratch_postgres.h"

namespace sluice::e2e {
namespace {

void WriteProject(const TempDir& dir) {
  dir.Write(
      "dbt_project.yml",
      "name: shopdbt\nversion: '1.0'\nprofile: shopdbt\n"
      "models:\n  shopdbt:\n    +materialized: view\n    marts:\n      +materialized: table\n");
  dir.Write("seeds/raw_customers.csv", "id,name\n1,Ann\n2,Bob\n3,Cy\n");
  dir.Write(
      "seeds/raw_orders.csv",
      "id,customer_id,status,amount,updated_at\n10,1,placed,10.5,2024-01-01\n"
      "11,2,shipped,20,2024-01-02\n12,3,placed,5.25,2024-01-03\n13,1,returned,7,2024-01-04\n");
  dir.Write("models/stg_orders.sql",
            "select id as order_id, customer_id, status, amount from {{ ref('raw_orders') }}\n");
  dir.Write("models/stg_customers.sql",
            "select id as customer_id, name from {{ ref('raw_customers') }}\n");
  dir.Write("models/marts/customer_revenue.sql",
            "{{ config(materialized='incremental', unique_key='customer_id') }}\n"
            "select c.customer_id, c.name, sum(o.amount) as revenue\n"
            "from {{ ref('stg_customers') }} c join {{ ref('stg_orders') }} o using (customer_id)\n"
            "{% if is_incremental() %} where o.status <> 'returned' {% endif %}\n"
            "group by 1, 2\n");
  dir.Write("models/schema.yml",
            "version: 2\nmodels:\n  - name: stg_orders\n    columns:\n"
            "      - name: order_id\n        tests: [not_null, unique]\n"
            "      - name: status\n        tests:\n          - accepted_values:\n"
            "              values: ['placed', 'shipped']\n"
            "      - name: customer_id\n        tests:\n          - relationships:\n"
            "              to: ref('stg_customers')\n              field: customer_id\n");
  dir.Write(
      "snapshots/orders_snapshot.sql",
      "{% snapshot orders_snapshot %}\n"
      "{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', "
      "updated_at='updated_at') }}\nselect * from {{ ref('raw_orders') }}\n{% endsnapshot %}\n");
  dir.Write("tests/no_negative_revenue.sql",
            "select * from {{ ref('customer_revenue') }} where revenue < 0\n");
}

std::string Revenue(const TempDir& dir) {
  auto wh = warehouse::OpenDuckDB((dir.path() / ".sluice" / "warehouse.duckdb").string());
  if (!wh.ok()) return "error: " + wh.status().ToString();
  auto conn = (*wh)->Connect();
  if (!conn.ok()) return "error: " + conn.status().ToString();
  auto r = (*conn)->Query(
      "SELECT string_agg(customer_id || '=' || revenue, ',' ORDER BY "
      "customer_id) FROM main.customer_revenue");
  if (!r.ok()) return "error: " + r.status().ToString();
  return std::string(r->batches[0]->column(0).GetString(0));
}

TEST(DbtRunnerE2E, SeedBuildTestOnAPlainDbtProject) {
  TempDir dir;
  WriteProject(dir);
  const std::string d = Quote(dir.str());

  CommandResult seed = Sluice("seed " + d);
  EXPECT_EQ(seed.exit_code, 0) << seed.output;
  EXPECT_NE(seed.output.find("OK loaded seed main.raw_orders"), std::string::npos) << seed.output;
  EXPECT_NE(seed.output.find("[4 rows in"), std::string::npos) << seed.output;

  // accepted_values fails on 'returned': the test's model's dependants are skipped.
  CommandResult build = Sluice("build " + d + " --threads 2");
  EXPECT_EQ(build.exit_code, 1) << build.output;
  EXPECT_NE(build.output.find("FAIL 1 accepted_values_stg_orders_status"), std::string::npos)
      << build.output;
  EXPECT_NE(build.output.find("SKIP model main.customer_revenue"), std::string::npos)
      << build.output;
  EXPECT_NE(build.output.find("| returned    |"), std::string::npos) << build.output;
  EXPECT_NE(build.output.find("OK created snapshot snapshots.orders_snapshot"), std::string::npos)
      << build.output;

  // Accept the value: everything builds; a second build merges incrementally.
  dir.Write("models/schema.yml",
            "version: 2\nmodels:\n  - name: stg_orders\n    columns:\n"
            "      - name: order_id\n        tests: [not_null, unique]\n"
            "      - name: status\n        tests:\n          - accepted_values:\n"
            "              values: ['placed', 'shipped', 'returned']\n");
  build = Sluice("build " + d);
  EXPECT_EQ(build.exit_code, 0) << build.output;
  EXPECT_NE(build.output.find("OK created incremental model main.customer_revenue"),
            std::string::npos)
      << build.output;
  EXPECT_NE(build.output.find("ERROR=0 SKIP=0"), std::string::npos) << build.output;
  EXPECT_EQ(Revenue(dir), "1=17.5,2=20.0,3=5.25");
  build = Sluice("build " + d + " -s customer_revenue");
  EXPECT_EQ(build.exit_code, 0) << build.output;
  EXPECT_NE(build.output.find("OK merged into incremental model main.customer_revenue"),
            std::string::npos)
      << build.output;
  EXPECT_EQ(Revenue(dir), "1=10.5,2=20.0,3=5.25");  // the incremental filter applied
  // `sluice query` reads a plain dbt project's warehouse too.
  CommandResult query =
      Sluice("query " + d + " --format csv \"SELECT count(*) AS n FROM customer_revenue\"");
  EXPECT_EQ(query.exit_code, 0) << query.output;
  EXPECT_EQ(query.output, "n\n3\n");

  CommandResult test = Sluice("test " + d);
  EXPECT_EQ(test.exit_code, 0) << test.output;
  EXPECT_NE(test.output.find("PASS no_negative_revenue"), std::string::npos) << test.output;
  EXPECT_EQ(test.output.find("OK created"), std::string::npos) << test.output;  // tests only

  CommandResult snap = Sluice("snapshot " + d);
  EXPECT_EQ(snap.exit_code, 0) << snap.output;
  EXPECT_NE(snap.output.find("OK snapshotted snapshot snapshots.orders_snapshot"),
            std::string::npos)
      << snap.output;

  // A SQL error names the model file and carries DuckDB's message; exit code 1.
  dir.Write("models/broken.sql", "select no_such_column from {{ ref('stg_orders') }}\n");
  build = Sluice("build " + d + " --resource-type model");
  EXPECT_EQ(build.exit_code, 1) << build.output;
  EXPECT_NE(build.output.find("Failure in model broken (models/broken.sql)"), std::string::npos)
      << build.output;
  EXPECT_NE(build.output.find("no_such_column"), std::string::npos) << build.output;

  // A broken seed names its line and leaves the table.
  dir.Write("seeds/raw_customers.csv", "id,name\n1,Ann\n2,Bob,extra\n");
  seed = Sluice("seed " + d);
  EXPECT_EQ(seed.exit_code, 1) << seed.output;
  EXPECT_NE(seed.output.find("seeds/raw_customers.csv:3"), std::string::npos) << seed.output;

  // Invalid usage: exit code 2.
  EXPECT_EQ(Sluice("build " + d + " -s no_such_model").exit_code, 2);
  EXPECT_EQ(Sluice("build " + d + " --resource-type table").exit_code, 2);
}

// The same plain dbt project, with a dbt profiles.yml that selects a PostgreSQL target (a
// real throwaway server): seeds, models, the snapshot and the tests all run there.
TEST(DbtRunnerE2E, ProfilesYmlSelectsAPostgresTarget) {
  const auto& pg = warehouse::ScratchPostgres::Shared();
  ASSERT_TRUE(pg.ok()) << pg.error();
  {
    auto admin = warehouse::OpenPostgres(pg.Url());
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    auto conn = (*admin)->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE((*conn)->Execute("DROP DATABASE IF EXISTS dbt_e2e").ok());
    ASSERT_TRUE((*conn)->Execute("CREATE DATABASE dbt_e2e").ok());
  }
  TempDir dir;
  WriteProject(dir);
  dir.Write("models/schema.yml",
            "version: 2\nmodels:\n  - name: stg_orders\n    columns:\n"
            "      - name: order_id\n        tests: [not_null, unique]\n");
  dir.Write("profiles.yml",
            "shopdbt:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
            "      host: 127.0.0.1\n      port: \"{{ env_var('SLUICE_E2E_PG_PORT') }}\"\n"
            "      user: sluice\n      password: \"{{ env_var('SLUICE_E2E_PG_PASSWORD', '') }}\"\n"
            "      dbname: dbt_e2e\n      schema: analytics\n      threads: 2\n");
  setenv("SLUICE_E2E_PG_PORT", std::to_string(pg.port()).c_str(), 1);
  const std::string d = Quote(dir.str());

  CommandResult build = Sluice("build " + d);
  ASSERT_EQ(build.exit_code, 0) << build.output;
  EXPECT_NE(build.output.find("on postgres"), std::string::npos) << build.output;
  EXPECT_NE(build.output.find("OK loaded seed analytics.raw_orders"), std::string::npos)
      << build.output;
  EXPECT_NE(build.output.find("OK created snapshot snapshots.orders_snapshot"), std::string::npos)
      << build.output;
  EXPECT_NE(build.output.find("ERROR=0 SKIP=0"), std::string::npos) << build.output;

  auto wh = warehouse::OpenPostgres(pg.Url("dbt_e2e"));
  ASSERT_TRUE(wh.ok()) << wh.status().ToString();
  auto conn = (*wh)->Connect();
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto r = (*conn)->Query(
      "SELECT string_agg(customer_id || '=' || revenue, ',' ORDER BY customer_id) "
      "FROM analytics.customer_revenue");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->batches[0]->column(0).GetString(0), "1=17.5,2=20,3=5.25");
  auto snap = (*conn)->Query("SELECT count(*) FROM snapshots.orders_snapshot");
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->batches[0]->column(0).Get<int64_t>(0), 4);

  // `sluice query` goes to the profile's target as well.
  CommandResult query = Sluice("query " + d +
                               " --format csv \"SELECT count(*) AS n FROM analytics.customer_revenue\"");
  EXPECT_EQ(query.exit_code, 0) << query.output;
  EXPECT_EQ(query.output, "n\n3\n");

  // The incremental run merges on the server too.
  build = Sluice("build " + d + " -s customer_revenue");
  ASSERT_EQ(build.exit_code, 0) << build.output;
  EXPECT_NE(build.output.find("OK merged into incremental model analytics.customer_revenue"),
            std::string::npos)
      << build.output;
}

}  // namespace
}  // namespace sluice::e2e
