// Bad or truncated input never crashes, hangs or throws: every prefix of a complex template,
// deep nesting, and byte-level damage either render or fail with a located error.
#include <gtest/gtest.h>

#include <string>

#include "transform/jinja.h"

namespace sluice::transform {
namespace {

constexpr const char* kComplex = R"({#- a model with most constructs -#}
{{ config(materialized='incremental', unique_key=['id', "ts"]) }}
{% set cols = {'id': 'int', 'name': 'text', 'amount': 'numeric(10, 2)'} %}
{% macro col_list(cs, prefix='', sep=',\n    ') -%}
  {%- for name, type in cs.items() if name != 'skip' -%}
    {{ prefix ~ name }} {{- sep if not loop.last }}
  {%- else -%}
    *
  {%- endfor -%}
{%- endmacro %}
{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}
select
    {{ col_list(cols, prefix='o.') }},
    {{ (1 + 2 * 3 ** 2) // 4 % 3 }} as n,
    '{{ "it's" | replace("'", "''") }}' as quoted,
    {{ [1, 2, 3] | map('string') | join('+') }} as sum_expr
from {{ ref('stg_orders') }} as o
{% if is_incremental() and not (cols | length == 0) -%}
where o.ts > (select max(ts) from {{ this }})
{%- elif false %}
where false
{% else %}
{% call wrap('b') %}{{ 'x' if cols.id is defined else 'y' }}{% endcall %}
{% endif %}
{% raw %}{{ untouched }}{% endraw %}
{%- set ns = namespace(n=0) -%}
{%- for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor -%}
-- {{ ns.n }} {{ cols.keys() | list | sort | first | upper }} {{ 1.5e3 | int }}
)";

Environment MakeEnv() {
  Environment env;
  env.AddFunction(
      "config", [](const CallArgs&, const SourceLocation&) -> Result<Value> { return Value(""); });
  env.AddFunction("ref", [](const CallArgs& a, const SourceLocation&) -> Result<Value> {
    if (a.positional.empty()) return Status::Invalid("ref() needs a name");
    return Value("\"" + a.positional[0].ToString() + "\"");
  });
  env.AddFunction("is_incremental", [](const CallArgs&, const SourceLocation&) -> Result<Value> {
    return Value(true);
  });
  env.SetGlobal("this", Value("\"orders\""));
  return env;
}

TEST(RobustnessTest, ComplexTemplateRenders) {
  Environment env = MakeEnv();
  auto t = Template::Parse(kComplex, "models/complex.sql");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto out = t->Render(env);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // Cross-checked with Python Jinja2 3.1 (with fakes for config/ref/is_incremental/this).
  EXPECT_EQ(*out,
            "\n\n\n\nselect\n    o.id,\n    o.name,\n    o.amount,\n    1 as n,\n"
            "    'it''s' as quoted,\n    1+2+3 as sum_expr\nfrom \"stg_orders\" as o\n"
            "where o.ts > (select max(ts) from \"orders\")\n{{ untouched }}-- 3 AMOUNT 1500");
}

TEST(RobustnessTest, EveryPrefixRendersOrFailsCleanly) {
  Environment env = MakeEnv();
  const std::string full = kComplex;
  int parsed = 0;
  int failed = 0;
  for (size_t n = 0; n <= full.size(); ++n) {
    const std::string prefix = full.substr(0, n);
    auto t = Template::Parse(prefix, "p.sql");
    if (!t.ok()) {
      ++failed;
      // Every failure names the file and a position.
      EXPECT_EQ(t.status().message().rfind("p.sql:", 0), 0u) << t.status().message();
      EXPECT_NE(t.status().message().find(": error: "), std::string::npos);
      continue;
    }
    ++parsed;
    auto out = t->Render(env);
    if (!out.ok()) {
      EXPECT_EQ(out.status().message().rfind("p.sql:", 0), 0u) << out.status().message();
    }
  }
  EXPECT_GT(parsed, 10);
  EXPECT_GT(failed, 100);
}

TEST(RobustnessTest, EverySingleByteDamageRendersOrFailsCleanly) {
  Environment env = MakeEnv();
  const std::string full = kComplex;
  const char replacements[] = {'{', '}', '%', '#', '-', '(', ')', '\'', '"', '|', '.', ' ', '\0'};
  for (size_t i = 0; i < full.size(); i += 3) {
    for (char r : replacements) {
      std::string damaged = full;
      damaged[i] = r;
      auto t = Template::Parse(damaged, "d.sql");
      if (!t.ok()) {
        EXPECT_EQ(t.status().message().rfind("d.sql:", 0), 0u) << t.status().message();
        continue;
      }
      auto out = t->Render(env);
      if (!out.ok()) {
        EXPECT_NE(out.status().message().find("error: "), std::string::npos);
      }
    }
  }
}

TEST(RobustnessTest, DeepNestingIsRefusedNotACrash) {
  Environment env;
  for (const std::string& open_close : {std::string("()"), std::string("[]")}) {
    std::string src =
        "{{ " + std::string(5000, open_close[0]) + "1" + std::string(5000, open_close[1]) + " }}";
    auto t = Template::Parse(src, "deep.sql");
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find("nested too deeply"), std::string::npos)
        << t.status().message();
  }
  std::string nots = "{{ ";
  for (int i = 0; i < 5000; ++i) nots += "not ";
  nots += "1 }}";
  EXPECT_FALSE(Template::Parse(nots, "deep.sql").ok());
  std::string minus = "{{ " + std::string(5000, '-') + "1 }}";
  EXPECT_FALSE(Template::Parse(minus, "deep.sql").ok());
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if true %}";
  EXPECT_FALSE(Template::Parse(ifs, "deep.sql").ok());
  // Long flat chains build deep trees too.
  std::string chain = "{{ 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  chain += " }}";
  auto t = Template::Parse(chain, "chain.sql");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("too deeply nested"), std::string::npos);
  std::string filters = "{{ 'a'";
  for (int i = 0; i < 5000; ++i) filters += " | upper";
  filters += " }}";
  EXPECT_FALSE(Template::Parse(filters, "chain.sql").ok());
}

