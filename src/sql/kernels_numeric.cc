// Numeric kernels: + - * / % and unary minus over INT32, INT64, DOUBLE and DECIMAL
// (unscaled INT64), and abs, round, floor, ceil.
#include <cmath>
#include <limits>

#include "sql/bound_expr.h"
#include "sql/kernel.h"

namespace sluice::sql {

namespace {

// Integer overflow is an error; a DECIMAL result with precision 18 must also stay
// below 10^18 (limit; 0 = no limit). Division and modulo by zero give NULL.
template <typename T, char Op>
struct ArithOp {
  int64_t limit = 0;
  uint8_t operator()(T a, T b, T* out) const {
    if constexpr (std::is_floating_point_v<T>) {
      if constexpr (Op == '+') *out = a + b;
      if constexpr (Op == '-') *out = a - b;
      if constexpr (Op == '*') *out = a * b;
      if constexpr (Op == '/') {
        if (b == 0) return kRowNull;
        *out = a / b;
      }
      if constexpr (Op == '%') {
        if (b == 0) return kRowNull;
        *out = std::fmod(a, b);
      }
      return kRowOk;
    } else {
      bool overflow = false;
      if constexpr (Op == '+') overflow = __builtin_add_overflow(a, b, out);
      if constexpr (Op == '-') overflow = __builtin_sub_overflow(a, b, out);
      if constexpr (Op == '*') overflow = __builtin_mul_overflow(a, b, out);
      if constexpr (Op == '/') {
        if (b == 0) return kRowNull;
        if (b == -1) {
          overflow = __builtin_sub_overflow(T{0}, a, out);
        } else {
          *out = a / b;
        }
      }
      if constexpr (Op == '%') {
        if (b == 0) return kRowNull;
        *out = b == -1 ? 0 : a % b;
      }
      if (limit != 0 && (*out >= limit || *out <= -limit)) overflow = true;
      return overflow ? kRowError : kRowOk;
    }
  }
};

template <typename T, char Op>
class ArithKernel final : public Kernel {
 public:
  ArithKernel(DataType type, KernelPtr l, KernelPtr r, ErrorSite site)
      : Kernel(type), l_(std::move(l)), r_(std::move(r)), site_(std::move(site)) {
    if (type.id == TypeId::kDecimal && type.precision >= kMaxDecimalPrecision) {
      op_.limit = Pow10(kMaxDecimalPrecision);
    }
  }
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, l_->Eval(in, active));
    SLUICE_ASSIGN_OR_RETURN(Vec b, r_->Eval(in, active));
    return BinaryFixed<T, T, T>(a, b, type_, in, active, op_, [&](int64_t i) {
      return site_.Error(std::string(type_.id == TypeId::kDecimal ? "DECIMAL" : "integer") +
                         " overflow (" + FormatCell(a.column(), a.Index(i)) + " " + Op + " " +
                         FormatCell(b.column(), b.Index(i)) + " does not fit " + type_.ToString() + ")");
    });
  }

 private:
  KernelPtr l_, r_;
  ErrorSite site_;
  ArithOp<T, Op> op_;
};

template <char Op>
Result<KernelPtr> MakeArith(const DataType& t, KernelPtr l, KernelPtr r, ErrorSite site) {
  switch (l->type().id) {
    case TypeId::kInt32: return KernelPtr(new ArithKernel<int32_t, Op>(t, std::move(l), std::move(r), std::move(site)));
    case TypeId::kInt64:
    case TypeId::kDecimal: return KernelPtr(new ArithKernel<int64_t, Op>(t, std::move(l), std::move(r), std::move(site)));
    case TypeId::kDouble: return KernelPtr(new ArithKernel<double, Op>(t, std::move(l), std::move(r), std::move(site)));
    default: return Status::Internal("arithmetic on " + l->type().ToString());
  }
}

// Unary numeric functions: fn(a, &out) -> RowResult.
enum class MathFn { kNeg, kAbs, kRound, kFloor, kCeil };

template <typename T>
struct MathOp {
  MathFn fn;
  int64_t divisor = 1;   // DECIMAL / integer rounding: 10^(dropped digits)
  int64_t multiplier = 1;  // scale back up for negative digits
  double dfactor = 1;    // DOUBLE rounding: 10^digits
  uint8_t operator()(T a, T* out) const {
    if constexpr (std::is_floating_point_v<T>) {
      switch (fn) {
        case MathFn::kNeg: *out = -a; break;
        case MathFn::kAbs: *out = std::fabs(a); break;
        case MathFn::kRound: *out = dfactor == 1 ? std::round(a) : std::round(a * dfactor) / dfactor; break;
        case MathFn::kFloor: *out = std::floor(a); break;
        case MathFn::kCeil: *out = std::ceil(a); break;
      }
      return kRowOk;
    } else {
      switch (fn) {
        case MathFn::kNeg:
          return __builtin_sub_overflow(T{0}, a, out) ? kRowError : kRowOk;
        case MathFn::kAbs:
          if (a >= 0) {
            *out = a;
            return kRowOk;
          }
          return __builtin_sub_overflow(T{0}, a, out) ? kRowError : kRowOk;
        case MathFn::kRound: {
          const T q = static_cast<T>(a / divisor);
          const T r = static_cast<T>(a % divisor);
          T v = q;
          if (2 * static_cast<__int128>(r < 0 ? -r : r) >= divisor) v = static_cast<T>(a < 0 ? q - 1 : q + 1);
          return __builtin_mul_overflow(v, static_cast<T>(multiplier), out) ? kRowError : kRowOk;
        }
        case MathFn::kFloor:
        case MathFn::kCeil: {
          T q = static_cast<T>(a / divisor);
          const T r = static_cast<T>(a % divisor);
          if (fn == MathFn::kFloor && r < 0) --q;
          if (fn == MathFn::kCeil && r > 0) ++q;
          *out = q;
          return kRowOk;
        }
      }
      return kRowOk;
    }
  }
};

