// Conformance: templates whose expected output was produced by Python Jinja2 3.1
// (Environment(undefined=StrictUndefined, extensions=['jinja2.ext.do'])) with the context
// below, then frozen here. The tests do not need Python.
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
    {"int", "{{ 42 }}|{{ -7 }}|{{ 1_000 }}", "42|-7|1000"},
    {"float", "{{ 1.5 }}|{{ 1.0 }}|{{ 1e3 }}|{{ 0.1 + 0.2 }}|{{ 1e16 }}|{{ 0.00001 }}|{{ 2.5e-3 }}",
     "1.5|1.0|1000.0|0.30000000000000004|1e+16|1e-05|0.0025"},
    {"strings",
     "{{ 'a' }}{{ \"b\" }}{{ 'it\\'s' }}{{ \"q\\\"q\" }}|{{ 'a\\tb' }}|{{ 'x' 'y' }}|{{ '\\d+' }}",
     "abit'sq\"q|a\tb|xy|\\d+"},
    {"consts", "{{ true }} {{ false }} {{ none }} {{ True }} {{ False }} {{ None }}",
     "True False None True False None"},
    {"list", "{{ [1, 'a', none, true, 1.5] }}", "[1, 'a', None, True, 1.5]"},
    {"nested", "{{ [[1, 2], {'k': 'v'}, (1,), ()] }}", "[[1, 2], {'k': 'v'}, (1,), ()]"},
    {"dict", "{{ {'b': 1, 'a': [1, 2]} }}", "{'b': 1, 'a': [1, 2]}"},
    {"tuple", "{{ (1, 2) }}|{{ 1, 2 }}|{{ ('a',) }}", "(1, 2)|(1, 2)|('a',)"},
    {"repr_quotes", "{{ [\"it's\", 'say \"hi\"', 'a\\nb'] }}", "[\"it's\", 'say \"hi\"', 'a\\nb']"},
    {"arith",
     "{{ 1 + 2 }} {{ 7 - 10 }} {{ 3 * 4 }} {{ 7 / 2 }} {{ 10 / 2 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 "
     "** 10 }}",
     "3 -3 12 3.5 5.0 3 1 1024"},
    {"floor",
     "{{ -7 // 2 }} {{ 7 // -2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 5.5 % "
     "2 }}",
     "-4 -4 2 -2 3.0 0.5 1.5"},
    {"pow", "{{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 2 ** -1 }} {{ 2.0 ** 3 }}", "64 4 0.5 8.0"},
    {"mixed", "{{ 1 + 1.5 }} {{ true + 1 }} {{ 3 * 1.0 }} {{ 10 - 0.5 }}", "2.5 2 3.0 9.5"},
    {"strmul",
     "{{ 'ab' * 3 }}|{{ 2 * 'x' }}|{{ [1] * 3 }}|{{ 'a' * 0 }}|{{ [1, 2] + [3] }}|{{ 'a' + 'b' }}",
     "ababab|xx|[1, 1, 1]||[1, 2, 3]|ab"},
    {"concat", "{{ 'a' ~ 1 ~ none ~ true ~ 1.5 }}|{{ 1 ~ 2 }}", "a1NoneTrue1.5|12"},
    {"prec1",
     "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 * 3 ** 2 }} {{ 10 - 2 - 3 }} {{ 100 / 10 / 5 }}",
     "7 9 18 5 2.0"},
    {"prec_concat", "{{ 'a' ~ 2 * 3 }} {{ 1 ~ 2 * 2 }}", "a6 14"},
    {"unary", "{{ -(3) }} {{ - - 3 }} {{ +3 }} {{ -1|abs }} {{ -1.5|abs }}", "-3 3 3 1 1.5"},
    {"logic",
     "{{ true and false }} {{ true or false }} {{ not true }} {{ not 0 }} {{ 0 or 'x' }} {{ 'a' "
     "and 'b' }} {{ '' and 'b' }}",
     "False True False True x b "},
    {"compare",
     "{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 3 >= 3 }} {{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 1 < 2 < "
     "3 }} {{ 3 > 2 > 2 }}",
     "True True False True True True True False"},
    {"compare2",
     "{{ 'abc' < 'abd' }} {{ [1, 2] < [1, 3] }} {{ none == none }} {{ [1, [2]] == [1, [2]] }} {{ "
     "{'a': 1} == {'a': 1} }} {{ 1 == '1' }}",
     "True True True True True False"},
    {"in",
     "{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ 'z' not in "
     "'abc' }}",
     "True True True True True"},
    {"not_prec",
     "{{ not 1 == 2 }} {{ not true and false }} {{ not (true and false) }} {{ true or false and "
     "false }}",
     "True False True True"},
    {"cond",
     "{{ 'y' if true else 'n' }} {{ 'y' if 0 else 'n' }} {{ 1 if false else 2 if false else 3 }} "
     "[{{ 'x' if false }}]",
     "y n 3 []"},
    {"tests1",
     "{{ none is none }} {{ 1 is number }} {{ 1.5 is number }} {{ 'a' is string }} {{ {} is "
     "mapping }} {{ [] is iterable }} {{ 'a' is iterable }} {{ 1 is iterable }}",
     "True True True True True True True False"},
    {"tests2",
     "{{ x is defined }} {{ x is undefined }} {{ users is defined }} {{ 3 is odd }} {{ 4 is even "
     "}} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(2) }}",
     "False True True True True True False"},
    {"tests3",
     "{{ 1 is not none }} {{ 'a' is not string }} {{ 2 is eq 2 }} {{ 2 is lt 3 }} {{ 'a' is in "
     "'abc' }} {{ true is boolean }} {{ 1 is integer }} {{ 1.0 is float }}",
     "True False True True True True True True"},
    {"tests4",
     "{{ not x is defined }} {{ d.missing is defined }} {{ d.a is defined }} {{ 'ABC' is upper }} "
     "{{ range is callable }}",
     "True False True True True"},
    {"attr",
     "{{ d.a }} {{ d['b'] }} {{ users[0].name }} {{ users[1]['age'] }} {{ users.0.name }} {{ "
     "nums[-1] }} {{ 'abc'[1] }}",
     "1 2 ann 7 ann 4 b"},
    {"slice",
     "{{ nums[1:] }} {{ nums[:2] }} {{ nums[::-1] }} {{ 'hello'[1:3] }} {{ 'abc'[::-1] }} {{ "
     "nums[-2:] }} {{ nums[::2] }}",
     "[2, 3, 4] [1, 2] [4, 3, 2, 1] el cba [3, 4] [1, 3]"},
    {"strmeth",
     "{{ 'Ab'.upper() }} {{ 'Ab'.lower() }} [{{ '  x  '.strip() }}] {{ 'a,b,,c'.split(',') }} {{ ' "
     "a  b '.split() }} {{ 'aXbX'.replace('X', '-') }}",
     "AB ab [x] ['a', 'b', '', 'c'] ['a', 'b'] a-b-"},
    {"strmeth2",
     "{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('bc') }} {{ 'abc'.startswith(('x', 'a')) }} "
     "{{ '{}-{}'.format(1, 'b') }} {{ '{name}!'.format(name='x') }} {{ ', '.join(['a', 'b']) }}",
     "True True True 1-b x! a, b"},
    {"strmeth3",
     "{{ 'xxaxx'.strip('x') }} {{ 'a b'.title() }} {{ 'aBC'.capitalize() }} {{ 'banana'.find('n') "
     "}} {{ 'banana'.count('a') }} {{ 'a,b,c'.split(',', 1) }} {{ 'aaa'.replace('a', 'b', 2) }}",
     "a A B Abc 2 3 ['a', 'b,c'] bba"},
    {"dictmeth",
     "{{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }} {{ d.get('a') }} {{ "
     "d.get('z') }} {{ d.get('z', 0) }}",
     "['a', 'b'] [1, 2] [('a', 1), ('b', 2)] 1 None 0"},
    {"listmeth",
     "{% set l = [1] %}{% do l.append(2) %}{% do l.extend([3, 4]) %}{{ l }} {{ l.pop() }} {{ l }} "
     "{{ l.index(2) }} {{ l.count(1) }}{% do l.insert(0, 0) %} {{ l }}",
     "[1, 2, 3, 4] 4 [1, 2, 3] 1 1 [0, 1, 2, 3]"},
    {"dictupdate",
     "{% set m = {'a': 1} %}{% do m.update({'b': 2}) %}{% do m.update(c=3) %}{{ m }} {{ m.pop('a') "
     "}} {{ m }}",
     "{'a': 1, 'b': 2, 'c': 3} 1 {'b': 2, 'c': 3}"},
    {"f_case",
     "{{ 'Hello'|lower }} {{ 'Hello'|upper }} {{ 'hello WORLD'|capitalize }} {{ 'hello "
     "world-foo_bar (x'|title }} {{ 42|lower }}",
     "hello HELLO Hello world Hello World-Foo_bar (X 42"},
    {"f_trim",
     "[{{ '  a b  '|trim }}] [{{ 'xxaxx'|trim('x') }}] {{ 'a-b-c'|replace('-', '+') }} {{ "
     "'aaa'|replace('a', 'b', 2) }}",
     "[a b] [a] a+b+c bba"},
    {"f_default",
     "{{ x|default('d') }} {{ none|default('d') }} {{ ''|default('d') }} {{ ''|default('d', true) "
     "}} {{ 0|default(5, boolean=true) }} {{ d.missing|default(1) }} {{ x|d('z') }} {{ x|default "
     "}}|",
     "d None  d 5 1 z |"},
    {"f_join",
     "{{ [1, 2, 3]|join(', ') }} {{ ['a', 'b']|join }} {{ users|join(',', attribute='name') }} {{ "
     "'abc'|join('-') }}",
     "1, 2, 3 ab ann,bob,cy a-b-c"},
    {"f_len",
     "{{ [1, 2]|length }} {{ 'abc'|length }} {{ d|length }} {{ []|count }} {{ 'h\xc3\xa9"
     "llo'|length }}",
     "2 3 2 0 5"},
    {"f_list", "{{ 'ab'|list }} {{ d|list }} {{ (1, 2)|list }}", "['a', 'b'] ['a', 'b'] [1, 2]"},
    {"f_firstlast",
     "{{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ 'abc'|first }} {{ []|first is defined }} {{ "
     "[]|last|default('e') }}",
     "1 3 a False e"},
    {"f_int",
     "{{ '42'|int }} {{ '3.7'|int }} {{ 3.9|int }} {{ -3.9|int }} {{ 'x'|int }} {{ 'x'|int(7) }} "
     "{{ true|int }} {{ none|int }} {{ ' 12 '|int }} {{ '1e3'|int }}",
     "42 3 3 -3 0 7 1 0 12 1000"},
    {"f_float",
     "{{ '4'|float }} {{ '2.5'|float }} {{ 3|float }} {{ 'x'|float }} {{ 'x'|float(1.5) }} {{ "
     "'1e3'|float }}",
     "4.0 2.5 3.0 0.0 1.5 1000.0"},
    {"f_string", "{{ 1|string ~ 'a' }} {{ none|string }} {{ [1]|string }} {{ 1.0|string }}",
     "1a None [1] 1.0"},
    {"f_abs_round",
     "{{ -3|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 3|round }} {{ 2.675|round(2) }} {{ "
     "1.2345|round(2) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }} {{ 2.55|round(1, "
     "'ceil') }} {{ -2.5|round }}",
     "3 2.0 4.0 3 2.67 1.23 3.0 2.0 2.6 -2.0"},
    {"f_sort",
     "{{ [3, 1, 2]|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ ['b', 'A', 'c']|sort }} {{ ['b', "
     "'A', 'c']|sort(case_sensitive=true) }} {{ "
     "users|sort(attribute='age')|map(attribute='name')|join(',') }}",
     "[1, 2, 3] [3, 2, 1] ['A', 'b', 'c'] ['A', 'b', 'c'] ann,cy,bob"},
    {"f_unique",
     "{{ [1, 2, 1, 3, 2]|unique|list }} {{ ['a', 'A', 'b']|unique|list }} {{ ['a', 'A', "
     "'b']|unique(case_sensitive=true)|list }}",
     "[1, 2, 3] ['a', 'b'] ['a', 'A', 'b']"},
    {"f_reverse", "{{ [1, 2, 3]|reverse|list }} {{ 'abc'|reverse }}", "[3, 2, 1] cba"},
    {"f_indent",
     "{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(2, "
     "blank=true) }}|{{ 'a\\nb\\n'|indent(1) }}",
     "a\n    b\n\n    c|  a\n  b|a\n  \n  b|a\n b\n"},
    {"f_tojson",
     "{{ {'b': 1, 'a': [1, 'x<y', none, true, 1.5]}|tojson }} {{ 'it\\'s'|tojson }} {{ '\xc3\xa9"
     "'|tojson }}",
     "{\"a\": [1, \"x\\u003cy\", null, true, 1.5], \"b\": 1} \"it\\u0027s\" \"\\u00e9\""},
    {"f_format",
     "{{ '%s-%d'|format('a', 3) }} {{ '%.2f'|format(3.14159) }} {{ '%5s|%-5s|'|format('a', 'b') }} "
     "{{ '100%%'|format() }} {{ '%r'|format('x') }} {{ '%03d'|format(7) }}",
     "a-3 3.14     a|b    | 100% 'x' 007"},
    {"f_map",
     "{{ users|map(attribute='name')|list }} {{ ['a', 'B']|map('upper')|list }} {{ [1.5, "
     "-2]|map('abs')|list }} {{ ['1', '2']|map('int')|sum }}",
     "['ann', 'bob', 'cy'] ['A', 'B'] [1.5, 2] 3"},
    {"f_select",
     "{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('odd')|list }} {{ [0, 1, '', "
     "'a']|select|list }} {{ users|selectattr('age', 'gt', 3)|map(attribute='name')|list }} {{ "
     "users|rejectattr('admin')|map(attribute='name')|list }}",
     "[1, 3] [2, 4] [1, 'a'] ['bob', 'cy'] ['bob', 'cy']"},
    {"f_minmax",
     "{{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ [1, 2, 3]|sum }} {{ users|sum(attribute='age') }} "
     "{{ users|max(attribute='age') }} {{ [1.5, 2]|sum }}",
     "1 3 6 15 {'name': 'bob', 'age': 7, 'admin': False} 3.5"},
    {"f_items", "{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;"},
    {"f_chain",
     "{{ ' A,b , C '|lower|replace(' ', '')|trim }} {{ [' x ', 'y']|map('trim')|join('|')|upper }}",
     "a,b,c X|Y"},
    {"f_call_on_filter", "{{ 'a,b'|upper|length }} {{ ('x' ~ 'y')|upper }}", "3 XY"},
    {"if",
     "{% if 1 %}a{% endif %}{% if 0 %}b{% elif 0 %}c{% elif 1 %}d{% else %}e{% endif %}{% if none "
     "%}f{% else %}g{% endif %}",
     "adg"},
    {"if_nested",
     "{% if true %}{% if false %}x{% else %}{% if 1 > 0 %}y{% endif %}{% endif %}{% endif %}", "y"},
    {"for",
     "{% for x in [1, 2, 3] %}{{ x }}{% endfor %}|{% for c in 'ab' %}{{ c }}.{% endfor %}|{% for k "
     "in d %}{{ k }}{% endfor %}",
     "123|a.b.|ab"},
    {"for_loop",
     "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ "
     "loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}",
     "1032TrueFalse3 2121FalseFalse3 3210FalseTrue3 "},
    {"for_else",
     "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}|{% for x in [1] %}{{ x }}{% else "
     "%}empty{% endfor %}",
     "empty|1"},
    {"for_if",
     "{% for x in range(10) if x is odd %}{{ x }}{{ ',' if not loop.last }}{% endfor %}|{% for x "
     "in [1, 2] if x > 5 %}{{ x }}{% else %}none{% endfor %}",
     "1,3,5,7,9|none"},
    {"for_unpack",
     "{% for k, v in d.items() %}{{ k }}={{ v }}{% if not loop.last %}, {% endif %}{% endfor %}|{% "
     "for (a, b) in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %}",
     "a=1, b=2|37"},
    {"for_nested",
     "{% for i in range(3) %}{% for j in range(i) %}{{ i }}{{ j }} {% endfor %}{% endfor %}",
     "10 20 21 "},
    {"for_nested_loopvar",
     "{% for i in [1, 2] %}{% set outer = loop %}{% for j in [1, 2] %}{{ outer.index }}{{ "
     "loop.index }} {% endfor %}{% endfor %}",
     "11 12 21 22 "},
    {"for_cycle", "{% for x in range(5) %}{{ loop.cycle('odd', 'even') }} {% endfor %}",
     "odd even odd even odd "},
    {"for_prevnext",
     "{% for x in [1, 2, 3] %}{{ loop.previtem|default('-') }}{{ x }}{{ loop.nextitem|default('-') "
     "}} {% endfor %}",
     "-12 123 23- "},
    {"range",
     "{{ range(3)|list }} {{ range(1, 4)|list }} {{ range(10, 0, -3)|list }} {{ range(0)|list }} "
     "{{ range(5, 2)|list }}",
     "[0, 1, 2] [1, 2, 3] [10, 7, 4, 1] [] []"},
    {"set",
     "{% set x = 1 %}{% set y = x + 1 %}{{ x }}{{ y }}{% set a, b = 'p', 'q' %}{{ a }}{{ b }}{% "
     "set t = 1, 2 %}{{ t }}",
     "12pq(1, 2)"},
    {"set_block", "{% set body %}  hi {{ 1 + 1 }} {% endset %}[{{ body }}]{{ body|trim|upper }}",
     "[  hi 2 ]HI 2"},
    {"set_scope_for",
     "{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}|{{ x }}",
     "0102|0"},
    {"set_scope_if", "{% if true %}{% set z = 3 %}{% endif %}{{ z }}", "3"},
    {"namespace",
     "{% set ns = namespace(total=0, found=false) %}{% for i in [1, 2, 3] %}{% set ns.total = "
     "ns.total + i %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.total }} "
     "{{ ns.found }}",
     "6 True"},
    {"dict_global", "{{ dict(a=1, b='x') }}", "{'a': 1, 'b': 'x'}"},
    {"macro",
     "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ "
     "greet('Ann') }} {{ greet('Bob', 'Hi') }} {{ greet(greeting='Yo', name='Cy') }} {{ greet('D', "
     "greeting='Hey') }}",
     "Hello, Ann! Hi, Bob! Yo, Cy! Hey, D!"},
    {"macro_defaults_ref",
     "{% macro m(a, b=a * 2, c=none) %}{{ a }},{{ b }},{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, 5) "
     "}} {{ m(1, c='z') }}",
     "1,2,None 1,5,None 1,2,z"},
    {"macro_nested",
     "{% macro inner(x) %}<{{ x }}>{% endmacro %}{% macro outer(items, sep=', ') %}{% for i in "
     "items %}{{ inner(i) }}{{ sep if not loop.last }}{% endfor %}{% endmacro %}{{ outer([1, 2, "
     "3]) }}|{{ outer(['a'], sep=';') }}",
     "<1>, <2>, <3>|<a>"},
    {"macro_scope",
     "{% set y = 5 %}{% macro m() %}{{ y }}{% set y = 9 %}{{ y }}{% endmacro %}{{ m() }}{{ y }}",
     "595"},
    {"macro_late_global", "{% macro m() %}{{ y }}{% endmacro %}{% set y = 7 %}{{ m() }}", "7"},
    {"macro_recursive",
     "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro "
     "%}{{ fact(5) }}",
     "120"},
    {"macro_as_value",
     "{% macro m(x) %}[{{ x }}]{% endmacro %}{% set f = m %}{{ f(1) }} {{ m(2)|length }} {{ m('a') "
     "~ 'b' }}",
     "[1] 3 [a]b"},
    {"macro_in_loop",
     "{% for i in [1, 2] %}{% macro m() %}{{ i }}{% endmacro %}{{ m() }}{% endfor %}", "12"},
    {"call_block",
     "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') "
     "%}bold {{ 1 + 1 }}{% endcall %}",
     "<b>bold 2</b>"},
    {"call_block_args",
     "{% macro each(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% "
     "call(x) each([1, 2]) %}({{ x }}){% endcall %}",
     "(1)(2)"},
    {"raw", "{% raw %}{{ not }} {% if %}{% endraw %}|{% raw %}{# c #}{% endraw %}",
     "{{ not }} {% if %}|{# c #}"},
    {"comment", "a{# comment {{ x }} #}b{# multi\nline #}c", "abc"},
    {"brace_in_var", "{{ {'a': {'b': 1}} }}|{{ '}}' }}|{{ '%}' }}", "{'a': {'b': 1}}|}}|%}"},
    {"lit_eq", "{{ 'a' == \"a\" }} {{ 0 == false }} {{ 1 == true }} {{ [] == [] }}",
     "True True True True"},
};

Value Dict(std::initializer_list<std::pair<const char*, Value>> entries) {
  Value d = Value::EmptyDict();
  for (const auto& [k, v] : entries) d.mutable_dict().Set(Value(k), v);
  return d;
}

Value ConformanceContext() {
  return Dict({
      {"users", Value::List({Dict({{"name", "ann"}, {"age", 3}, {"admin", true}}),
                             Dict({{"name", "bob"}, {"age", 7}, {"admin", false}}),
                             Dict({{"name", "cy"}, {"age", 5}, {"admin", false}})})},
      {"d", Dict({{"a", 1}, {"b", 2}})},
      {"nums", Value::List({1, 2, 3, 4})},
  });
}

class ConformanceTest : public ::testing::TestWithParam<Case> {};

TEST_P(ConformanceTest, MatchesJinja2) {
  const Case& c = GetParam();
  Environment env;
  auto t = Template::Parse(c.source, std::string(c.name) + ".sql");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto out = t->Render(env, ConformanceContext());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, c.expected) << "template: " << c.source;
}

INSTANTIATE_TEST_SUITE_P(Jinja2, ConformanceTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace sluice::transform
