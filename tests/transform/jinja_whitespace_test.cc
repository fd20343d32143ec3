// Whitespace control must match Jinja2 byte for byte (trim_blocks and lstrip_blocks off,
// keep_trailing_newline off, as dbt uses it). Expected outputs were produced by Python
// Jinja2 3.1 and frozen here.
#include <gtest/gtest.h>

#include <ostream>

#include "transform/jinja.h"

namespace sluice::transform {
namespace {

struct Case {
  const char* name;
  const char* source;
  const char* expected;
};
// CTest lists parameterized tests with their parameter: show the case's name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

const Case kCases[] = {
    {"default_block_newlines", "a\n{% if true %}\nb\n{% endif %}\nc\n", "a\n\nb\n\nc"},
    {"trailing_newline_dropped", "line1\nline2\n", "line1\nline2"},
    {"only_one_trailing_newline_dropped", "x\n\n", "x\n"},
    {"crlf_normalised", "a\r\nb\r\n{% if true %}\r\nc{% endif %}", "a\nb\n\nc"},
    {"strip_both", "  {%- if true -%}  x  {%- endif -%}  \n", "x"},
    {"strip_left_only", "a  \n  {%- if true %}  b  {% endif %}  c", "a  b    c"},
    {"strip_right_only", "a  {% if true -%}  \n  b  {%- endif %}  c", "a  b  c"},
    {"var_strip", "a  {{- 1 -}}  b|a {{ 2 -}}\n\n c|a\n {{- 3 }} c", "a1b|a 2c|a3 c"},
    {"comment_strip", "a  {#- c -#}  b|a {# c #} b|a\n{#- c #}\nb", "ab|a  b|a\nb"},
    {"for_strip_lines", "<ul>\n{%- for x in [1, 2] %}\n  <li>{{ x }}</li>\n{%- endfor %}\n</ul>",
     "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>"},
    {"for_strip_all", "{% for x in [1, 2, 3] -%}\n  {{ x }}\n{%- endfor %}", "123"},
    {"macro_ws", "{% macro m(x) -%}\n  [{{ x }}]\n{%- endmacro %}\n{{ m(1) }}{{ m(2) }}",
     "\n[1][2]"},
    {"set_ws", "{% set x = 1 %}\n{% set y = 2 -%}\n{{ x }}{{ y }}", "\n12"},
    {"plus_marker", "a\n  {%+ if true %}b{% endif +%}\nc", "a\n  b\nc"},
    {"raw_strip", "x  {%- raw -%}  {{ y }}  {%- endraw -%}  z", "x{{ y }}z"},
    {"raw_keep", "x {% raw %} {{ y }} {% endraw %} z", "x  {{ y }}  z"},
    {"strip_stops_at_next_tag", "{% if true -%}   {{ 'v' }}   after{% endif %}", "v   after"},
    {"strip_empty_between", "a {%- if true -%} {%- endif -%} b", "ab"},
    {"sql_model",
     "select\n    id,\n    {%- for c in ['a', 'b'] %}\n    {{ c }}{{ ',' if not loop.last }}\n    "
     "{%- endfor %}\nfrom t\n{% if true -%}\nwhere x > 1\n{%- endif %}\n",
     "select\n    id,\n    a,\n    b\nfrom t\nwhere x > 1"},
    {"tabs_and_spaces", "\t{%- if true -%}\t\n\tX\t{%- endif -%}\t", "X"},
};

class WhitespaceTest : public ::testing::TestWithParam<Case> {};

TEST_P(WhitespaceTest, MatchesJinja2) {
  const Case& c = GetParam();
  Environment env;
  auto t = Template::Parse(c.source, "ws.sql");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto out = t->Render(env);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, c.expected) << "template: " << c.source;
}

INSTANTIATE_TEST_SUITE_P(Jinja2, WhitespaceTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(WhitespaceTest, EmptyTemplateRendersEmpty) {
  Environment env;
  for (const char* src : {"", "\n", "{# only a comment #}", "{%- if false -%}x{%- endif -%}"}) {
    auto t = Template::Parse(src, "e.sql");
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    auto out = t->Render(env);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(*out, "") << src;
  }
}

}  // namespace
}  // namespace sluice::transform
