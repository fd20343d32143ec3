// Date and time kernels: TIMESTAMP +/- INTERVAL, differences, DATE +/- days,
// INTERVAL arithmetic and date_trunc. TIMESTAMP is UTC, so a day is 24 hours.
#include <algorithm>

#include "core/schema.h"
#include "core/time.h"
#include "sql/bound_expr.h"
#include "sql/kernel.h"

namespace sluice::sql {

namespace {

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

void SplitDay(int64_t micros, int64_t* days, int64_t* rem) {
  *days = micros / kMicrosPerDay;
  *rem = micros % kMicrosPerDay;
  if (*rem < 0) {
    *rem += kMicrosPerDay;
    --*days;
  }
}

// ts + sign * iv; months move the calendar date (clamping the day), as PostgreSQL does.
uint8_t AddInterval(int64_t ts, Interval iv, int sign, int64_t* out) {
  int64_t days = 0, rem = 0;
  SplitDay(ts, &days, &rem);
  if (iv.months != 0) {
    int y = 0, m = 0, d = 0;
    CivilFromDays(static_cast<int32_t>(days), &y, &m, &d);
    int64_t total = static_cast<int64_t>(y) * 12 + (m - 1) + sign * static_cast<int64_t>(iv.months);
    y = static_cast<int>(total >= 0 ? total / 12 : (total - 11) / 12);
    m = static_cast<int>(total - static_cast<int64_t>(y) * 12) + 1;
    d = std::min(d, DaysInMonth(y, m));
    days = DaysFromCivil(y, m, d);
  }
  int64_t r = 0;
  if (__builtin_mul_overflow(days + sign * static_cast<int64_t>(iv.days), kMicrosPerDay, &r) ||
      __builtin_add_overflow(r, rem, &r) ||
      __builtin_add_overflow(r, sign * iv.micros, &r)) {
    return kRowError;
  }
  *out = r;
  return kRowOk;
}

enum class TemporalFn {
  kTsAdd, kTsSub, kTsDiff, kDateAdd, kDateSub, kDateDiff, kIvAdd, kIvSub,
};

template <TemporalFn F>
struct TemporalOp {
  template <typename A, typename B, typename O>
  uint8_t operator()(A a, B b, O* out) const {
    if constexpr (F == TemporalFn::kTsAdd) return AddInterval(a, b, 1, out);
    if constexpr (F == TemporalFn::kTsSub) return AddInterval(a, b, -1, out);
    if constexpr (F == TemporalFn::kTsDiff) {
      int64_t d = 0;
      if (__builtin_sub_overflow(a, b, &d)) return kRowError;
      out->months = 0;
      out->days = static_cast<int32_t>(d / kMicrosPerDay);
      out->micros = d % kMicrosPerDay;
      return kRowOk;
    }
    if constexpr (F == TemporalFn::kDateAdd) return __builtin_add_overflow(a, b, out) ? kRowError : kRowOk;
    if constexpr (F == TemporalFn::kDateSub) return __builtin_sub_overflow(a, b, out) ? kRowError : kRowOk;
    if constexpr (F == TemporalFn::kDateDiff) return __builtin_sub_overflow(a, b, out) ? kRowError : kRowOk;
    if constexpr (F == TemporalFn::kIvAdd || F == TemporalFn::kIvSub) {
      const int s = F == TemporalFn::kIvAdd ? 1 : -1;
      const bool bad = __builtin_add_overflow(a.months, s * b.months, &out->months) ||
                       __builtin_add_overflow(a.days, s * b.days, &out->days) ||
                       __builtin_add_overflow(a.micros, s * b.micros, &out->micros);
      return bad ? kRowError : kRowOk;
    }
    return kRowOk;
  }
};

template <TemporalFn F, typename A, typename B, typename O>
class TemporalKernel final : public Kernel {
 public:
  TemporalKernel(DataType type, KernelPtr l, KernelPtr r, ErrorSite site)
      : Kernel(type), l_(std::move(l)), r_(std::move(r)), site_(std::move(site)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, l_->Eval(in, active));
    SLUICE_ASSIGN_OR_RETURN(Vec b, r_->Eval(in, active));
    return BinaryFixed<A, B, O>(a, b, type_, in, active, TemporalOp<F>{}, [&](int64_t i) {
      return site_.Error("date/time overflow (" + FormatCell(a.column(), a.Index(i)) + ", " +
                         FormatCell(b.column(), b.Index(i)) + ")");
    });
  }

