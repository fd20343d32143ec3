// Three-valued logic (AND, OR, NOT, IS [NOT] NULL/TRUE/FALSE) and the conditional
// kernels CASE, COALESCE, GREATEST and LEAST, which pick each row's value from one of
// several inputs and evaluate an input only for the rows that may take it.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/time.h"
#include "sql/bound_expr.h"
#include "sql/kernel.h"

namespace sluice::sql {

namespace {

class AndOrKernel final : public Kernel {
 public:
  AndOrKernel(bool is_and, KernelPtr l, KernelPtr r)
      : Kernel(DataType::Boolean()), and_(is_and), l_(std::move(l)), r_(std::move(r)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, l_->Eval(in, active));
    // The right side is evaluated only for the rows whose left side does not decide
    // (is not FALSE for AND, not TRUE for OR): it then raises no error and does no
    // work on the others, whose result is the left side's whatever the right side is.
    const uint8_t dominant = and_ ? 0 : 1;
    const uint8_t* right_active = active;
    if (a.constant) {
      if (a.IsValid(0) && a.column().values<uint8_t>()[0] == dominant) return a;
    } else {
      const Column& ca = a.column();
      const uint8_t* av = ca.values<uint8_t>();
      const bool nulls = ca.has_nulls();
      right_.resize(static_cast<size_t>(in.rows));
      int64_t needed = 0;
      for (int64_t i = 0; i < in.rows; ++i) {
        const bool decided = av[i] == dominant && (!nulls || ca.IsValid(i));
        const uint8_t need = (active == nullptr || active[i]) && !decided;
        right_[static_cast<size_t>(i)] = need;
        needed += need;
      }
      if (needed == 0) return a;  // every needed row is decided by the left side
      right_active = right_.data();
    }
    SLUICE_ASSIGN_OR_RETURN(Vec b, r_->Eval(in, right_active));
    const bool constant = a.constant && b.constant;
    const int64_t n = constant ? 1 : in.rows;
    Buffer values;
    values.Resize(static_cast<size_t>(n));
    uint8_t* out = values.mutable_data();
    Validity validity;
    const uint8_t* av = a.column().values<uint8_t>();
    const uint8_t* bv = b.column().values<uint8_t>();
    const bool plain = !a.column().has_nulls() && !b.column().has_nulls();
    if (plain) {
      for (int64_t i = 0; i < n; ++i) {
        const uint8_t x = av[a.Index(i)], y = bv[b.Index(i)];
        out[i] = and_ ? (x & y) : (x | y);
      }
    } else {
      // The dominant value (FALSE for AND, TRUE for OR) wins over NULL.
      for (int64_t i = 0; i < n; ++i) {
        const bool an = !a.IsValid(i), bn = !b.IsValid(i);
        const uint8_t x = av[a.Index(i)], y = bv[b.Index(i)];
        if ((!an && x == dominant) || (!bn && y == dominant)) {
          out[i] = dominant;
        } else if (an || bn) {
          out[i] = 0;
          validity.SetNull(i, n);
        } else {
          out[i] = static_cast<uint8_t>(1 - dominant);
        }
      }
    }
    return Vec{MakeColumn(type_, std::move(values), std::move(validity), n), constant};
  }

 private:
  bool and_;
  KernelPtr l_, r_;
  std::vector<uint8_t> right_;  // scratch: the rows the right side must produce
};

// NOT and the IS tests over one input.
class BoolTestKernel final : public Kernel {
 public:
  BoolTestKernel(BoundOp op, KernelPtr arg) : Kernel(DataType::Boolean()), op_(op), arg_(std::move(arg)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, arg_->Eval(in, active));
    const int64_t n = a.constant ? 1 : in.rows;
    Buffer values;
    values.Resize(static_cast<size_t>(n));
    uint8_t* out = values.mutable_data();
    const Column& c = a.column();
    Validity validity;
    if (op_ == BoundOp::kNot) {
      validity = MergeValidity({&a}, n);
      const uint8_t* v = c.values<uint8_t>();
      for (int64_t i = 0; i < n; ++i) out[i] = v[i] ^ 1;
    } else if (op_ == BoundOp::kIsNull || op_ == BoundOp::kIsNotNull) {
      const uint8_t when_null = op_ == BoundOp::kIsNull ? 1 : 0;
      if (!c.has_nulls()) {
        if (n > 0) std::memset(out, when_null ^ 1, static_cast<size_t>(n));
      } else {
        const uint8_t* bits = c.validity_buffer().data();
        for (int64_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(BitIsSet(bits, i) ^ when_null);
      }
    } else {
      const uint8_t* v = c.values<uint8_t>();
      const bool want = op_ == BoundOp::kIsTrue || op_ == BoundOp::kIsNotTrue;
      const bool invert = op_ == BoundOp::kIsNotTrue || op_ == BoundOp::kIsNotFalse;
      for (int64_t i = 0; i < n; ++i) {
        const bool hit = c.IsValid(i) && (v[i] != 0) == want;
        out[i] = hit != invert;
      }
    }
    return Vec{MakeColumn(type_, std::move(values), std::move(validity), n), a.constant};
  }

