// The host interface as the dbt layer will use it: fake ref/source/config/is_incremental/
// var/env_var/this, a macros/ file loaded into the environment, and realistic models.
// Expected SQL was cross-checked with Python Jinja2 3.1.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "transform/jinja.h"

namespace sluice::transform {
namespace {

constexpr const char* kMacroFile = R"({% macro cents_to_dollars(column_name, precision=2) -%}
    round({{ column_name }} / 100.0, {{ precision }})
{%- endmacro %}

{% macro generate_schema_name(custom_schema_name, node=none) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}
        {{ default_schema }}
    {%- else -%}
        {{ default_schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
)";

constexpr const char* kModel = R"({{ config(materialized='incremental', unique_key='id') }}

select
    o.id,
    o.customer_id,
    {{ cents_to_dollars('o.amount_cents') }} as amount,
    {{ cents_to_dollars('o.tax_cents', precision=4) }} as tax,
    o.ts
from {{ ref('stg_orders') }} as o
join {{ source('shop', 'customers') }} as c on c.id = o.customer_id
{% if is_incremental() %}
where o.ts > (select max(ts) from {{ this }})
{% endif %}
)";

// A miniature dbt context: records what the model asks for, as the real layer will.
struct FakeDbt {
  std::vector<std::string> refs;
  std::vector<SourceLocation> ref_sites;
  std::map<std::string, std::string> config;
  std::map<std::string, Value> vars = {{"start_date", Value("2024-01-01")}};
  bool incremental = false;
  Environment env;

  FakeDbt() {
    env.AddFunction("ref",
                    [this](const CallArgs& args, const SourceLocation& where) -> Result<Value> {
                      const Param params[] = {{"name", std::nullopt}};
                      SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "ref"));
                      if (!a[0].is_string())
                        return Status::Invalid("ref() needs a model name string");
                      refs.push_back(a[0].as_string());
                      ref_sites.push_back(where);
                      return Value("\"analytics\".\"" + a[0].as_string() + "\"");
                    });
    env.AddFunction("source", [](const CallArgs& args, const SourceLocation&) -> Result<Value> {
      const Param params[] = {{"source_name", std::nullopt}, {"table_name", std::nullopt}};
      SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "source"));
      return Value("\"raw_" + a[0].ToString() + "\".\"" + a[1].ToString() + "\"");
    });
    env.AddFunction("config", [this](const CallArgs& args, const SourceLocation&) -> Result<Value> {
      if (!args.positional.empty()) return Status::Invalid("config() takes keyword arguments only");
      for (const auto& [k, v] : args.keyword) config[k] = v.ToString();
      return Value("");
    });
    env.AddFunction("is_incremental",
                    [this](const CallArgs& args, const SourceLocation&) -> Result<Value> {
                      SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "is_incremental").status());
                      return Value(incremental);
                    });
    env.AddFunction("var", [this](const CallArgs& args, const SourceLocation&) -> Result<Value> {
      const Param params[] = {{"name", std::nullopt}, {"default", std::nullopt}};
      if (args.positional.size() == 1 && args.keyword.empty()) {
        auto it = vars.find(args.positional[0].ToString());
        if (it == vars.end()) {
          return Status::NotFound("var '" + args.positional[0].ToString() +
                                  "' is not set (add it under vars: or pass a default)");
        }
        return it->second;
      }
      SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "var"));
      auto it = vars.find(a[0].ToString());
      return it == vars.end() ? a[1] : it->second;
    });
    env.SetGlobal("this", Value("\"analytics\".\"orders\""));
    Value target = Value::EmptyDict();
    target.mutable_dict().Set(Value("schema"), Value("analytics"));
    target.mutable_dict().Set(Value("name"), Value("dev"));
    env.SetGlobal("target", target);
  }

  Result<std::string> Render(const std::string& source, const std::string& file = "models/m.sql") {
    SLUICE_ASSIGN_OR_RETURN(auto t, Template::Parse(source, file));
    return t.Render(env);
  }
};

TEST(DbtModelTest, IncrementalModelRendersBothWays) {
  FakeDbt dbt;
  ASSERT_TRUE(dbt.env.LoadMacros(kMacroFile, "macros/utils.sql").ok());
  const std::string head =
      "\n\nselect\n    o.id,\n    o.customer_id,\n    round(o.amount_cents / 100.0, 2) as amount,\n"
      "    round(o.tax_cents / 100.0, 4) as tax,\n    o.ts\nfrom \"analytics\".\"stg_orders\" as "
      "o\n"
      "join \"raw_shop\".\"customers\" as c on c.id = o.customer_id\n";

  auto full = dbt.Render(kModel, "models/orders.sql");
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(*full, head);

  dbt.incremental = true;
  auto inc = dbt.Render(kModel, "models/orders.sql");
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  EXPECT_EQ(*inc, head + "\nwhere o.ts > (select max(ts) from \"analytics\".\"orders\")\n");

  EXPECT_EQ(dbt.config["materialized"], "incremental");
  EXPECT_EQ(dbt.config["unique_key"], "id");
  ASSERT_EQ(dbt.refs.size(), 2u);
  EXPECT_EQ(dbt.refs[0], "stg_orders");
  EXPECT_EQ(dbt.ref_sites[0].ToString(), "models/orders.sql:9:9");  // where `ref(` starts
}

