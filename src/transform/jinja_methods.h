// Built-in methods callable on values, the Python ones dbt macros use:
//   string: upper lower strip lstrip rstrip split replace startswith endswith format join
//           title capitalize find count
//   dict:   items keys values get update pop copy
//   list:   append extend pop insert index count (tuples: index count)
// List and dict mutators change the shared container (reference semantics, see jinja_value.h).
// Case conversion is ASCII only. Errors carry no location; the evaluator adds it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "transform/jinja_value.h"

namespace sluice::transform {

// True when `receiver` has a method `name`.
bool HasMethod(const Value& receiver, std::string_view name);
// The method names of `receiver`'s type (for did-you-mean hints).
std::vector<std::string> MethodNames(const Value& receiver);
// Calls `receiver.name(args)`. Errors: wrong arguments, wrong types, mutating a tuple.
Result<Value> CallMethod(const Value& receiver, std::string_view name, const CallArgs& args);

// String helpers shared with the filters (Python semantics, ASCII case mapping).
std::string AsciiUpper(std::string_view s);
std::string AsciiLower(std::string_view s);
std::string Capitalize(std::string_view s);
// Jinja's `title`: upper-cases the first letter after whitespace, '-', '(', '{', '[', '<'.
std::string Title(std::string_view s);
// Strips `chars` (whitespace when empty) from the left and/or right.
std::string StripChars(std::string_view s, std::string_view chars, bool left, bool right);
// Splits into UTF-8 code points (Python iterates strings by character).
std::vector<std::string> Utf8Chars(std::string_view s);
// What iterating `v` visits in Python: list/tuple items, dict keys, string characters;
// nullopt for anything else (callers say what they expected).
std::optional<ValueList> IterItems(const Value& v);
// Python's str.format: {} {0} {name}, {{ and }}; format specs are refused.
Result<std::string> PyFormat(std::string_view fmt, const CallArgs& args);

}  // namespace sluice::transform