template <typename T>
class MathKernel final : public Kernel {
 public:
  MathKernel(DataType type, KernelPtr arg, MathOp<T> op, ErrorSite site)
      : Kernel(type), arg_(std::move(arg)), op_(op), site_(std::move(site)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, arg_->Eval(in, active));
    return UnaryFixed<T, T>(a, type_, in, active, op_, [&](int64_t i) {
      return site_.Error("overflow (" + FormatCell(a.column(), a.Index(i)) + " has no " +
                         type_.ToString() + " result)");
    });
  }

 private:
  KernelPtr arg_;
  MathOp<T> op_;
  ErrorSite site_;
};

template <typename T>
KernelPtr NewMath(const DataType& t, KernelPtr arg, MathOp<T> op, ErrorSite site) {
  return KernelPtr(new MathKernel<T>(t, std::move(arg), op, std::move(site)));
}

}  // namespace

Result<KernelPtr> MakeArithmeticKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site) {
  switch (e.op) {
    case BoundOp::kAdd: return MakeArith<'+'>(e.type, std::move(args[0]), std::move(args[1]), std::move(site));
    case BoundOp::kSub: return MakeArith<'-'>(e.type, std::move(args[0]), std::move(args[1]), std::move(site));
    case BoundOp::kMul: return MakeArith<'*'>(e.type, std::move(args[0]), std::move(args[1]), std::move(site));
    case BoundOp::kDiv: return MakeArith<'/'>(e.type, std::move(args[0]), std::move(args[1]), std::move(site));
    case BoundOp::kMod: return MakeArith<'%'>(e.type, std::move(args[0]), std::move(args[1]), std::move(site));
    default: return Status::Internal("not an arithmetic op");
  }
}

Result<KernelPtr> MakeMathKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site) {
  MathFn fn = MathFn::kNeg;
  switch (e.op) {
    case BoundOp::kNeg: fn = MathFn::kNeg; break;
    case BoundOp::kAbs: fn = MathFn::kAbs; break;
    case BoundOp::kRound: fn = MathFn::kRound; break;
    case BoundOp::kFloor: fn = MathFn::kFloor; break;
    case BoundOp::kCeil: fn = MathFn::kCeil; break;
    default: return Status::Internal("not a math op");
  }
  const DataType in = args[0]->type();
  const int64_t digits = e.op == BoundOp::kRound && e.args.size() > 1 ? e.args[1]->value.int_value() : 0;
  KernelPtr arg = std::move(args[0]);
  switch (in.id) {
    case TypeId::kDouble: {
      MathOp<double> op{fn};
      op.dfactor = std::pow(10.0, static_cast<double>(digits));
      return NewMath<double>(e.type, std::move(arg), op, std::move(site));
    }
    case TypeId::kInt32:
    case TypeId::kInt64:
    case TypeId::kDecimal: {
      MathOp<int64_t> op{fn};
      const int scale = in.id == TypeId::kDecimal ? in.scale : 0;
      const int out_scale = e.type.id == TypeId::kDecimal ? e.type.scale : 0;
      if (fn == MathFn::kRound) {
        // Drop (scale - out_scale) digits, and |digits| more for negative digits.
        const int extra = digits < 0 ? static_cast<int>(-digits) : 0;
        const int drop = scale - out_scale + extra;
        if (drop > 18) {  // rounds everything to zero
          op.divisor = Pow10(18);
        } else {
          op.divisor = Pow10(drop);
        }
        op.multiplier = Pow10(std::min(extra, 18));
      } else if (fn == MathFn::kFloor || fn == MathFn::kCeil) {
        op.divisor = Pow10(scale);
      }
      if (in.id == TypeId::kInt32) {
        MathOp<int32_t> op32{fn, op.divisor, op.multiplier, 1};
        return NewMath<int32_t>(e.type, std::move(arg), op32, std::move(site));
      }
      return NewMath<int64_t>(e.type, std::move(arg), op, std::move(site));
    }
    default: return Status::Internal("math on " + in.ToString());
  }
}

}  // namespace sluice::sql
