// LoadDbtProject / LoadDbtProfile: dbt_project.yml, sluice.yaml, profiles.yml.
#include "transform/dbt_project.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "transform/test_project.h"

namespace sluice::transform {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

// Keeps the user's ~/.dbt/profiles.yml and DBT_PROFILES_DIR out of the tests.
struct IsolatedProfiles {
  TempDir home;
  ScopedEnv h{"HOME", home.path().c_str()};
  ScopedEnv d{"DBT_PROFILES_DIR", nullptr};
};

DbtProject Load(const TempDir& dir, Diagnostics* diag, LoadOptions options = {}) {
  return LoadDbtProject(dir.path(), options, diag);
}

TEST(DbtProject, PlainProjectUsesEmbeddedDuckDb) {
  IsolatedProfiles iso;
  TempDir dir;
  dir.Write("dbt_project.yml", "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\n"
                               "vars:\n  start: '2024-01-01'\n");
  dir.Write("models/staging/stg_orders.sql", "select 1 as id");
  dir.Write("models/orders.sql", "select * from {{ ref('stg_orders') }}");
  dir.Write("models/schema.yml", "version: 2\nsources:\n  - name: raw\n    tables:\n"
                                 "      - name: orders\n        identifier: raw_orders\n");
  dir.Write("seeds/countries.csv", "code,name\nde,Germany\n");
  dir.Write("macros/m.sql", "{% macro one() %}1{% endmacro %}");
  dir.Write("tests/generic/custom.sql", "{% test x(model) %}select 1{% endtest %}");
  dir.Write("tests/no_negative.sql", "select 1 where false");
  dir.Write("models/.hidden.sql", "broken {{");
  Diagnostics diag;
  DbtProject p = Load(dir, &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.name, "shop");
  EXPECT_EQ(p.config_file, "dbt_project.yml");
  EXPECT_EQ(p.state_dir, dir.path() + "/.sluice");
  EXPECT_EQ(p.target.type, "duckdb");
  EXPECT_EQ(p.target.path, dir.path() + "/.sluice/warehouse.duckdb");
  EXPECT_EQ(p.target.schema, "main");
  ASSERT_EQ(p.models.size(), 2u);
  EXPECT_EQ(p.models[0].path, "models/orders.sql");
  EXPECT_EQ(p.models[1].name, "stg_orders");
  EXPECT_EQ(p.models[1].folders, std::vector<std::string>{"staging"});
  ASSERT_EQ(p.seeds.size(), 1u);
  EXPECT_EQ(p.seeds[0].name, "countries");
  ASSERT_EQ(p.tests.size(), 1u);  // tests/generic/ holds definitions, not tests
  EXPECT_EQ(p.tests[0].name, "no_negative");
  ASSERT_EQ(p.macros.size(), 1u);
  ASSERT_EQ(p.sources.size(), 1u);
  const SourceTable& raw = p.sources.begin()->second;
  EXPECT_EQ(raw.schema, "raw");
  EXPECT_EQ(raw.identifier, "raw_orders");
  EXPECT_EQ(raw.location.ToString(), "models/schema.yml:5:15");
  ASSERT_NE(p.vars.Find("start"), nullptr);
}

TEST(DbtProject, UnknownTopLevelKeyGetsDidYouMean) {
  IsolatedProfiles iso;
  TempDir dir;
  dir.Write("dbt_project.yml", "name: shop\nmodles:\n  shop:\n    +materialized: table\n"
                               "on-run-start: []\nclean-targets: [target]\n");
  Diagnostics diag;
  Load(dir, &diag);
  ASSERT_EQ(diag.items().size(), 1u) << diag.ToString();
  EXPECT_EQ(diag.items()[0].ToString(),
            "dbt_project.yml:2:1: error: unknown key 'modles' (did you mean 'models'?)");
}

TEST(DbtProject, MissingNameAndBadName) {
  IsolatedProfiles iso;
  TempDir dir;
  dir.Write("dbt_project.yml", "profile: x\n");
  Diagnostics diag;
  Load(dir, &diag);
  EXPECT_NE(diag.ToString().find("'name'"), std::string::npos) << diag.ToString();
  TempDir dir2;
  dir2.Write("dbt_project.yml", "name: my-shop\n");
  Diagnostics diag2;
  Load(dir2, &diag2);
  EXPECT_NE(diag2.ToString().find("dbt_project.yml:1:7: error: project name 'my-shop'"),
            std::string::npos)
      << diag2.ToString();
}

TEST(DbtProject, NoProjectFileIsOneError) {
  TempDir dir;
  Diagnostics diag;
  Load(dir, &diag);
  ASSERT_EQ(diag.items().size(), 1u);
  EXPECT_NE(diag.items()[0].message.find("no dbt_project.yml or sluice.yaml"), std::string::npos);
  Diagnostics diag2;
  LoadDbtProject(dir.path() + "/nope", {}, &diag2);
  ASSERT_EQ(diag2.items().size(), 1u);
  EXPECT_NE(diag2.items()[0].message.find("does not exist"), std::string::npos);
}

TEST(DbtProject, MalformedYamlHasAPosition) {
  IsolatedProfiles iso;
  TempDir dir;
  dir.Write("dbt_project.yml", "name: shop\nvars: [1, 2\n");
  Diagnostics diag;
  Load(dir, &diag);
  ASSERT_TRUE(diag.has_errors());
  EXPECT_EQ(diag.items()[0].location.file, "dbt_project.yml");
  EXPECT_EQ(diag.items()[0].location.line, 2) << diag.ToString();
  TempDir dir2;
  dir2.Write("dbt_project.yml", "name: shop\n");
  dir2.Write("models/schema.yml", "version: 2\nmodels:\n  - name: x\n   description: bad\n");
  Diagnostics diag2;
  Load(dir2, &diag2);
  ASSERT_TRUE(diag2.has_errors());
  EXPECT_EQ(diag2.items()[0].location.file, "models/schema.yml") << diag2.ToString();
}

TEST(DbtProject, ProfilesPostgresTargetWithEnvVar) {
  IsolatedProfiles iso;
  ScopedEnv pass("SLUICE_TEST_PG_PASS", "s3cr'et");
  ScopedEnv host("SLUICE_TEST_PG_HOST", nullptr);
  TempDir dir;
  dir.Write("dbt_project.yml", "name: shop\nprofile: warehouse\n");
  dir.Write("profiles.yml",
            "warehouse:\n  target: prod\n  outputs:\n"
            "    prod:\n      type: postgres\n"
            "      host: \"{{ env_var('SLUICE_TEST_PG_HOST', 'db.local') }}\"\n"
            "      port: 5433\n      user: analyst\n"
            "      password: \"{{ env_var('SLUICE_TEST_PG_PASS') }}\"\n"
            "      dbname: shop\n      schema: analytics\n      threads: 4\n"
            "    dev:\n      type: duckdb\n      path: dev.duckdb\n");
  Diagnostics diag;
  DbtProject p = Load(dir, &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.target.type, "postgres");
  EXPECT_EQ(p.target.name, "prod");
  EXPECT_EQ(p.target.schema, "analytics");
  EXPECT_EQ(p.target.threads, 4);
  EXPECT_EQ(p.target.conninfo,
            "host='db.local' port='5433' user='analyst' password='s3cr\\'et' dbname='shop'");
  EXPECT_NE(std::find(p.secrets.begin(), p.secrets.end(), "s3cr'et"), p.secrets.end());

  LoadOptions dev;
  dev.target = "dev";
  Diagnostics diag2;
  DbtProject p2 = Load(dir, &diag2, dev);
  ASSERT_FALSE(diag2.has_errors()) << diag2.ToString();
  EXPECT_EQ(p2.target.type, "duckdb");
  EXPECT_EQ(p2.target.path, dir.path() + "/dev.duckdb");

  LoadOptions typo;
  typo.target = "prd";
  Diagnostics diag3;
  Load(dir, &diag3, typo);
  EXPECT_NE(diag3.ToString().find("has no output 'prd' (did you mean 'prod'?)"), std::string::npos)
      << diag3.ToString();
}

TEST(DbtProject, ProfileProblemsAreReported) {
  IsolatedProfiles iso;
  ScopedEnv pass("SLUICE_TEST_PG_PASS", nullptr);
  TempDir dir;
  dir.Write("dbt_project.yml", "name: shop\n");
  dir.Write("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
                            "      password: \"{{ env_var('SLUICE_TEST_PG_PASS') }}\"\n");
  Diagnostics diag;
  Load(dir, &diag);
  EXPECT_NE(diag.ToString().find("profiles.yml:6:17: error: cannot render the value"),
            std::string::npos)
      << diag.ToString();
  EXPECT_NE(diag.ToString().find("SLUICE_TEST_PG_PASS is not set"), std::string::npos);

  TempDir dir2;
  dir2.Write("dbt_project.yml", "name: shop\n");
  dir2.Write("profiles.yml", "shopp:\n  outputs:\n    dev:\n      type: snowflake\n");
  Diagnostics diag2;
  Load(dir2, &diag2);
  EXPECT_NE(diag2.ToString().find("profile 'shop' is not in profiles.yml (did you mean 'shopp'?)"),
            std::string::npos)
      << diag2.ToString();

  TempDir dir3;
  dir3.Write("dbt_project.yml", "name: shop\n");
  dir3.Write("profiles.yml", "shop:\n  outputs:\n    dev:\n      type: snowflake\n");
  Diagnostics diag3;
  Load(dir3, &diag3);
  EXPECT_NE(diag3.ToString().find("profiles.yml:4:13: error: unsupported warehouse type "
                                  "'snowflake'"),
            std::string::npos)
      << diag3.ToString();

  // A literal password in the project's own profiles.yml is refused, as in sluice.yaml.
  TempDir dir4;
  dir4.Write("dbt_project.yml", "name: shop\n");
  dir4.Write("profiles.yml",
             "shop:\n  outputs:\n    dev:\n      type: postgres\n      password: hunter2\n");
  Diagnostics diag4;
  Load(dir4, &diag4);
  EXPECT_NE(diag4.ToString().find("'password' looks like a secret"), std::string::npos)
      << diag4.ToString();
}

TEST(DbtProject, ProfilesFromDbtProfilesDir) {
  IsolatedProfiles iso;
  TempDir profiles;
  profiles.Write("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n"
                                 "      type: postgres\n      password: literal-is-fine-here\n"
                                 "      dbname: x\n");
  ScopedEnv env("DBT_PROFILES_DIR", profiles.path().c_str());
  TempDir dir;
  dir.Write("dbt_project.yml", "name: shop\n");
  Diagnostics diag;
  DbtProject p = Load(dir, &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.target.type, "postgres");
  EXPECT_EQ(p.target.schema, "public");
  EXPECT_NE(p.target.origin.find("target 'dev'"), std::string::npos);
}

TEST(DbtProject, SluiceProjectWithStreamTables) {
  TempDir dir;
  dir.Write("sluice.yaml", "name: shop\nstate_dir: state\n");
  dir.Write("sources/shop.yaml", "type: generator\ngenerator: shop\n");
  dir.Write("streams/orders.sql",
            "-- CREATE MATERIALIZED VIEW commented_out AS SELECT 1;\n"
            "CREATE MATERIALIZED VIEW orders AS\nSELECT * FROM shop.orders WHERE note <> ';';\n"
            "create materialized view \"Big\" as select channel, count(*) as n "
            "from shop.orders group by channel;\n"
            "INSERT INTO feed SELECT * FROM shop.orders;\n");
  dir.Write("models/daily.sql", "select * from {{ ref('orders') }}");
  dir.Write("dbt_project.yml", "name: ignored\nmodels:\n  shop:\n    +materialized: table\n");
  Diagnostics diag;
  DbtProject p = Load(dir, &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.name, "shop");
  EXPECT_EQ(p.config_file, "sluice.yaml");
  EXPECT_EQ(p.state_dir, dir.path() + "/state");
  EXPECT_EQ(p.target.type, "duckdb");
  EXPECT_EQ(p.target.path, dir.path() + "/state/warehouse.duckdb");
  EXPECT_EQ(p.target.origin, "sluice.yaml");
  ASSERT_EQ(p.stream_tables.size(), 2u);
  EXPECT_EQ(p.stream_tables.at("orders"), "streams/orders.sql");
  ASSERT_EQ(p.streams.size(), 2u);
  EXPECT_EQ(p.streams[0].name, "Big");
  EXPECT_EQ(p.streams[1].location.ToString(), "streams/orders.sql:2:26");
  EXPECT_EQ(p.streams[1].inputs, std::vector<std::string>{"shop"});
  EXPECT_TRUE(p.models_config.is_map());
  ASSERT_EQ(p.models.size(), 1u);
}

// A stream file with a syntax error is reported as the SQL module reports it, with its
// position, and the project is invalid.
TEST(DbtProject, StreamFileWithASyntaxErrorIsReported) {
  TempDir dir;
  dir.Write("sluice.yaml", "name: shop\n");
  dir.Write("sources/shop.yaml", "type: generator\ngenerator: shop\n");
  dir.Write("streams/orders.sql", "CREATE MATERIALIZED VIEW orders AS\nSELECT FROM shop.orders;\n");
  Diagnostics diag;
  (void)Load(dir, &diag);
  ASSERT_TRUE(diag.has_errors());
  EXPECT_NE(diag.ToString().find("streams/orders.sql:2:"), std::string::npos) << diag.ToString();
}

TEST(DbtProject, VarsArgumentOverridesProjectVars) {
  std::map<std::string, std::string> vars;
  ASSERT_TRUE(ParseVarsArgument("{start: '2024-02-01', limit: 5}", &vars).ok());
  EXPECT_EQ(vars.at("start"), "2024-02-01");
  EXPECT_EQ(vars.at("limit"), "5");
  std::map<std::string, std::string> bad;
  Status st = ParseVarsArgument("[1, 2]", &bad);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("must be a map"), std::string::npos);
  EXPECT_FALSE(ParseVarsArgument("{a: [1]}", &bad).ok());
  EXPECT_FALSE(ParseVarsArgument("{a: 1", &bad).ok());

  IsolatedProfiles iso;
  TempDir dir;
  dir.Write("dbt_project.yml", "name: shop\nvars:\n  start: '2024-01-01'\n  keep: 1\n");
  LoadOptions options;
  options.vars = vars;
  Diagnostics diag;
  DbtProject p = Load(dir, &diag, options);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  EXPECT_EQ(p.vars.Find("start")->scalar, "2024-02-01");
  EXPECT_EQ(p.vars.Find("keep")->scalar, "1");
  EXPECT_EQ(p.vars.Find("limit")->scalar, "5");
}

}  // namespace
}  // namespace sluice::transform