TEST(DbtModelTest, GenerateSchemaNameMacro) {
  FakeDbt dbt;
  ASSERT_TRUE(dbt.env.LoadMacros(kMacroFile, "macros/utils.sql").ok());
  auto out = dbt.Render("{{ generate_schema_name(none) }}|{{ generate_schema_name('  marts ') }}");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "analytics|analytics_marts");
}

TEST(DbtModelTest, VarWithAndWithoutDefault) {
  FakeDbt dbt;
  auto out = dbt.Render(
      "{{ var('start_date') }}|{{ var('missing', 7) }}|{{ var(name='x', default='d') }}");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "2024-01-01|7|d");
  auto bad = dbt.Render("select 1\nwhere d > '{{ var('nope') }}'");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);  // the host's code is kept
  EXPECT_EQ(bad.status().message(),
            "models/m.sql:2:15: error: in 'var': var 'nope' is not set (add it under vars: or pass "
            "a default)");
}

TEST(DbtModelTest, HostFunctionArgumentErrorsCarryCallSite) {
  FakeDbt dbt;
  auto out = dbt.Render("select * from {{ ref('a', 'b') }}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "models/m.sql:1:18: error: in 'ref': 'ref' takes at most 1 argument(s), got 2");
  auto kw = dbt.Render("{{ ref(nam='x') }}");
  ASSERT_FALSE(kw.ok());
  EXPECT_NE(kw.status().message().find("'ref' has no argument named 'nam' (did you mean 'name'?)"),
            std::string::npos)
      << kw.status().message();
}

TEST(DbtModelTest, MacroReturnGivesNonStringValues) {
  FakeDbt dbt;
  const char* macros = R"(
{% macro get_columns(relation) %}
  {% if relation == 'empty' %}{{ return([]) }}{% endif %}
  {% do return(['id', 'name', 'amount']) %}
  this text is never rendered
{% endmacro %}
{% macro pick(flag) %}{% for i in [1, 2, 3] -%}
  {% if i == 2 and flag %}{{ return(i * 10) }}{% endif %}
{%- endfor %}none{% endmacro %}
)";
  ASSERT_TRUE(dbt.env.LoadMacros(macros, "macros/cols.sql").ok());
  auto out = dbt.Render(
      "{% set cols = get_columns('orders') %}select {{ cols | join(', ') }} ({{ cols | length }})"
      "|{{ get_columns('empty') | length }}|{{ pick(true) + 1 }}|{{ pick(false) }}");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "select id, name, amount (3)|0|21|none");
}

TEST(DbtModelTest, MacrosCallEachOtherAcrossFilesInAnyOrder) {
  FakeDbt dbt;
  ASSERT_TRUE(dbt.env.LoadMacros("{% macro a() %}A{{ b() }}{% endmacro %}", "macros/a.sql").ok());
  ASSERT_TRUE(
      dbt.env.LoadMacros("{% macro b() %}B{{ ref('x') }}{% endmacro %}", "macros/b.sql").ok());
  auto out = dbt.Render("{{ a() }}");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "AB\"analytics\".\"x\"");
}

TEST(DbtModelTest, LoadedMacrosDoNotSeeModelVariables) {
  FakeDbt dbt;
  ASSERT_TRUE(
      dbt.env.LoadMacros("{% macro m() %}{{ local_only }}{% endmacro %}", "macros/m.sql").ok());
  auto out = dbt.Render("{% set local_only = 1 %}{{ m() }}", "models/x.sql");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "macros/m.sql:1:19: error: 'local_only' is undefined (use '| default(...)' or 'is "
            "defined' if it may be missing)\n  in macro 'm' called at models/x.sql:1:28");
}

