// CAST kernels. Numeric casts check ranges (an error, or NULL under TRY_CAST);
// DECIMAL rescaling rounds half away from zero, DOUBLE to integer rounds to nearest
// even; strings are parsed with value_parse.h and formatted as FormatCell does.
#include <charconv>
#include <cmath>

#include "core/time.h"
#include "sql/bound_expr.h"
#include "sql/kernel.h"
#include "sql/value_parse.h"

namespace sluice::sql {

namespace {

int64_t RoundDiv(int64_t a, int64_t d) {
  const int64_t q = a / d, r = a % d;
  if (2 * static_cast<__int128>(r < 0 ? -r : r) >= d) return a < 0 ? q - 1 : q + 1;
  return q;
}

// Numeric and boolean casts. Integer-like values (integers, DECIMAL unscaled,
// BOOLEAN) are rescaled from `from_scale` to `to_scale` digits and range-checked.
template <typename A, typename O>
struct NumericCast {
  int from_scale = 0;
  int to_scale = 0;
  bool to_bool = false;
  int64_t lo = INT64_MIN, hi = INT64_MAX;  // inclusive range of the target
  uint8_t operator()(A a, O* out) const {
    if constexpr (std::is_floating_point_v<O>) {
      *out = static_cast<O>(static_cast<double>(a) / static_cast<double>(Pow10(from_scale)));
      return kRowOk;
    } else if constexpr (std::is_floating_point_v<A>) {
      const double x = a * static_cast<double>(Pow10(to_scale));
      if (!std::isfinite(x) || x >= 9.2e18 || x <= -9.2e18) return kRowError;
      const int64_t v = to_scale > 0 || from_scale < 0 ? std::llround(x) : static_cast<int64_t>(std::nearbyint(x));
      if (v < lo || v > hi) return kRowError;
      *out = static_cast<O>(v);
      return kRowOk;
    } else {
      int64_t v = static_cast<int64_t>(a);
      if (to_bool) {
        *out = static_cast<O>(v != 0);
        return kRowOk;
      }
      if (to_scale > from_scale) {
        if (__builtin_mul_overflow(v, Pow10(to_scale - from_scale), &v)) return kRowError;
      } else if (to_scale < from_scale) {
        v = RoundDiv(v, Pow10(from_scale - to_scale));
      }
      if (v < lo || v > hi) return kRowError;
      *out = static_cast<O>(v);
      return kRowOk;
    }
  }
};

struct TimestampToDate {
  uint8_t operator()(int64_t ts, int32_t* out) const {
    int64_t d = ts / kMicrosPerDay;
    if (ts % kMicrosPerDay < 0) --d;
    *out = static_cast<int32_t>(d);
    return kRowOk;
  }
};
struct DateToTimestamp {
  uint8_t operator()(int32_t d, int64_t* out) const {
    *out = static_cast<int64_t>(d) * kMicrosPerDay;
    return kRowOk;
  }
};

template <typename A, typename O, typename Conv>
class FixedCastKernel final : public Kernel {
 public:
  FixedCastKernel(DataType type, KernelPtr arg, Conv conv, bool try_cast, ErrorSite site)
      : Kernel(type), arg_(std::move(arg)), conv_(conv), try_(try_cast), site_(std::move(site)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, arg_->Eval(in, active));
    if (try_) {
      auto soft = [this](A x, O* out) {
        const uint8_t r = conv_(x, out);
        return r == kRowError ? static_cast<uint8_t>(kRowNull) : r;
      };
      return UnaryFixed<A, O>(a, type_, in, active, soft, [](int64_t) { return Status::OK(); });
    }
    return UnaryFixed<A, O>(a, type_, in, active, conv_, [&](int64_t i) {
      return site_.Error("value " + FormatCell(a.column(), a.Index(i)) + " is out of range for " +
                         type_.ToString() + "; use TRY_CAST to get NULL instead");
    });
  }

