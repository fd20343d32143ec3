// Operators on Values with Python semantics (what Jinja2 does, since it runs on Python):
// int arithmetic is exact (overflow is an error rather than a bigint), `/` always gives a float,
// `//` and `%` floor toward negative infinity, `~` joins the string forms. bool counts as an
// int. Errors carry no location (the evaluator adds it) and name the operand types.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"
#include "transform/jinja_value.h"

namespace sluice::transform {

// `op` is one of + - * / // % ** ~. Results longer than `max_length` bytes (string or list
// repetition and concatenation) are refused.
Result<Value> BinaryOp(std::string_view op, const Value& a, const Value& b, size_t max_length);

// Unary minus / plus on a number.
Result<Value> UnaryOp(std::string_view op, const Value& v);

// `op` is one of == != < <= > >= in "not in". Ordering works on numbers, strings and lists;
// `in` on strings (substring), lists/tuples (element) and dicts (key).
Result<bool> CompareOp(std::string_view op, const Value& a, const Value& b);

// Ordering for sort/min/max: negative, zero or positive; error for unorderable types.
// With `case_insensitive`, strings compare by their ASCII-lowercased form.
Result<int> CompareValues(const Value& a, const Value& b, bool case_insensitive = false);

}  // namespace sluice::transform
