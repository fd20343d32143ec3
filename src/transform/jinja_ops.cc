#include "transform/jinja_ops.h"

#include <cctype>
#include <cmath>
#include <string>

namespace sluice::transform {

namespace {

bool IsIntLike(const Value& v) { return v.is_int() || v.is_bool(); }
bool IsNumeric(const Value& v) { return v.is_number() || v.is_bool(); }
int64_t IntOf(const Value& v) { return v.is_bool() ? int64_t{v.as_bool()} : v.as_int(); }

Status TypeError(std::string_view op, const Value& a, const Value& b) {
  return Status::Invalid("unsupported operand types for " + std::string(op) + ": '" +
                         std::string(a.TypeName()) + "' and '" + std::string(b.TypeName()) + "'");
}

Status Overflow(std::string_view op) {
  return Status::OutOfRange("integer overflow in '" + std::string(op) + "' (integers are 64-bit)");
}

Status TooLong(size_t max_length) {
  return Status::OutOfRange("result would exceed the " + std::to_string(max_length) +
                            "-byte output limit");
}

Result<Value> Repeat(const Value& seq, int64_t n, size_t max_length) {
  if (n < 0) n = 0;
  if (seq.is_string()) {
    const std::string& s = seq.as_string();
    if (!s.empty() && static_cast<uint64_t>(n) > max_length / s.size()) return TooLong(max_length);
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return Value(std::move(out));
  }
  const ValueList& items = seq.as_list();
  if (!items.empty() && static_cast<uint64_t>(n) > max_length / items.size()) {
    return TooLong(max_length);
  }
  ValueList out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_tuple() ? Value::Tuple(std::move(out)) : Value::List(std::move(out));
}

Result<Value> IntPow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) {
      if (__builtin_mul_overflow(result, base, &result)) return Overflow("**");
    }
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(base, base, &base)) return Overflow("**");
  }
  return Value(result);
}

Result<Value> Arithmetic(std::string_view op, const Value& a, const Value& b) {
  if (IsIntLike(a) && IsIntLike(b)) {
    const int64_t x = IntOf(a);
    const int64_t y = IntOf(b);
    int64_t r = 0;
    if (op == "+") {
      if (__builtin_add_overflow(x, y, &r)) return Overflow(op);
      return Value(r);
    }
    if (op == "-") {
      if (__builtin_sub_overflow(x, y, &r)) return Overflow(op);
      return Value(r);
    }
    if (op == "*") {
      if (__builtin_mul_overflow(x, y, &r)) return Overflow(op);
      return Value(r);
    }
    if (op == "/") {
      if (y == 0) return Status::Invalid("division by zero");
      return Value(static_cast<double>(x) / static_cast<double>(y));
    }
    if (op == "//" || op == "%") {
      if (y == 0) return Status::Invalid("integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) return Overflow(op);
      int64_t q = x / y;
      int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      return op == "//" ? Value(q) : Value(m);
    }
    if (op == "**") {
      if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
      return IntPow(x, y);
    }
  }
  const double x = a.as_double();
  const double y = b.as_double();
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "/") {
    if (y == 0.0) return Status::Invalid("float division by zero");
    return Value(x / y);
  }
  if (op == "//" || op == "%") {
    if (y == 0.0) return Status::Invalid("float modulo or floor division by zero");
    double m = std::fmod(x, y);
    if (m != 0.0 && ((m < 0) != (y < 0))) m += y;
    if (op == "%") return Value(m);
    return Value(std::floor((x - m) / y + 0.5));  // (x - m) / y is integral up to rounding
  }
  if (op == "**") {
    if (x == 0.0 && y < 0) return Status::Invalid("0.0 cannot be raised to a negative power");
    return Value(std::pow(x, y));
  }
  return Status::Internal("unknown arithmetic operator " + std::string(op));
}

}  // namespace

