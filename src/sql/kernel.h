// Kernel: one node of a compiled expression. Kernels are built once per query by the
// ExpressionCompiler with their types fixed (template instances chosen then), and
// evaluated once per batch: one virtual call per node per batch, then plain loops
// over arrays. A kernel may keep scratch buffers, so an instance is
// thread-compatible, not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "sql/vector.h"

namespace sluice::sql {

// The rows an expression is evaluated over: the input columns and their length.
// Columns a query does not read may be null.
struct EvalInput {
  const std::vector<ColumnPtr>* columns = nullptr;
  int64_t rows = 0;
};

// Where a runtime error of a kernel points: "file:line:col" and the expression text.
struct ErrorSite {
  std::string where;
  std::string text;
  // "where: error: <what> in 'text'".
  Status Error(const std::string& what) const {
    return Status::Invalid(where + ": error: " + what + " in '" + text + "'");
  }
};

class Kernel {
 public:
  explicit Kernel(DataType type) : type_(type) {}
  virtual ~Kernel() = default;
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // Evaluates over in.rows rows. `active` (null = all rows) marks the rows whose
  // values are needed: errors (overflow, failed casts) are reported only for active
  // rows, so CASE and COALESCE branches fail only where they are taken. The result
  // has in.rows rows, or is a constant.
  virtual Result<Vec> Eval(const EvalInput& in, const uint8_t* active) = 0;

  const DataType& type() const { return type_; }
  // Non-null for a constant kernel (after folding).
  virtual const Vec* constant() const { return nullptr; }

 protected:
  DataType type_;
};
using KernelPtr = std::unique_ptr<Kernel>;

// Outcome of one row of a fallible scalar function.
enum RowResult : uint8_t { kRowOk = 0, kRowNull = 1, kRowError = 2 };

// Applies fn(a, &out) -> RowResult over a fixed-width vector. Rows flagged kRowNull
// become NULL; the first active, valid row flagged kRowError fails the batch with
// on_error(row index into a) as the message.
template <typename A, typename O, typename Fn, typename OnError>
Result<Vec> UnaryFixed(const Vec& a, const DataType& out_type, const EvalInput& in,
                       const uint8_t* active, Fn fn, OnError on_error) {
  const bool constant = a.constant;
  const int64_t n = constant ? 1 : in.rows;
  Validity validity = MergeValidity({&a}, n);
  if (constant && validity.null_count == 1) return MakeNullConstant(out_type);
  Buffer values;
  values.Resize(static_cast<size_t>(n) * sizeof(O));
  O* out = values.template mutable_data_as<O>();
  const A* av = a.col->template values<A>();
  uint8_t flags = 0;
  for (int64_t i = 0; i < n; ++i) flags |= fn(av[i], &out[i]);
  if (flags != 0) {
    const bool any_active = constant ? AnyActive(active, in.rows) : true;
    for (int64_t i = 0; i < n; ++i) {
      if (!validity.IsValid(i)) continue;
      const uint8_t r = fn(av[i], &out[i]);
      if (r == kRowNull) {
        validity.SetNull(i, n);
      } else if (r == kRowError) {
        if (constant ? any_active : (active == nullptr || active[i])) return on_error(i);
        validity.SetNull(i, n);
      }
    }
  }
  return Vec{MakeColumn(out_type, std::move(values), std::move(validity), n), constant};
}

// The binary counterpart: fn(a, b, &out) -> RowResult; on_error(row) builds the error.
template <bool AC, bool BC, typename A, typename B, typename O, typename Fn>
uint8_t BinaryLoop(const A* a, const B* b, O* out, int64_t n, Fn& fn) {
  uint8_t flags = 0;
  for (int64_t i = 0; i < n; ++i) flags |= fn(a[AC ? 0 : i], b[BC ? 0 : i], &out[i]);
  return flags;
}

template <typename A, typename B, typename O, typename Fn, typename OnError>
Result<Vec> BinaryFixed(const Vec& a, const Vec& b, const DataType& out_type, const EvalInput& in,
                        const uint8_t* active, Fn fn, OnError on_error) {
  const bool constant = a.constant && b.constant;
  const int64_t n = constant ? 1 : in.rows;
  if (a.IsConstNull() || b.IsConstNull()) return MakeNullConstant(out_type);
  Validity validity = MergeValidity({&a, &b}, n);
  Buffer values;
  values.Resize(static_cast<size_t>(n) * sizeof(O));
  O* out = values.template mutable_data_as<O>();
  const A* av = a.col->template values<A>();
  const B* bv = b.col->template values<B>();
  uint8_t flags;
  if (a.constant && !b.constant) {
    flags = BinaryLoop<true, false>(av, bv, out, n, fn);
  } else if (!a.constant && b.constant) {
    flags = BinaryLoop<false, true>(av, bv, out, n, fn);
  } else {
    flags = BinaryLoop<false, false>(av, bv, out, n, fn);
  }
  if (flags != 0) {
    const bool any_active = constant ? AnyActive(active, in.rows) : true;
    for (int64_t i = 0; i < n; ++i) {
      if (!validity.IsValid(i)) continue;
      const uint8_t r = fn(av[a.Index(i)], bv[b.Index(i)], &out[i]);
      if (r == kRowNull) {
        validity.SetNull(i, n);
      } else if (r == kRowError) {
        if (constant ? any_active : (active == nullptr || active[i])) return on_error(i);
        validity.SetNull(i, n);
      }
    }
  }
  return Vec{MakeColumn(out_type, std::move(values), std::move(validity), n), constant};
}

// Evaluates every child kernel in order into `out`.
Status EvalChildren(std::vector<KernelPtr>& children, const EvalInput& in, const uint8_t* active,
                    std::vector<Vec>* out);

// Kernel factories, one per family (kernels_*.cc). Each returns a kernel for the
// bound node's op over children already compiled, or an Internal error for a type
// combination the binder should have refused.
struct BoundExpr;
Result<KernelPtr> MakeArithmeticKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site);
Result<KernelPtr> MakeTemporalKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site);
Result<KernelPtr> MakeCompareKernel(const BoundExpr& e, std::vector<KernelPtr> args);
Result<KernelPtr> MakeLogicKernel(const BoundExpr& e, std::vector<KernelPtr> args);
Result<KernelPtr> MakeStringKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site);
Result<KernelPtr> MakeCastKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site);
Result<KernelPtr> MakeMathKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site);
Result<KernelPtr> MakeTextKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site);
Result<KernelPtr> MakeDateTimeKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site);
// PROCTIME(): a constant per batch holding the wall clock when the batch is evaluated.
KernelPtr MakeProcTimeKernel(const BoundExpr& e);
Result<KernelPtr> MakeJsonKernel(const BoundExpr& e, std::vector<KernelPtr> args);

}  // namespace sluice::sql
