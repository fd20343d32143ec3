// BuildManifest and RenderNode on small projects written to a temp folder.
#include "transform/manifest.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "transform/test_project.h"

namespace sluice::transform {
namespace {

using testing::ScopedEnv;
using testing::TempDir;

// A project in a temp folder, loaded and parsed; profiles come from nowhere but the project.
class ProjectFixture {
 public:
  ProjectFixture() : home_("HOME", tmp_home_.path().c_str()), dbt_dir_("DBT_PROFILES_DIR", nullptr) {
    dir.Write("dbt_project.yml", "name: shop\n");
  }
  // Loads and builds; returns all diagnostics as text.
  std::string Build(LoadOptions options = {}) {
    diag = Diagnostics();
    project = LoadDbtProject(dir.path(), options, &diag);
    manifest = BuildManifest(project, &diag);
    return diag.ToString();
  }
  const Node& N(NodeKind kind, const std::string& name) const {
    const int i = manifest.Find(kind, name);
    EXPECT_GE(i, 0) << name;
    return manifest.nodes[static_cast<size_t>(i < 0 ? 0 : i)];
  }
  std::string Render(const std::string& model, RenderContext context = {}) {
    Result<std::string> sql = RenderNode(manifest, manifest.Find(NodeKind::kModel, model), context);
    return sql.ok() ? *sql : "ERROR: " + sql.status().message();
  }