TEST(RobustnessTest, ModerateNestingWorks) {
  Environment env;
  std::string src = "{{ " + std::string(100, '(') + "1" + std::string(100, ')') + " }}";
  std::string ifs;
  for (int i = 0; i < 100; ++i) ifs += "{% if true %}";
  ifs += "x";
  for (int i = 0; i < 100; ++i) ifs += "{% endif %}";
  std::string chain = "{{ 0";
  for (int i = 0; i < 300; ++i) chain += " + 1";
  chain += " }}";
  for (const auto& [s, want] :
       {std::pair{src, "1"}, std::pair{ifs, "x"}, std::pair{chain, "300"}}) {
    auto t = Template::Parse(s, "ok.sql");
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    auto out = t->Render(env);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(*out, want);
  }
}

TEST(RobustnessTest, ContainersCannotContainThemselves) {
  // Reference-counted containers in a cycle would never be freed (and never finish printing).
  Environment env;
  const std::pair<const char*, const char*> cases[] = {
      {"{% set l = [1] %}{% do l.append(l) %}",
       "self.sql:1:25: error: 'append' would put a list or dict inside itself, which is not "
       "supported"},
      {"{% set l = [] %}{% set m = [l] %}{% do l.extend([m]) %}",
       "self.sql:1:41: error: 'extend' would put a list or dict inside itself, which is not "
       "supported"},
      {"{% set d = {} %}{% do d.update(me=d) %}",
       "self.sql:1:24: error: 'update' would put a list or dict inside itself, which is not "
       "supported"},
      {"{% set ns = namespace() %}{% set ns.me = [ns] %}",
       "self.sql:1:27: error: cannot set 'ns.me' to a value that contains 'ns' itself"},
  };
  for (const auto& [src, message] : cases) {
    auto t = Template::Parse(src, "self.sql");
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    auto out = t->Render(env);
    ASSERT_FALSE(out.ok()) << src;
    EXPECT_EQ(out.status().message(), message);
  }
  // Sharing without a cycle is fine.
  auto ok =
      Template::Parse("{% set a = [1] %}{% set b = [a, a] %}{% do b.append(a) %}{{ b }}", "ok.sql");
  ASSERT_TRUE(ok.ok());
  auto out = ok->Render(env);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "[[1], [1], [1]]");
}

TEST(RobustnessTest, BinaryAndNonUtf8BytesPassThrough) {
  Environment env;
  const char raw[] = "a\0b\xff\xfe{{ 'x\xc3' }}c";
  const std::string src(raw, sizeof(raw) - 1);
  auto t = Template::Parse(src, "bin.sql");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto out = t->Render(env);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, std::string("a\0b\xff\xfex\xc3"
                              "c",
                              8));
}

}  // namespace
}  // namespace sluice::transform