 private:
  KernelPtr arg_;
  Conv conv_;
  bool try_;
  ErrorSite site_;
};

// Any type to VARCHAR.
class ToStringKernel final : public Kernel {
 public:
  explicit ToStringKernel(KernelPtr arg) : Kernel(DataType::Varchar()), arg_(std::move(arg)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, arg_->Eval(in, active));
    const int64_t n = a.constant ? 1 : in.rows;
    const Column& c = a.column();
    const DataType t = c.type();
    StringVectorBuilder b(n, n * 12);
    char buf[64];
    for (int64_t i = 0; i < n; ++i) {
      if (c.IsNull(i)) {
        b.AppendNull();
        continue;
      }
      int len = 0;
      switch (t.id) {
        case TypeId::kBoolean:
          b.Append(c.values<uint8_t>()[i] ? "true" : "false");
          continue;
        case TypeId::kInt32: len = static_cast<int>(std::to_chars(buf, buf + 64, c.values<int32_t>()[i]).ptr - buf); break;
        case TypeId::kInt64: len = static_cast<int>(std::to_chars(buf, buf + 64, c.values<int64_t>()[i]).ptr - buf); break;
        case TypeId::kDouble: {
          const double d = c.values<double>()[i];
          if (!std::isfinite(d)) {
            b.Append(std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity"));
            continue;
          }
          len = static_cast<int>(std::to_chars(buf, buf + 64, d).ptr - buf);
          break;
        }
        case TypeId::kDecimal: len = FormatDecimalTo(c.values<int64_t>()[i], t.scale, buf); break;
        case TypeId::kTimestamp: len = FormatTimestampTo(c.values<int64_t>()[i], buf); break;
        case TypeId::kDate: len = FormatDateTo(c.values<int32_t>()[i], buf); break;
        case TypeId::kInterval: b.Append(FormatInterval(c.values<Interval>()[i])); continue;
        case TypeId::kVarchar: b.Append(c.GetString(i)); continue;
      }
      b.Append(std::string_view(buf, static_cast<size_t>(len)));
    }
    return Vec{b.Finish(), a.constant};
  }

 private:
  KernelPtr arg_;
};

// VARCHAR to any fixed-width type.
template <typename O>
class FromStringKernel final : public Kernel {
 public:
  FromStringKernel(DataType type, KernelPtr arg, bool try_cast, ErrorSite site)
      : Kernel(type), arg_(std::move(arg)), try_(try_cast), site_(std::move(site)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, arg_->Eval(in, active));
    const int64_t n = a.constant ? 1 : in.rows;
    Validity validity = MergeValidity({&a}, n);
    Buffer values;
    values.Resize(static_cast<size_t>(n) * sizeof(O));
    O* out = values.mutable_data_as<O>();
    const Column& c = a.column();
    const bool any_active = a.constant ? AnyActive(active, in.rows) : true;
    for (int64_t i = 0; i < n; ++i) {
      out[i] = O{};
      if (!validity.IsValid(i)) continue;
      const std::string_view s = c.GetString(i);
      if (Parse(s, &out[i])) continue;
      const bool is_active = a.constant ? any_active : (active == nullptr || active[i]);
      if (!try_ && is_active) {
        return site_.Error("cannot cast '" + std::string(s) + "' to " + type_.ToString() +
                           "; use TRY_CAST to get NULL instead");
      }
      validity.SetNull(i, n);
    }
    return Vec{MakeColumn(type_, std::move(values), std::move(validity), n), a.constant};
  }

 private:
  bool Parse(std::string_view s, O* out) const {
    // INTERVAL has only its own text form; the branch keeps static_cast<O> below from being
    // instantiated for it (clang rejects that).
    if constexpr (std::is_same_v<O, Interval>) {
      return ParseIntervalText(s, out);
    } else {
      int64_t v = 0;
      switch (type_.id) {
        case TypeId::kBoolean: {
          bool b = false;
          if (!ParseBoolText(s, &b)) return false;
          *out = static_cast<O>(b);
          return true;
        }
        case TypeId::kInt32:
          if (!ParseInt64Text(s, &v) || v < INT32_MIN || v > INT32_MAX) return false;
          *out = static_cast<O>(v);
          return true;
        case TypeId::kInt64:
          if (!ParseInt64Text(s, &v)) return false;
          *out = static_cast<O>(v);
          return true;
        case TypeId::kDecimal:
          if (!ParseDecimalText(s, type_.precision, type_.scale, &v)) return false;
          *out = static_cast<O>(v);
          return true;
        case TypeId::kTimestamp:
          if (!ParseTimestamp(s, &v)) return false;
          *out = static_cast<O>(v);
          return true;
        case TypeId::kDate: {
          int32_t d = 0;
          if (!ParseDate(s, &d)) return false;
          *out = static_cast<O>(d);
          return true;
        }
        default: break;
      }
      if constexpr (std::is_same_v<O, double>) return ParseDoubleText(s, out);
      return false;
    }
  }

