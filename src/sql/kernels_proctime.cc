// PROCTIME(): the wall clock, read once per evaluated batch (every row of a batch gets
// the same value; successive batches never go backwards unless the system clock does).
#include "core/time.h"
#include "sql/bound_expr.h"
#include "sql/kernel.h"

namespace sluice::sql {

namespace {

class ProcTimeKernel final : public Kernel {
 public:
  ProcTimeKernel() : Kernel(DataType::Timestamp()) {}
  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    (void)in;
    (void)active;
    return MakeConstant(Value::Timestamp(NowMicros()), type_);
  }
};

}  // namespace

KernelPtr MakeProcTimeKernel(const BoundExpr& e) {
  (void)e;
  return KernelPtr(new ProcTimeKernel());
}

}  // namespace sluice::sql
