// Built-in filters (`value | name(args)`) and tests (`value is name(args)`).
//
// Filters: default/d, lower, upper, trim, replace, join, length/count, list, first, last, int,
// float, string, abs, round, capitalize, title, unique, sort, reverse, indent, tojson, format,
// map, select, reject, selectattr, rejectattr, items, min, max, sum, safe, and dbt's as_text,
// as_bool, as_number.
// Tests: defined, undefined, none, string, number, integer, float, boolean, true, false,
// mapping, iterable, sequence, callable, even, odd, divisibleby, eq/equalto/==, ne/!=,
// lt/</lessthan, le/<=, gt/>/greaterthan, ge/>=, in, sameas, lower, upper.
//
// Functions are pure (no location, no environment); the evaluator adds the location to errors
// and refuses undefined inputs except for `default`, `defined` and `undefined`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "transform/jinja_value.h"

namespace sluice::transform {

using FilterFunction = Result<Value> (*)(const Value& input, const CallArgs& args);
using TestFunction = Result<bool> (*)(const Value& input, const CallArgs& args);

// The filter or test called `name`, or nullptr.
FilterFunction FindFilter(std::string_view name);
TestFunction FindTest(std::string_view name);
// All names, for did-you-mean hints and docs.
std::vector<std::string> FilterNames();
std::vector<std::string> TestNames();

// JSON text of `v` as Jinja's tojson writes it: keys sorted, ", " and ": " separators,
// non-ASCII and <>&' escaped as \uXXXX. Errors for callables and undefined.
Result<std::string> ToJson(const Value& v);

}  // namespace sluice::transform