  KernelPtr arg_;
  bool try_;
  ErrorSite site_;
};

template <typename A, typename O>
KernelPtr NewNumeric(const DataType& from, const DataType& to, KernelPtr arg, bool try_cast, ErrorSite site) {
  NumericCast<A, O> conv;
  conv.from_scale = from.id == TypeId::kDecimal ? from.scale : 0;
  conv.to_scale = to.id == TypeId::kDecimal ? to.scale : 0;
  conv.to_bool = to.id == TypeId::kBoolean;
  if (to.id == TypeId::kInt32) {
    conv.lo = INT32_MIN;
    conv.hi = INT32_MAX;
  } else if (to.id == TypeId::kDecimal) {
    conv.hi = Pow10(to.precision) - 1;
    conv.lo = -conv.hi;
  }
  return KernelPtr(new FixedCastKernel<A, O, NumericCast<A, O>>(to, std::move(arg), conv, try_cast, std::move(site)));
}

// Dispatches on the target's physical type.
template <typename A>
KernelPtr NumericTo(const DataType& from, const DataType& to, KernelPtr arg, bool t, ErrorSite site) {
  switch (to.id) {
    case TypeId::kBoolean: return NewNumeric<A, uint8_t>(from, to, std::move(arg), t, std::move(site));
    case TypeId::kInt32: return NewNumeric<A, int32_t>(from, to, std::move(arg), t, std::move(site));
    case TypeId::kDouble: return NewNumeric<A, double>(from, to, std::move(arg), t, std::move(site));
    default: return NewNumeric<A, int64_t>(from, to, std::move(arg), t, std::move(site));
  }
}

template <typename O>
KernelPtr NewFromString(const DataType& to, KernelPtr arg, bool t, ErrorSite site) {
  return KernelPtr(new FromStringKernel<O>(to, std::move(arg), t, std::move(site)));
}

}  // namespace

Result<KernelPtr> MakeCastKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site) {
  KernelPtr arg = std::move(args[0]);
  const DataType from = arg->type();
  const DataType& to = e.type;
  const bool t = e.flag;
  if (from == to) return arg;
  if (to.id == TypeId::kVarchar) return KernelPtr(new ToStringKernel(std::move(arg)));
  if (from.id == TypeId::kVarchar) {
    switch (to.id) {
      case TypeId::kBoolean: return NewFromString<uint8_t>(to, std::move(arg), t, std::move(site));
      case TypeId::kInt32:
      case TypeId::kDate: return NewFromString<int32_t>(to, std::move(arg), t, std::move(site));
      case TypeId::kDouble: return NewFromString<double>(to, std::move(arg), t, std::move(site));
      case TypeId::kInterval: return NewFromString<Interval>(to, std::move(arg), t, std::move(site));
      default: return NewFromString<int64_t>(to, std::move(arg), t, std::move(site));
    }
  }
  if (from.id == TypeId::kTimestamp && to.id == TypeId::kDate) {
    return KernelPtr(new FixedCastKernel<int64_t, int32_t, TimestampToDate>(to, std::move(arg), {}, t, std::move(site)));
  }
  if (from.id == TypeId::kDate && to.id == TypeId::kTimestamp) {
    return KernelPtr(new FixedCastKernel<int32_t, int64_t, DateToTimestamp>(to, std::move(arg), {}, t, std::move(site)));
  }
  switch (from.id) {
    case TypeId::kBoolean: return NumericTo<uint8_t>(from, to, std::move(arg), t, std::move(site));
    case TypeId::kInt32: return NumericTo<int32_t>(from, to, std::move(arg), t, std::move(site));
    case TypeId::kInt64:
    case TypeId::kDecimal: return NumericTo<int64_t>(from, to, std::move(arg), t, std::move(site));
    case TypeId::kDouble: return NumericTo<double>(from, to, std::move(arg), t, std::move(site));
    default: break;
  }
  return Status::Internal("no cast from " + from.ToString() + " to " + to.ToString());
}

}  // namespace sluice::sql