 private:
  BoundOp op_;
  KernelPtr arg_;
};

// Builds the result of a picking kernel: row i takes sources[pick[i]] (NULL for -1).
template <typename T>
void BlendFixed(const std::vector<Vec>& sources, const int16_t* pick, int64_t n, T* out,
                Validity* validity) {
  for (int64_t i = 0; i < n; ++i) {
    const int16_t k = pick[i];
    if (k < 0 || !sources[static_cast<size_t>(k)].IsValid(i)) {
      out[i] = T{};
      validity->SetNull(i, n);
      continue;
    }
    const Vec& s = sources[static_cast<size_t>(k)];
    out[i] = s.column().values<T>()[s.Index(i)];
  }
}

ColumnPtr Blend(const DataType& type, const std::vector<Vec>& sources, const int16_t* pick, int64_t n) {
  if (type.IsVarLength()) {
    int64_t hint = 0;  // enough for every row taking the longest source
    for (const Vec& s : sources) {
      const auto bytes = static_cast<int64_t>(s.column().string_buffer().size());
      hint = std::max(hint, s.constant ? bytes * n : bytes);
    }
    StringVectorBuilder b(n, hint);
    for (int64_t i = 0; i < n; ++i) {
      const int16_t k = pick[i];
      if (k < 0 || !sources[static_cast<size_t>(k)].IsValid(i)) {
        b.AppendNull();
        continue;
      }
      const Vec& s = sources[static_cast<size_t>(k)];
      b.Append(s.column().GetString(s.Index(i)));
    }
    return b.Finish();
  }
  Buffer values;
  values.Resize(static_cast<size_t>(n * type.ByteWidth()));
  Validity validity;
  switch (type.ByteWidth()) {
    case 1: BlendFixed(sources, pick, n, values.mutable_data_as<uint8_t>(), &validity); break;
    case 4: BlendFixed(sources, pick, n, values.mutable_data_as<int32_t>(), &validity); break;
    case 8: BlendFixed(sources, pick, n, values.mutable_data_as<int64_t>(), &validity); break;
    default: BlendFixed(sources, pick, n, values.mutable_data_as<Interval>(), &validity); break;
  }
  validity.Recount(n);
  return MakeColumn(type, std::move(values), std::move(validity), n);
}

// CASE WHEN c0 THEN r0 ... [ELSE e] END: each condition sees only the rows no earlier
// branch took; each result is evaluated only for the rows that take it.
class CaseKernel final : public Kernel {
 public:
  CaseKernel(DataType type, std::vector<KernelPtr> args, bool has_else)
      : Kernel(type), args_(std::move(args)), has_else_(has_else) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    const int64_t n = in.rows;
    remaining_.assign(static_cast<size_t>(n), 1);
    if (active != nullptr && n > 0) std::memcpy(remaining_.data(), active, static_cast<size_t>(n));
    pick_.assign(static_cast<size_t>(n), -1);
    take_.resize(static_cast<size_t>(n));
    sources_.clear();
    const size_t pairs = (args_.size() - (has_else_ ? 1 : 0)) / 2;
    for (size_t k = 0; k < pairs; ++k) {
      SLUICE_ASSIGN_OR_RETURN(Vec cond, args_[2 * k]->Eval(in, remaining_.data()));
      const bool any = Take(cond, n, static_cast<int16_t>(sources_.size()));
      if (any) {
        SLUICE_ASSIGN_OR_RETURN(Vec r, args_[2 * k + 1]->Eval(in, take_.data()));
        sources_.push_back(std::move(r));
      } else {
        sources_.push_back(MakeNullConstant(type_));
      }
    }
    if (has_else_) {
      bool any = false;
      for (int64_t i = 0; i < n && !any; ++i) any = remaining_[i] != 0;
      if (any) {
        SLUICE_ASSIGN_OR_RETURN(Vec r, args_.back()->Eval(in, remaining_.data()));
        const auto k = static_cast<int16_t>(sources_.size());
        sources_.push_back(std::move(r));
        for (int64_t i = 0; i < n; ++i) {
          if (remaining_[i]) pick_[i] = k;
        }
      }
    }
    Vec out{Blend(type_, sources_, pick_.data(), n), false};
    sources_.clear();
    return out;
  }

