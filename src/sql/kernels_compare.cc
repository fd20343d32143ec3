// Comparison kernels (= <> < <= > >=) for every type, and IN over a constant list.
#include <algorithm>
#include <string>

#include "core/time.h"
#include "sql/bound_expr.h"
#include "sql/kernel.h"

namespace sluice::sql {

namespace {

// Intervals order by their length with 30-day months, as PostgreSQL orders them.
__int128 Key(const Interval& iv) {
  return (static_cast<__int128>(iv.months) * 30 + iv.days) * kMicrosPerDay + iv.micros;
}
template <typename T>
T Key(T v) {
  return v;
}

template <typename K, BoundOp Op>
bool Compare(const K& a, const K& b) {
  if constexpr (Op == BoundOp::kEq) return a == b;
  if constexpr (Op == BoundOp::kNe) return a != b;
  if constexpr (Op == BoundOp::kLt) return a < b;
  if constexpr (Op == BoundOp::kLe) return a <= b;
  if constexpr (Op == BoundOp::kGt) return a > b;
  return a >= b;
}

template <typename T, BoundOp Op>
struct CompareOp {
  uint8_t operator()(const T& a, const T& b, uint8_t* out) const {
    *out = Compare<decltype(Key(a)), Op>(Key(a), Key(b));
    return kRowOk;
  }
};

template <typename T, BoundOp Op>
class CompareKernel final : public Kernel {
 public:
  CompareKernel(KernelPtr l, KernelPtr r)
      : Kernel(DataType::Boolean()), l_(std::move(l)), r_(std::move(r)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, l_->Eval(in, active));
    SLUICE_ASSIGN_OR_RETURN(Vec b, r_->Eval(in, active));
    return BinaryFixed<T, T, uint8_t>(a, b, type_, in, active, CompareOp<T, Op>{},
                                      [](int64_t) { return Status::Internal("compare"); });
  }

 private:
  KernelPtr l_, r_;
};

template <BoundOp Op>
class StringCompareKernel final : public Kernel {
 public:
  StringCompareKernel(KernelPtr l, KernelPtr r)
      : Kernel(DataType::Boolean()), l_(std::move(l)), r_(std::move(r)) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, l_->Eval(in, active));
    SLUICE_ASSIGN_OR_RETURN(Vec b, r_->Eval(in, active));
    if (a.IsConstNull() || b.IsConstNull()) return MakeNullConstant(type_);
    const bool constant = a.constant && b.constant;
    const int64_t n = constant ? 1 : in.rows;
    Validity validity = MergeValidity({&a, &b}, n);
    Buffer values;
    values.Resize(static_cast<size_t>(n));
    uint8_t* out = values.mutable_data();
    const Column& ca = a.column();
    const Column& cb = b.column();
    const int32_t* ao = ca.offsets();
    const int32_t* bo = cb.offsets();
    const char* as = ca.string_data();
    const char* bs = cb.string_data();
    if (!a.constant && b.constant) {
      ConstantRight(ca, cb.GetString(0), n, active, out);
      return Vec{MakeColumn(type_, std::move(values), std::move(validity), n), false};
    }
    for (int64_t i = 0; i < n; ++i) {
      const int64_t ia = a.Index(i), ib = b.Index(i);
      const std::string_view x(as + ao[ia], static_cast<size_t>(ao[ia + 1] - ao[ia]));
      const std::string_view y(bs + bo[ib], static_cast<size_t>(bo[ib + 1] - bo[ib]));
      out[i] = Compare<std::string_view, Op>(x, y);
    }
    return Vec{MakeColumn(type_, std::move(values), std::move(validity), n), constant};
  }

 private:
  // column <op> constant (the usual shape: lower(channel) = 'apple'). Rows not active
  // are not compared (their value is not needed). Equality tests the length first.
  static void ConstantRight(const Column& ca, std::string_view y, int64_t n, const uint8_t* active,
                            uint8_t* out) {
    const int32_t* ao = ca.offsets();
    const char* as = ca.string_data();
    for (int64_t i = 0; i < n; ++i) {
      if (active != nullptr && !active[i]) {
        out[i] = 0;
        continue;
      }
      const auto len = static_cast<size_t>(ao[i + 1] - ao[i]);
      if constexpr (Op == BoundOp::kEq || Op == BoundOp::kNe) {
        const bool eq = len == y.size() && BytesEqual(as + ao[i], y.data(), len);
        out[i] = (Op == BoundOp::kEq) == eq;
      } else {
        out[i] = Compare<std::string_view, Op>(std::string_view(as + ao[i], len), y);
      }
    }
  }

  KernelPtr l_, r_;
};