 private:
  KernelPtr l_, r_;
  ErrorSite site_;
};

struct IntervalNegOp {
  uint8_t operator()(Interval a, Interval* out) const {
    const bool bad = __builtin_sub_overflow(0, a.months, &out->months) ||
                     __builtin_sub_overflow(0, a.days, &out->days) ||
                     __builtin_sub_overflow(int64_t{0}, a.micros, &out->micros);
    return bad ? kRowError : kRowOk;
  }
};

enum class TruncUnit { kMicro, kMilli, kSecond, kMinute, kHour, kDay, kWeek, kMonth, kQuarter, kYear };

struct DateTruncOp {
  TruncUnit unit;
  uint8_t operator()(int64_t ts, int64_t* out) const {
    auto floor_to = [&](int64_t step) {
      int64_t r = ts % step;
      if (r < 0) r += step;
      return ts - r;
    };
    switch (unit) {
      case TruncUnit::kMicro: *out = ts; return kRowOk;
      case TruncUnit::kMilli: *out = floor_to(1000); return kRowOk;
      case TruncUnit::kSecond: *out = floor_to(kMicrosPerSecond); return kRowOk;
      case TruncUnit::kMinute: *out = floor_to(60 * kMicrosPerSecond); return kRowOk;
      case TruncUnit::kHour: *out = floor_to(3600 * kMicrosPerSecond); return kRowOk;
      case TruncUnit::kDay: *out = floor_to(kMicrosPerDay); return kRowOk;
      default: break;
    }
    int64_t days = 0, rem = 0;
    SplitDay(ts, &days, &rem);
    if (unit == TruncUnit::kWeek) {  // ISO weeks start on Monday; 1970-01-01 was a Thursday
      int64_t dow = (days + 3) % 7;
      if (dow < 0) dow += 7;
      *out = (days - dow) * kMicrosPerDay;
      return kRowOk;
    }
    int y = 0, m = 0, d = 0;
    CivilFromDays(static_cast<int32_t>(days), &y, &m, &d);
    if (unit == TruncUnit::kQuarter) m = (m - 1) / 3 * 3 + 1;
    if (unit == TruncUnit::kYear) m = 1;
    *out = static_cast<int64_t>(DaysFromCivil(y, m, 1)) * kMicrosPerDay;
    return kRowOk;
  }
};

template <typename T, typename Op>
class UnaryOpKernel final : public Kernel {
 public:
  UnaryOpKernel(DataType type, KernelPtr arg, Op op, ErrorSite site)
      : Kernel(type), arg_(std::move(arg)), op_(op), site_(std::move(site)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, arg_->Eval(in, active));
    return UnaryFixed<T, T>(a, type_, in, active, op_, [&](int64_t i) {
      return site_.Error("date/time overflow (" + FormatCell(a.column(), a.Index(i)) + ")");
    });
  }

 private:
  KernelPtr arg_;
  Op op_;
  ErrorSite site_;
};

template <TemporalFn F, typename A, typename B, typename O>
KernelPtr NewTemporal(const DataType& t, std::vector<KernelPtr>& args, ErrorSite site) {
  return KernelPtr(new TemporalKernel<F, A, B, O>(t, std::move(args[0]), std::move(args[1]), std::move(site)));
}

}  // namespace

Result<KernelPtr> MakeTemporalKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site) {
  const DataType& t = e.type;
  switch (e.op) {
    case BoundOp::kTimestampAddInterval:
      return NewTemporal<TemporalFn::kTsAdd, int64_t, Interval, int64_t>(t, args, std::move(site));
    case BoundOp::kTimestampSubInterval:
      return NewTemporal<TemporalFn::kTsSub, int64_t, Interval, int64_t>(t, args, std::move(site));
    case BoundOp::kTimestampDiff:
      return NewTemporal<TemporalFn::kTsDiff, int64_t, int64_t, Interval>(t, args, std::move(site));
    case BoundOp::kDateAddDays:
      return NewTemporal<TemporalFn::kDateAdd, int32_t, int32_t, int32_t>(t, args, std::move(site));
    case BoundOp::kDateSubDays:
      return NewTemporal<TemporalFn::kDateSub, int32_t, int32_t, int32_t>(t, args, std::move(site));
    case BoundOp::kDateDiff:
      return NewTemporal<TemporalFn::kDateDiff, int32_t, int32_t, int32_t>(t, args, std::move(site));
    case BoundOp::kIntervalAdd:
      return NewTemporal<TemporalFn::kIvAdd, Interval, Interval, Interval>(t, args, std::move(site));
    case BoundOp::kIntervalSub:
      return NewTemporal<TemporalFn::kIvSub, Interval, Interval, Interval>(t, args, std::move(site));
    case BoundOp::kIntervalNeg:
      return KernelPtr(new UnaryOpKernel<Interval, IntervalNegOp>(t, std::move(args[0]), IntervalNegOp{},
                                                                 std::move(site)));
    case BoundOp::kDateTrunc: {
      const std::string& u = e.args[0]->value.string_value();
      static constexpr std::pair<std::string_view, TruncUnit> kUnits[] = {
          {"microseconds", TruncUnit::kMicro}, {"milliseconds", TruncUnit::kMilli},
          {"second", TruncUnit::kSecond},      {"minute", TruncUnit::kMinute},
          {"hour", TruncUnit::kHour},          {"day", TruncUnit::kDay},
          {"week", TruncUnit::kWeek},          {"month", TruncUnit::kMonth},
          {"quarter", TruncUnit::kQuarter},    {"year", TruncUnit::kYear}};
      TruncUnit unit = TruncUnit::kDay;
      for (const auto& [name, v] : kUnits) {
        if (EqualsIgnoreCase(name, u)) unit = v;
      }
      return KernelPtr(new UnaryOpKernel<int64_t, DateTruncOp>(t, std::move(args[1]), DateTruncOp{unit},
                                                              std::move(site)));
    }
    default: return Status::Internal("not a temporal op");
  }
}

}  // namespace sluice::sql