Result<Value> BinaryOp(std::string_view op, const Value& a, const Value& b, size_t max_length) {
  if (op == "~") {
    std::string s = a.ToString();
    s += b.ToString();
    if (s.size() > max_length) return TooLong(max_length);
    return Value(std::move(s));
  }
  if (IsNumeric(a) && IsNumeric(b)) return Arithmetic(op, a, b);
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > max_length) return TooLong(max_length);
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list() && a.is_tuple() == b.is_tuple()) {
      ValueList out = a.as_list();
      out.insert(out.end(), b.as_list().begin(), b.as_list().end());
      return a.is_tuple() ? Value::Tuple(std::move(out)) : Value::List(std::move(out));
    }
    if (a.is_string() || b.is_string()) {
      return Status::Invalid("cannot add '" + std::string(a.TypeName()) + "' and '" +
                             std::string(b.TypeName()) +
                             "' with '+' (use '~' to join values as text)");
    }
  }
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && IsIntLike(b)) return Repeat(a, IntOf(b), max_length);
    if (IsIntLike(a) && (b.is_string() || b.is_list())) return Repeat(b, IntOf(a), max_length);
  }
  if (op == "%" && a.is_string()) {
    return Status::NotImplemented(
        "'%' string formatting is not supported (use the 'format' "
        "filter or '~')");
  }
  return TypeError(op, a, b);
}

Result<Value> UnaryOp(std::string_view op, const Value& v) {
  if (!IsNumeric(v)) {
    return Status::Invalid("bad operand type for unary " + std::string(op) + ": '" +
                           std::string(v.TypeName()) + "'");
  }
  if (op == "+") return v.is_bool() ? Value(IntOf(v)) : v;
  if (v.is_float()) return Value(-v.as_float());
  const int64_t x = IntOf(v);
  if (x == INT64_MIN) return Overflow("-");
  return Value(-x);
}

Result<int> CompareValues(const Value& a, const Value& b, bool case_insensitive) {
  if (IsNumeric(a) && IsNumeric(b)) {
    if (a.is_float() || b.is_float()) {
      const double x = a.as_double();
      const double y = b.as_double();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const int64_t x = IntOf(a);
    const int64_t y = IntOf(b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    if (!case_insensitive) {
      const int c = a.as_string().compare(b.as_string());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    const std::string& x = a.as_string();
    const std::string& y = b.as_string();
    const size_t n = std::min(x.size(), y.size());
    for (size_t i = 0; i < n; ++i) {
      const int cx = std::tolower(static_cast<unsigned char>(x[i]));
      const int cy = std::tolower(static_cast<unsigned char>(y[i]));
      if (cx != cy) return cx < cy ? -1 : 1;
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  if (a.is_list() && b.is_list()) {
    const ValueList& x = a.as_list();
    const ValueList& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (x[i].Equals(y[i])) continue;
      return CompareValues(x[i], y[i], case_insensitive);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  return Status::Invalid("cannot order '" + std::string(a.TypeName()) + "' and '" +
                         std::string(b.TypeName()) + "'");
}

Result<bool> CompareOp(std::string_view op, const Value& a, const Value& b) {
  if (op == "==") return a.Equals(b);
  if (op == "!=") return !a.Equals(b);
  if (op == "in" || op == "not in") {
    bool found = false;
    if (b.is_string()) {
      if (!a.is_string()) {
        return Status::Invalid("'in <string>' needs a string on the left, not '" +
                               std::string(a.TypeName()) + "'");
      }
      found = b.as_string().find(a.as_string()) != std::string::npos;
    } else if (b.is_list()) {
      for (const auto& item : b.as_list()) {
        if (item.Equals(a)) {
          found = true;
          break;
        }
      }
    } else if (b.is_dict()) {
      found = b.as_dict().Find(a) != nullptr;
    } else {
      return Status::Invalid("argument of type '" + std::string(b.TypeName()) +
                             "' is not a container ('in' needs a string, list or dict)");
    }
    return op == "in" ? found : !found;
  }
  auto c = CompareValues(a, b);
  if (!c.ok()) {
    return Status::Invalid("'" + std::string(op) + "' is not supported between '" +
                           std::string(a.TypeName()) + "' and '" + std::string(b.TypeName()) + "'");
  }
  if (op == "<") return *c < 0;
  if (op == "<=") return *c <= 0;
  if (op == ">") return *c > 0;
  if (op == ">=") return *c >= 0;
  return Status::Internal("unknown comparison " + std::string(op));
}

}  // namespace sluice::transform