template <BoundOp Op>
Result<KernelPtr> MakeCompare(KernelPtr l, KernelPtr r) {
  switch (l->type().id) {
    case TypeId::kBoolean: return KernelPtr(new CompareKernel<uint8_t, Op>(std::move(l), std::move(r)));
    case TypeId::kInt32:
    case TypeId::kDate: return KernelPtr(new CompareKernel<int32_t, Op>(std::move(l), std::move(r)));
    case TypeId::kInt64:
    case TypeId::kDecimal:
    case TypeId::kTimestamp: return KernelPtr(new CompareKernel<int64_t, Op>(std::move(l), std::move(r)));
    case TypeId::kDouble: return KernelPtr(new CompareKernel<double, Op>(std::move(l), std::move(r)));
    case TypeId::kInterval: return KernelPtr(new CompareKernel<Interval, Op>(std::move(l), std::move(r)));
    case TypeId::kVarchar: return KernelPtr(new StringCompareKernel<Op>(std::move(l), std::move(r)));
  }
  return Status::Internal("compare");
}

// x IN (constants): sorted keys and binary search. NULL when x is NULL, or when x
// matches nothing and the list holds a NULL.
template <typename K>
class InListKernel final : public Kernel {
 public:
  InListKernel(KernelPtr x, std::vector<K> keys, bool list_has_null)
      : Kernel(DataType::Boolean()), x_(std::move(x)), keys_(std::move(keys)), has_null_(list_has_null) {
    std::sort(keys_.begin(), keys_.end());
  }
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec a, x_->Eval(in, active));
    if (a.IsConstNull()) return MakeNullConstant(type_);
    const int64_t n = a.constant ? 1 : in.rows;
    Validity validity = MergeValidity({&a}, n);
    Buffer values;
    values.Resize(static_cast<size_t>(n));
    uint8_t* out = values.mutable_data();
    const Column& c = a.column();
    const uint8_t* need = a.constant ? nullptr : active;
    if constexpr (std::is_same_v<K, std::string_view>) {
      if (keys_.size() <= kLinearKeys) {
        LinearStrings(c, n, need, out);
      } else {
        for (int64_t i = 0; i < n; ++i) out[i] = std::binary_search(keys_.begin(), keys_.end(), Get(c, i));
      }
    } else {
      for (int64_t i = 0; i < n; ++i) out[i] = std::binary_search(keys_.begin(), keys_.end(), Get(c, i));
    }
    if (has_null_) {
      for (int64_t i = 0; i < n; ++i) {
        if (!out[i]) validity.SetNull(i, n);
      }
    }
    return Vec{MakeColumn(type_, std::move(values), std::move(validity), n), a.constant};
  }

 private:
  static constexpr size_t kLinearKeys = 16;

  // A short string list: compare lengths, then bytes, key by key (no ordering
  // comparisons). Rows not needed (need[i] == 0) are not looked up.
  void LinearStrings(const Column& c, int64_t n, const uint8_t* need, uint8_t* out) const {
    const int32_t* off = c.offsets();
    const char* data = c.string_data();
    for (int64_t i = 0; i < n; ++i) {
      uint8_t hit = 0;
      if (need == nullptr || need[i]) {
        const auto len = static_cast<size_t>(off[i + 1] - off[i]);
        const char* x = data + off[i];
        for (const std::string_view& k : keys_) {
          if (k.size() == len && BytesEqual(k.data(), x, len)) {
            hit = 1;
            break;
          }
        }
      }
      out[i] = hit;
    }
  }

  K Get(const Column& c, int64_t i) const {
    if constexpr (std::is_same_v<K, std::string_view>) {
      return c.GetString(i);
    } else if constexpr (std::is_same_v<K, __int128>) {
      return Key(c.values<Interval>()[i]);
    } else {
      return c.values<K>()[i];
    }
  }
  KernelPtr x_;
  std::vector<K> keys_;
  bool has_null_;
};