  TempDir tmp_home_;
  ScopedEnv home_;
  ScopedEnv dbt_dir_;
  TempDir dir;
  Diagnostics diag;
  DbtProject project;
  Manifest manifest;
};

TEST(Manifest, ConfigPrecedenceProjectThenSchemaThenFile) {
  ProjectFixture f;
  f.dir.Write("dbt_project.yml",
              "name: shop\nmodels:\n  +tags: all\n  shop:\n    +materialized: table\n"
              "    staging:\n      materialized: view\n      +schema: stg\n      +tags: [staging]\n"
              "    marts:\n      +materialized: incremental\n      big:\n        +alias: big_one\n");
  f.dir.Write("models/staging/stg_a.sql", "select 1 as id");
  f.dir.Write("models/staging/stg_b.sql", "{{ config(materialized='table', tags='file') }}select 1");
  f.dir.Write("models/marts/big.sql", "select 1");
  f.dir.Write("models/marts/keyed.sql", "{{ config(unique_key='id') }}select 1");
  f.dir.Write("models/marts/schema.yml",
              "version: 2\nmodels:\n  - name: keyed\n    description: Keyed\n"
              "    config:\n      materialized: table\n      incremental_strategy: delete+insert\n"
              "    columns:\n      - name: id\n        description: The key\n        data_type: int\n");
  f.dir.Write("models/top.sql", "{{ config(materialized='incremental') }}select 1");
  ASSERT_EQ(f.Build(), "");
  const Node& a = f.N(NodeKind::kModel, "stg_a");
  EXPECT_EQ(a.config.materialized, Materialization::kView);
  EXPECT_EQ(a.config.schema, "stg");
  EXPECT_EQ(a.relation, "\"main_stg\".\"stg_a\"");
  EXPECT_EQ(a.config.tags, (std::vector<std::string>{"all", "staging"}));
  const Node& b = f.N(NodeKind::kModel, "stg_b");
  EXPECT_EQ(b.config.materialized, Materialization::kTable);
  EXPECT_EQ(b.config.tags, (std::vector<std::string>{"all", "staging", "file"}));
  const Node& big = f.N(NodeKind::kModel, "big");
  EXPECT_EQ(big.config.materialized, Materialization::kIncremental);
  EXPECT_EQ(big.config.incremental_strategy, IncrementalStrategy::kAppend);
  EXPECT_EQ(big.relation, "\"main\".\"big_one\"");
  const Node& keyed = f.N(NodeKind::kModel, "keyed");
  EXPECT_EQ(keyed.config.materialized, Materialization::kTable);  // schema.yml beats the tree
  EXPECT_EQ(keyed.config.unique_key, std::vector<std::string>{"id"});
  EXPECT_EQ(keyed.config.incremental_strategy, IncrementalStrategy::kDeleteInsert);
  EXPECT_EQ(keyed.description, "Keyed");
  ASSERT_EQ(keyed.columns.size(), 1u);
  EXPECT_EQ(keyed.columns[0].data_type.value_or(""), "int");
  EXPECT_EQ(f.N(NodeKind::kModel, "top").config.materialized, Materialization::kIncremental);
  EXPECT_EQ(f.N(NodeKind::kModel, "top").unique_id, "model.shop.top");
}

TEST(Manifest, BadConfigValuesAreReportedWhereWritten) {
  ProjectFixture f;
  f.dir.Write("dbt_project.yml",
              "name: shop\nmodels:\n  shop:\n    +materialized: tabel\n    materialised: view\n");
  f.dir.Write("models/a.sql", "{{ config(materialized='snapshot') }}\nselect 1");
  f.dir.Write("models/b.sql", "{{ config(uniqe_key='id') }}\nselect 1");
  const std::string errors = f.Build();
  EXPECT_NE(errors.find("dbt_project.yml:4:20: error: materialized 'tabel' is not supported for a "
                        "model (did you mean 'table'?)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("dbt_project.yml:5:5: error: unknown config 'materialised' (did you mean "
                        "'materialized'?)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("models/a.sql:1:4: error: materialized 'snapshot' is not supported"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("models/b.sql:1:4: error: unknown config 'uniqe_key' (did you mean "
                        "'unique_key'?)"),
            std::string::npos)
      << errors;
}

TEST(Manifest, RefsSourcesVarsThisAndTarget) {
  ProjectFixture f;
  f.dir.Write("dbt_project.yml",
              "name: shop\nvars:\n  min_total: 10\n  shop:\n    region: eu\n");
  f.dir.Write("models/sources.yml",
              "version: 2\nsources:\n  - name: raw\n    schema: landing\n    tables:\n"
              "      - name: orders\n        identifier: raw_orders\n");
  f.dir.Write("models/stg.sql", "select * from {{ source('raw', 'orders') }}");
  f.dir.Write("models/out.sql",
              "{{ config(materialized='incremental', unique_key='id', schema='marts') }}\n"
              "select * from {{ ref('stg') }} where total > {{ var('min_total') }}"
              " and region = '{{ var('region') }}' and d > '{{ var('start', '2024') }}'\n"
              "{% if is_incremental() %}and id > (select max(id) from {{ this }}){% endif %}\n"
              "-- {{ target.name }} {{ target.schema }} {{ target.type }} {{ execute }} "
              "{{ adapter.quote('x') }} {{ model.name }} {{ env_var('SLUICE_TEST_UNSET_X', 'dflt') }}");
  ASSERT_EQ(f.Build(), "");
  const Node& out = f.N(NodeKind::kModel, "out");
  EXPECT_EQ(out.relation, "\"main_marts\".\"out\"");
  ASSERT_EQ(out.depends_on.size(), 1u);
  EXPECT_EQ(f.manifest.nodes[static_cast<size_t>(out.depends_on[0])].name, "stg");
  const Node& stg = f.N(NodeKind::kModel, "stg");
  ASSERT_EQ(stg.depends_on.size(), 1u);
  const Node& src = f.manifest.nodes[static_cast<size_t>(stg.depends_on[0])];
  EXPECT_EQ(src.kind, NodeKind::kSource);
  EXPECT_EQ(src.name, "raw.orders");
  EXPECT_EQ(src.relation, "\"landing\".\"raw_orders\"");
  EXPECT_EQ(f.Render("stg"), "select * from \"landing\".\"raw_orders\"");
  EXPECT_EQ(f.Render("out"),
            "\nselect * from \"main\".\"stg\" where total > 10 and region = 'eu' and d > '2024'\n"
            "\n-- default main duckdb True \"x\" out dflt");
  RenderContext inc;
  inc.is_incremental = true;
  inc.this_relation = "\"main_marts\".\"out__old\"";
  EXPECT_NE(f.Render("out", inc).find("and id > (select max(id) from \"main_marts\".\"out__old\")"),
            std::string::npos);
}

TEST(Manifest, VarOverridesAndMissingVar) {
  ProjectFixture f;
  f.dir.Write("dbt_project.yml", "name: shop\nvars:\n  limit: 10\n");
  f.dir.Write("models/a.sql", "select {{ var('limit') }}");
  LoadOptions options;
  options.vars["limit"] = "3";
  ASSERT_EQ(f.Build(options), "");
  EXPECT_EQ(f.Render("a"), "select 3");
  f.dir.Write("models/b.sql", "select\n  {{ var('limt') }}");
  const std::string errors = f.Build();
  EXPECT_NE(errors.find("models/b.sql:2:6: error: in 'var': var 'limt' is not defined (did you "
                        "mean 'limit'?"),
            std::string::npos)
      << errors;
}

TEST(Manifest, EphemeralModelsInlineAsCtesOnceInOrder) {
  ProjectFixture f;
  f.dir.Write("models/eph_a.sql", "{{ config(materialized='ephemeral') }}select 1 as id");
  f.dir.Write("models/eph_b.sql",
              "{{ config(materialized='ephemeral') }}select * from {{ ref('eph_a') }}");
  f.dir.Write("models/final.sql",
              "select * from {{ ref('eph_b') }} join {{ ref('eph_a') }} using (id)");
  f.dir.Write("models/with_cte.sql",
              "-- leading comment\nWITH x AS (select * from {{ ref('eph_a') }}) select * from x");
  ASSERT_EQ(f.Build(), "");
  EXPECT_EQ(f.N(NodeKind::kModel, "eph_a").relation, "");
  EXPECT_EQ(f.Render("final"),
            "with __dbt__cte__eph_a as (\nselect 1 as id\n), __dbt__cte__eph_b as (\n"
            "select * from __dbt__cte__eph_a\n)\n"
            "select * from __dbt__cte__eph_b join __dbt__cte__eph_a using (id)");
  EXPECT_EQ(f.Render("with_cte"),
            "-- leading comment\nwith __dbt__cte__eph_a as (\nselect 1 as id\n), x AS "
            "(select * from __dbt__cte__eph_a) select * from x");
}

TEST(Manifest, CycleIsReportedWithItsFullPath) {
  ProjectFixture f;
  f.dir.Write("models/a.sql", "select * from {{ ref('b') }}");
  f.dir.Write("models/b.sql", "select * from {{ ref('c') }}");
  f.dir.Write("models/c.sql", "select * from {{ ref('a') }}");
  f.dir.Write("models/d.sql", "select * from {{ ref('a') }}");
  const std::string errors = f.Build();
  EXPECT_NE(errors.find("models/a.sql:1:18: error: dependency cycle: a -> b -> c -> a"),
            std::string::npos)
      << errors;
  EXPECT_EQ(f.diag.items().size(), 1u) << errors;
  // Every node still gets an order.
  std::vector<int> all;
  for (size_t i = 0; i < f.manifest.nodes.size(); ++i) all.push_back(static_cast<int>(i));
  EXPECT_EQ(TopologicalOrder(f.manifest, all).size(), all.size());
}

TEST(Manifest, MissingRefNamesItAndSuggests) {
  ProjectFixture f;
  f.dir.Write("models/orders.sql", "select 1 as id");
  f.dir.Write("models/report.sql", "select *\nfrom {{ ref('ordrs') }}\n"
                                   "join {{ source('raw', 'x') }} using (id)");
  const std::string errors = f.Build();
  EXPECT_NE(errors.find("models/report.sql:2:9: error: ref('ordrs'): no model, seed or snapshot is "
                        "named 'ordrs' (did you mean 'orders'?)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("models/report.sql:3:9: error: source('raw', 'x') is not declared"),
            std::string::npos)
      << errors;
  f.dir.Write("models/report.sql", "select * from {{ ref('other_pkg', 'orders') }}");
  EXPECT_NE(f.Build().find("package 'other_pkg' is not this project"), std::string::npos);
}

TEST(Manifest, JinjaErrorsKeepFileLineColumn) {
  ProjectFixture f;
  f.dir.Write("models/bad.sql", "select 1\nfrom {{ undefined_thing }}");
  f.dir.Write("models/unclosed.sql", "{% if true %}\nselect 1");
  f.dir.Write("macros/broken.sql", "{% macro m() %}\n{{ 1 + }}\n{% endmacro %}");
  const std::string errors = f.Build();
  EXPECT_NE(errors.find("models/bad.sql:2:9: error: 'undefined_thing' is undefined"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("models/unclosed.sql:1:1: error:"), std::string::npos) << errors;
  EXPECT_NE(errors.find("macros/broken.sql:2:"), std::string::npos) << errors;
}

TEST(Manifest, DuplicateNamesNameBothFiles) {
  ProjectFixture f;
  f.dir.Write("models/a/orders.sql", "select 1");
  f.dir.Write("models/b/orders.sql", "select 2");
  f.dir.Write("seeds/orders.csv", "id\n1\n");
  const std::string errors = f.Build();
  EXPECT_NE(errors.find("two resources are named 'orders': model models/a/orders.sql and model "
                        "models/b/orders.sql"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("model models/a/orders.sql and seed seeds/orders.csv"), std::string::npos)
      << errors;
}

TEST(Manifest, SchemaTestsBecomeGenericTestNodes) {
  ProjectFixture f;
  f.dir.Write("models/customers.sql", "select 1 as id");
  f.dir.Write("models/orders.sql", "select 1 as id, 1 as customer_id, 'placed' as status");
  f.dir.Write("models/schema.yml",
              "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n"
              "        tests:\n          - not_null\n          - unique:\n"
              "              config:\n                severity: warn\n"
              "      - name: status\n        data_tests:\n          - accepted_values:\n"
              "              arguments:\n                values: [placed, shipped]\n"
              "                quote: false\n              config:\n                where: \"id > 0\"\n"
              "      - name: customer_id\n        tests:\n          - relationships:\n"
              "              to: ref('customers')\n              field: id\n"
              "sources:\n  - name: raw\n    tables:\n      - name: events\n        columns:\n"
              "          - name: id\n            tests: [not_null]\n");
  ASSERT_EQ(f.Build(), "");
  const int orders = f.manifest.Find(NodeKind::kModel, "orders");
  const Node& nn = f.N(NodeKind::kTest, "not_null_orders_id");
  ASSERT_TRUE(nn.generic_test.has_value());
  EXPECT_EQ(nn.generic_test->attached_node, orders);
  EXPECT_EQ(nn.depends_on, std::vector<int>{orders});
  EXPECT_EQ(nn.path, "models/schema.yml");
  EXPECT_EQ(nn.location.ToString(), "models/schema.yml:7:13");
  EXPECT_EQ(nn.config.materialized, Materialization::kTest);
  const Node& un = f.N(NodeKind::kTest, "unique_orders_id");
  EXPECT_EQ(un.config.severity, "warn");
  const Node& av = f.N(NodeKind::kTest, "accepted_values_orders_status__placed__shipped");
  EXPECT_EQ(av.generic_test->values, (std::vector<std::string>{"placed", "shipped"}));
  EXPECT_FALSE(av.generic_test->quote);
  EXPECT_EQ(av.config.where, "id > 0");
  const Node& rel = f.N(NodeKind::kTest, "relationships_orders_customer_id__id__ref__customers");
  EXPECT_EQ(rel.generic_test->to_node, f.manifest.Find(NodeKind::kModel, "customers"));
  EXPECT_EQ(rel.generic_test->field, "id");
  EXPECT_EQ(rel.depends_on.size(), 2u);
  const Node& src = f.N(NodeKind::kTest, "source_not_null_raw_events_id");
  EXPECT_EQ(src.generic_test->attached_node, f.manifest.Find(NodeKind::kSource, "raw.events"));

  auto sql = [&](const Node& n) {
    const int i = static_cast<int>(&n - f.manifest.nodes.data());
    Result<std::string> r = RenderNode(f.manifest, i, {});
    return r.ok() ? *r : r.status().message();
  };
  EXPECT_EQ(sql(nn), "select *\nfrom \"main\".\"orders\"\nwhere id is null");
  EXPECT_NE(sql(av).find("from (select * from \"main\".\"orders\" where id > 0) dbt_subquery"),
            std::string::npos);
  EXPECT_NE(sql(av).find("where value_field not in (placed, shipped)"), std::string::npos);
  EXPECT_NE(sql(rel).find("from \"main\".\"customers\""), std::string::npos);
  EXPECT_NE(sql(un).find("having count(*) > 1"), std::string::npos);
}

TEST(Manifest, SchemaProblemsAreReported) {
  ProjectFixture f;
  f.dir.Write("models/orders.sql", "select 1 as id");
  f.dir.Write("models/schema.yml",
              "version: 2\nmodels:\n  - name: order\n  - name: orders\n    columns:\n"
              "      - name: id\n        tests:\n          - not_nul\n"
              "          - accepted_values: {quote: true}\n"
              "          - relationships: {to: ref('nope'), field: id}\n"
              "          - dbt_utils.unique_combination_of_columns\n");
  const std::string errors = f.Build();
  EXPECT_NE(errors.find("models/schema.yml:3:11: error: there is no model named 'order' (did you "
                        "mean 'orders'?)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("generic test 'not_nul' is not supported (did you mean 'not_null'?)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("accepted_values needs 'values:'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("ref('nope'): no model"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'dbt_utils.unique_combination_of_columns' is not supported"),
            std::string::npos)
      << errors;
}

TEST(Manifest, SnapshotsSeedsAndSingularTests) {
  ProjectFixture f;
  f.dir.Write("dbt_project.yml",
              "name: shop\nseeds:\n  shop:\n    +column_types:\n      code: varchar\n"
              "    +delimiter: ';'\n");
  f.dir.Write("seeds/countries.csv", "code;name\n");
  f.dir.Write("models/customers.sql", "select 1 as id");
  f.dir.Write("snapshots/customers_snap.sql",
              "-- history\n{% snapshot customers_snapshot %}\n"
              "{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', "
              "updated_at='updated_at') }}\nselect * from {{ ref('customers') }}\n"
              "{% endsnapshot %}\n");
  f.dir.Write("tests/assert_positive.sql", "select * from {{ ref('customers') }} where id < 0");
  ASSERT_EQ(f.Build(), "");
  const Node& seed = f.N(NodeKind::kSeed, "countries");
  EXPECT_EQ(seed.config.materialized, Materialization::kSeed);
  EXPECT_EQ(seed.config.column_types.at("code"), "varchar");
  EXPECT_EQ(seed.config.delimiter, ";");
  EXPECT_EQ(seed.seed_file, f.dir.path() + "/seeds/countries.csv");
  EXPECT_EQ(seed.relation, "\"main\".\"countries\"");
  const Node& snap = f.N(NodeKind::kSnapshot, "customers_snapshot");
  EXPECT_EQ(snap.relation, "\"snapshots\".\"customers_snapshot\"");
  EXPECT_EQ(snap.config.snapshot_strategy, "timestamp");
  EXPECT_EQ(snap.config.updated_at, "updated_at");
  EXPECT_EQ(snap.location.ToString(), "snapshots/customers_snap.sql:2:1");
  Result<std::string> sql = RenderNode(f.manifest, f.manifest.Find(NodeKind::kSnapshot,
                                                                   "customers_snapshot"), {});
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_NE(sql->find("select * from \"main\".\"customers\""), std::string::npos);
  EXPECT_EQ(*sql, "select * from \"main\".\"customers\"");
  f.dir.Write("snapshots/evil.sql", "{% snapshot ../../x %}select 1{% endsnapshot %}");
  EXPECT_NE(f.Build().find("snapshots/evil.sql:1:1: error: '../../x' is not a snapshot name"),
            std::string::npos);
  std::filesystem::remove(f.dir.path() + "/snapshots/evil.sql");
  const Node& t = f.N(NodeKind::kTest, "assert_positive");
  EXPECT_FALSE(t.generic_test.has_value());
  EXPECT_EQ(t.depends_on, std::vector<int>{f.manifest.Find(NodeKind::kModel, "customers")});

  f.dir.Write("snapshots/bad.sql", "{% snapshot s2 %}\nselect 1\n");
  f.dir.Write("snapshots/nokey.sql", "{% snapshot s3 %}\nselect 1\n{% endsnapshot %}");
  const std::string errors = f.Build();
  EXPECT_NE(errors.find("snapshots/bad.sql:1:1: error: '{% snapshot s2 %}' is never closed"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("snapshot 's3' needs a unique_key"), std::string::npos) << errors;
}

TEST(Manifest, DisabledModelsAreLeftOut) {
  ProjectFixture f;
  f.dir.Write("models/old.sql", "{{ config(enabled=false) }}select 1 as id");
  f.dir.Write("models/schema.yml", "version: 2\nmodels:\n  - name: old\n    columns:\n"
                                   "      - name: id\n        tests: [not_null]\n");
  f.dir.Write("models/new.sql", "select 1");
  ASSERT_EQ(f.Build(), "");
  EXPECT_EQ(f.manifest.Find(NodeKind::kModel, "old"), -1);
  EXPECT_EQ(f.manifest.nodes.size(), 1u);
}

TEST(Manifest, GenerateSchemaNameMacroOverridesNaming) {
  ProjectFixture f;
  f.dir.Write("macros/schema.sql",
              "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
              "{%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}"
              "{{ custom_schema_name | trim }}{%- endif -%}\n{%- endmacro %}");
  f.dir.Write("models/a.sql", "{{ config(schema='marts') }}select 1");
  f.dir.Write("models/b.sql", "select 1");
  ASSERT_EQ(f.Build(), "");
  EXPECT_EQ(f.N(NodeKind::kModel, "a").relation, "\"marts\".\"a\"");
  EXPECT_EQ(f.N(NodeKind::kModel, "b").relation, "\"main\".\"b\"");
}

TEST(Manifest, SluiceProjectModelsRefStreamTables) {
  TempDir home;
  ScopedEnv h("HOME", home.path().c_str());
  TempDir dir;
  dir.Write("sluice.yaml", "name: shop\n");
  dir.Write("sources/shop.yaml", "type: generator\ngenerator: shop\n");
  dir.Write("streams/s.sql", "CREATE MATERIALIZED VIEW orders AS SELECT * FROM shop.orders;\n");
  dir.Write("models/daily.sql", "select count(*) from {{ ref('orders') }}");
  dir.Write("models/other.sql", "select * from {{ source('shop', 'orders') }}");
  Diagnostics diag;
  DbtProject p = LoadDbtProject(dir.path(), {}, &diag);
  Manifest m = BuildManifest(p, &diag);
  ASSERT_FALSE(diag.has_errors()) << diag.ToString();
  const int stream = m.Find(NodeKind::kStream, "orders");
  ASSERT_GE(stream, 0);
  EXPECT_EQ(m.nodes[static_cast<size_t>(stream)].relation, "\"main\".\"orders\"");
  const int source = m.Find(NodeKind::kSource, "shop");
  ASSERT_GE(source, 0);
  EXPECT_EQ(m.nodes[static_cast<size_t>(stream)].depends_on, std::vector<int>{source});
  const Node& daily = m.nodes[static_cast<size_t>(m.Find(NodeKind::kModel, "daily"))];
  EXPECT_EQ(daily.depends_on, std::vector<int>{stream});
  Result<std::string> sql = RenderNode(m, m.Find(NodeKind::kModel, "daily"), {});
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql, "select count(*) from \"main\".\"orders\"");
  const Node& other = m.nodes[static_cast<size_t>(m.Find(NodeKind::kModel, "other"))];
  EXPECT_EQ(other.depends_on, std::vector<int>{stream});

  dir.Write("models/orders.sql", "select 1");
  Diagnostics diag2;
  DbtProject p2 = LoadDbtProject(dir.path(), {}, &diag2);
  BuildManifest(p2, &diag2);
  EXPECT_NE(diag2.ToString().find("model 'orders' has the name of the stream table"),
            std::string::npos)
      << diag2.ToString();
}

}  // namespace
}  // namespace sluice::transform