 private:
  // Rows still remaining where cond is TRUE take branch `k`: marks them in take_ and
  // pick_, and clears them from remaining_. True if any row took it.
  bool Take(const Vec& cond, int64_t n, int16_t k) {
    const Column& c = cond.column();
    const uint8_t* cv = c.values<uint8_t>();
    uint8_t* rem = remaining_.data();
    uint8_t* take = take_.data();
    int16_t* pick = pick_.data();
    if (cond.constant) {
      const uint8_t t = c.IsValid(0) && cv[0] ? 1 : 0;
      for (int64_t i = 0; i < n; ++i) take[i] = rem[i] & t;
    } else if (c.has_nulls()) {
      for (int64_t i = 0; i < n; ++i) take[i] = rem[i] & (cv[i] != 0) & c.IsValid(i);
    } else {
      for (int64_t i = 0; i < n; ++i) take[i] = rem[i] & (cv[i] != 0);
    }
    uint8_t any = 0;
    for (int64_t i = 0; i < n; ++i) {
      const uint8_t t = take[i];
      any |= t;
      rem[i] &= static_cast<uint8_t>(t ^ 1);
      if (t) pick[i] = k;
    }
    return any != 0;
  }

  std::vector<KernelPtr> args_;
  bool has_else_;
  std::vector<uint8_t> remaining_, take_;
  std::vector<int16_t> pick_;
  std::vector<Vec> sources_;
};

// COALESCE: each argument is evaluated only for rows still NULL.
class CoalesceKernel final : public Kernel {
 public:
  CoalesceKernel(DataType type, std::vector<KernelPtr> args) : Kernel(type), args_(std::move(args)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    const int64_t n = in.rows;
    remaining_.assign(static_cast<size_t>(n), 1);
    if (active != nullptr && n > 0) std::memcpy(remaining_.data(), active, static_cast<size_t>(n));
    pick_.assign(static_cast<size_t>(n), -1);
    sources_.clear();
    for (size_t k = 0; k < args_.size(); ++k) {
      SLUICE_ASSIGN_OR_RETURN(Vec v, args_[k]->Eval(in, remaining_.data()));
      if (k == 0 && !v.column().has_nulls()) return v;  // nothing to fill
      bool left = false;
      for (int64_t i = 0; i < n; ++i) {
        if (remaining_[i] && v.IsValid(i)) {
          remaining_[i] = 0;
          pick_[i] = static_cast<int16_t>(k);
        }
        left = left || remaining_[i];
      }
      sources_.push_back(std::move(v));
      if (!left) break;
    }
    Vec out{Blend(type_, sources_, pick_.data(), n), false};
    sources_.clear();
    return out;
  }

 private:
  std::vector<KernelPtr> args_;
  std::vector<uint8_t> remaining_;
  std::vector<int16_t> pick_;
  std::vector<Vec> sources_;
};

__int128 OrderKey(const Interval& iv) {
  return (static_cast<__int128>(iv.months) * 30 + iv.days) * kMicrosPerDay + iv.micros;
}