TEST(DbtModelTest, ErrorInsideLoadedMacroPointsIntoTheMacroFile) {
  FakeDbt dbt;
  ASSERT_TRUE(
      dbt.env
          .LoadMacros("\n{% macro money(c) %}\n  {{ c + 1 }}\n{% endmacro %}", "macros/money.sql")
          .ok());
  auto out = dbt.Render("select\n  {{ money('amount') }}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "macros/money.sql:3:8: error: cannot add 'string' and 'int' with '+' (use '~' to join "
            "values as text)\n  in macro 'money' called at models/m.sql:2:6");
}

TEST(DbtModelTest, LoadMacrosRejectsDuplicatesAndBadSyntax) {
  Environment env;
  ASSERT_TRUE(env.LoadMacros("{% macro m() %}1{% endmacro %}", "macros/one.sql").ok());
  Status dup = env.LoadMacros("\n\n  {% macro m() %}2{% endmacro %}", "macros/two.sql");
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.message(),
            "macros/two.sql:3:3: error: macro 'm' is already defined at macros/one.sql:1:1 "
            "(rename one of them)");
  Status twice =
      env.LoadMacros("{% macro x() %}{% endmacro %}{% macro x() %}{% endmacro %}", "macros/x.sql");
  EXPECT_EQ(twice.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(env.FindGlobal("x"), nullptr);  // nothing from a failing file is defined
  Status bad = env.LoadMacros("{% macro broken( %}{% endmacro %}", "macros/bad.sql");
  EXPECT_EQ(bad.code(), StatusCode::kParseError);
  EXPECT_EQ(bad.message(), "macros/bad.sql:1:16: error: '(' is never closed (add ')')");
  Status unclosed = env.LoadMacros("{% macro open() %}\n...", "macros/open.sql");
  EXPECT_EQ(unclosed.message(),
            "macros/open.sql:1:1: error: '{% macro %}' is never closed (add '{% endmacro %}')");
}

TEST(DbtModelTest, LoadMacrosIgnoresOtherTopLevelContent) {
  Environment env;
  ASSERT_TRUE(
      env.LoadMacros(
             "-- a comment line\n{% set x = undefined_thing %}\n{% macro m() %}ok{% endmacro %}",
             "macros/m.sql")
          .ok());
  auto t = Template::Parse("{{ m() }}", "x.sql");
  ASSERT_TRUE(t.ok());
  auto out = t->Render(env);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "ok");
}

TEST(DbtModelTest, MacroNamesAndGlobals) {
  auto t = Template::Parse("{% macro a() %}{% endmacro %}x{% macro b(y) %}{% endmacro %}", "m.sql");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->MacroNames(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t->file(), "m.sql");
  Environment env;
  env.SetGlobal("answer", Value(42));
  ASSERT_NE(env.FindGlobal("answer"), nullptr);
  EXPECT_EQ(env.FindGlobal("answer")->as_int(), 42);
  EXPECT_EQ(env.FindGlobal("nope"), nullptr);
}

TEST(DbtModelTest, ContextVariablesShadowGlobals) {
  FakeDbt dbt;
  auto t = Template::Parse("{{ this }}|{{ extra }}", "m.sql");
  ASSERT_TRUE(t.ok());
  Value ctx = Value::EmptyDict();
  ctx.mutable_dict().Set(Value("this"), Value("local"));
  ctx.mutable_dict().Set(Value("extra"), Value::List({1, 2}));
  auto out = t->Render(dbt.env, ctx);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "local|[1, 2]");
  auto bad = t->Render(dbt.env, Value(3));
  EXPECT_FALSE(bad.ok());
}

TEST(DbtModelTest, HostFunctionsCanReturnContainers) {
  Environment env;
  env.AddFunction("columns", [](const CallArgs&, const SourceLocation&) -> Result<Value> {
    Value a = Value::EmptyDict();
    a.mutable_dict().Set(Value("name"), Value("id"));
    a.mutable_dict().Set(Value("type"), Value("int"));
    Value b = Value::EmptyDict();
    b.mutable_dict().Set(Value("name"), Value("email"));
    b.mutable_dict().Set(Value("type"), Value("varchar"));
    return Value::List({a, b});
  });
  auto t = Template::Parse(
      "{% for c in columns() %}{{ c.name }} {{ c['type'] | upper }}{{ ',\n' if not loop.last }}{% "
      "endfor %}",
      "m.sql");
  ASSERT_TRUE(t.ok());
  auto out = t->Render(env);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "id INT,\nemail VARCHAR");
}

TEST(DbtModelTest, MacroValueKeptByTheHostFailsCleanlyAfterItsRender) {
  Environment env;
  auto kept = std::make_shared<Value>();
  env.AddFunction("keep", [kept](const CallArgs& args, const SourceLocation&) -> Result<Value> {
    *kept = args.positional.at(0);
    return Value("");
  });
  auto first = Template::Parse("{% macro m() %}hi{% endmacro %}{{ keep(m) }}{{ m() }}", "a.sql");
  ASSERT_TRUE(first.ok());
  auto out = first->Render(env);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "hi");
  ASSERT_TRUE(kept->is_callable());
  env.SetGlobal("old_macro", *kept);
  auto second = Template::Parse("{{ old_macro() }}", "b.sql");
  ASSERT_TRUE(second.ok());
  out = second->Render(env);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "b.sql:1:4: error: macro 'm' was called after the template that defined it finished "
            "rendering");
}

TEST(DbtModelTest, TemplateRendersRepeatedlyWithFreshState) {
  Environment env;
  auto t = Template::Parse(
      "{% set l = [] %}{% for i in range(3) %}{% do l.append(i) %}{% endfor %}{{ l }}", "m.sql");
  ASSERT_TRUE(t.ok());
  for (int i = 0; i < 3; ++i) {
    auto out = t->Render(env);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, "[0, 1, 2]");
  }
}

}  // namespace
}  // namespace sluice::transform