template <typename K>
Result<KernelPtr> MakeInList(const std::vector<Value>& list, KernelPtr x) {
  std::vector<K> keys;
  bool has_null = false;
  for (const Value& v : list) {
    if (v.is_null()) {
      has_null = true;
    } else if constexpr (std::is_same_v<K, __int128>) {
      keys.push_back(Key(v.interval_value()));
    } else if constexpr (std::is_same_v<K, double>) {
      keys.push_back(v.double_value());
    } else {
      keys.push_back(static_cast<K>(v.int_value()));
    }
  }
  return KernelPtr(new InListKernel<K>(std::move(x), std::move(keys), has_null));
}

// Strings need owned keys: the view kernel keeps them alive.
class StringInListKernel final : public Kernel {
 public:
  StringInListKernel(const std::vector<Value>& list, KernelPtr x) : Kernel(DataType::Boolean()) {
    std::vector<std::string_view> views;
    bool has_null = false;
    for (const Value& v : list) {
      if (v.is_null()) {
        has_null = true;
      } else {
        storage_.push_back(v.string_value());
      }
    }
    for (const std::string& s : storage_) views.push_back(s);
    inner_ = std::make_unique<InListKernel<std::string_view>>(std::move(x), std::move(views), has_null);
  }
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override { return inner_->Eval(in, active); }

 private:
  std::vector<std::string> storage_;  // declared before inner_: outlives the views
  std::unique_ptr<InListKernel<std::string_view>> inner_;
};

}  // namespace

Result<KernelPtr> MakeCompareKernel(const BoundExpr& e, std::vector<KernelPtr> args) {
  switch (e.op) {
    case BoundOp::kEq: return MakeCompare<BoundOp::kEq>(std::move(args[0]), std::move(args[1]));
    case BoundOp::kNe: return MakeCompare<BoundOp::kNe>(std::move(args[0]), std::move(args[1]));
    case BoundOp::kLt: return MakeCompare<BoundOp::kLt>(std::move(args[0]), std::move(args[1]));
    case BoundOp::kLe: return MakeCompare<BoundOp::kLe>(std::move(args[0]), std::move(args[1]));
    case BoundOp::kGt: return MakeCompare<BoundOp::kGt>(std::move(args[0]), std::move(args[1]));
    case BoundOp::kGe: return MakeCompare<BoundOp::kGe>(std::move(args[0]), std::move(args[1]));
    case BoundOp::kInList: {
      KernelPtr x = std::move(args[0]);
      std::vector<Value> list;
      for (size_t i = 1; i < args.size(); ++i) {
        const Vec* c = args[i]->constant();
        if (c == nullptr) return Status::Internal("IN list item is not constant");
        list.push_back(GetValue(c->column(), 0));
      }
      switch (x->type().id) {
        case TypeId::kBoolean: return MakeInList<uint8_t>(list, std::move(x));
        case TypeId::kInt32:
        case TypeId::kDate: return MakeInList<int32_t>(list, std::move(x));
        case TypeId::kInt64:
        case TypeId::kDecimal:
        case TypeId::kTimestamp: return MakeInList<int64_t>(list, std::move(x));
        case TypeId::kDouble: return MakeInList<double>(list, std::move(x));
        case TypeId::kInterval: return MakeInList<__int128>(list, std::move(x));
        case TypeId::kVarchar: return KernelPtr(new StringInListKernel(list, std::move(x)));
      }
      return Status::Internal("IN");
    }
    default: return Status::Internal("not a comparison");
  }
}

}  // namespace sluice::sql