// GREATEST / LEAST: the largest / smallest non-NULL argument.
template <typename T>
class ExtremeKernel final : public Kernel {
 public:
  ExtremeKernel(DataType type, std::vector<KernelPtr> args, bool greatest)
      : Kernel(type), args_(std::move(args)), greatest_(greatest) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    const int64_t n = in.rows;
    std::vector<Vec> sources;
    SLUICE_RETURN_NOT_OK(EvalChildren(args_, in, active, &sources));
    pick_.assign(static_cast<size_t>(n), -1);
    for (size_t k = 0; k < sources.size(); ++k) {
      const Vec& s = sources[k];
      for (int64_t i = 0; i < n; ++i) {
        if (!s.IsValid(i)) continue;
        const int16_t cur = pick_[i];
        if (cur < 0 || Better(s, i, sources[static_cast<size_t>(cur)])) pick_[i] = static_cast<int16_t>(k);
      }
    }
    return Vec{Blend(type_, sources, pick_.data(), n), false};
  }

 private:
  bool Better(const Vec& s, int64_t i, const Vec& cur) const {
    if constexpr (std::is_same_v<T, std::string_view>) {
      const auto a = s.column().GetString(s.Index(i));
      const auto b = cur.column().GetString(cur.Index(i));
      return greatest_ ? a > b : a < b;
    } else if constexpr (std::is_same_v<T, Interval>) {
      const auto a = OrderKey(s.column().values<T>()[s.Index(i)]);
      const auto b = OrderKey(cur.column().values<T>()[cur.Index(i)]);
      return greatest_ ? a > b : a < b;
    } else {
      const T a = s.column().values<T>()[s.Index(i)];
      const T b = cur.column().values<T>()[cur.Index(i)];
      return greatest_ ? a > b : a < b;
    }
  }
  std::vector<KernelPtr> args_;
  bool greatest_;
  std::vector<int16_t> pick_;
};

template <typename T>
KernelPtr NewExtreme(const DataType& t, std::vector<KernelPtr> args, bool greatest) {
  return KernelPtr(new ExtremeKernel<T>(t, std::move(args), greatest));
}

}  // namespace

Status EvalChildren(std::vector<KernelPtr>& children, const EvalInput& in, const uint8_t* active,
                    std::vector<Vec>* out) {
  out->clear();
  for (auto& c : children) {
    SLUICE_ASSIGN_OR_RETURN(Vec v, c->Eval(in, active));
    out->push_back(std::move(v));
  }
  return Status::OK();
}

Result<KernelPtr> MakeLogicKernel(const BoundExpr& e, std::vector<KernelPtr> args) {
  switch (e.op) {
    case BoundOp::kAnd:
    case BoundOp::kOr:
      return KernelPtr(new AndOrKernel(e.op == BoundOp::kAnd, std::move(args[0]), std::move(args[1])));
    case BoundOp::kNot:
    case BoundOp::kIsNull:
    case BoundOp::kIsNotNull:
    case BoundOp::kIsTrue:
    case BoundOp::kIsNotTrue:
    case BoundOp::kIsFalse:
    case BoundOp::kIsNotFalse:
      return KernelPtr(new BoolTestKernel(e.op, std::move(args[0])));
    case BoundOp::kCase:
      if (args.size() > 30000) return Status::Invalid("CASE has too many branches");
      return KernelPtr(new CaseKernel(e.type, std::move(args), e.flag));
    case BoundOp::kCoalesce:
      return KernelPtr(new CoalesceKernel(e.type, std::move(args)));
    case BoundOp::kGreatest:
    case BoundOp::kLeast: {
      const bool g = e.op == BoundOp::kGreatest;
      switch (e.type.id) {
        case TypeId::kBoolean: return NewExtreme<uint8_t>(e.type, std::move(args), g);
        case TypeId::kInt32:
        case TypeId::kDate: return NewExtreme<int32_t>(e.type, std::move(args), g);
        case TypeId::kInt64:
        case TypeId::kDecimal:
        case TypeId::kTimestamp: return NewExtreme<int64_t>(e.type, std::move(args), g);
        case TypeId::kDouble: return NewExtreme<double>(e.type, std::move(args), g);
        case TypeId::kInterval: return NewExtreme<Interval>(e.type, std::move(args), g);
        case TypeId::kVarchar: return NewExtreme<std::string_view>(e.type, std::move(args), g);
      }
      return Status::Internal("greatest");
    }
    default: return Status::Internal("not a logic op");
  }
}

}  // namespace sluice::sql
