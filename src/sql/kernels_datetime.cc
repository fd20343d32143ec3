// Date/time kernels: EXTRACT (and hour(), year(), ...) and date_format/to_char. The
// field or the format is resolved once per query.
#include "sql/bound_expr.h"
#include "sql/datetime_format.h"
#include "sql/kernel.h"

namespace sluice::sql {

namespace {

class ExtractKernel final : public Kernel {
 public:
  ExtractKernel(ExtractField field, KernelPtr ts) : Kernel(DataType::Int64()), field_(field), ts_(std::move(ts)) {}

  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec ts, ts_->Eval(in, active));
    const ExtractField f = field_;
    return UnaryFixed<int64_t, int64_t>(
        ts, type_, in, active,
        [f](int64_t micros, int64_t* out) {
          *out = ExtractFromTimestamp(f, micros);
          return uint8_t{kRowOk};
        },
        [](int64_t) { return Status::Internal("extract cannot fail"); });
  }

 private:
  ExtractField field_;
  KernelPtr ts_;
};

class DateFormatKernel final : public Kernel {
 public:
  DateFormatKernel(DateTimeFormat format, KernelPtr ts)
      : Kernel(DataType::Varchar()), format_(std::move(format)), ts_(std::move(ts)) {}

  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec ts, ts_->Eval(in, active));
    const int64_t n = ts.constant ? 1 : in.rows;
    StringVectorBuilder b(n, n * static_cast<int64_t>(format_.MaxLength()));
    const int64_t* v = ts.column().values<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      if (!ts.IsValid(i)) {
        b.AppendNull();
        continue;
      }
      char* out = b.Reserve(format_.MaxLength());
      b.Commit(format_.Format(v[i], out));
    }
    return Vec{b.Finish(), ts.constant};
  }

 private:
  DateTimeFormat format_;
  KernelPtr ts_;
};

}  // namespace

Result<KernelPtr> MakeDateTimeKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site) {
  (void)site;
  if (e.op == BoundOp::kExtract) {
    const Vec* name = args[0]->constant();
    ExtractField field;
    if (name == nullptr || name->column().IsNull(0) ||
        !ParseExtractField(name->column().GetString(0), &field)) {
      return Status::Internal("extract field is not a known constant");
    }
    return KernelPtr(new ExtractKernel(field, std::move(args[1])));
  }
  if (e.op == BoundOp::kDateFormat) {
    const Vec* fmt = args[1]->constant();
    if (fmt == nullptr) return Status::Internal("date format is not constant");
    if (fmt->column().IsNull(0)) return KernelPtr(nullptr);
    SLUICE_ASSIGN_OR_RETURN(
        DateTimeFormat f,
        DateTimeFormat::Compile(fmt->column().GetString(0),
                                e.flag ? DateTimeFormat::Style::kPostgres : DateTimeFormat::Style::kJava));
    return KernelPtr(new DateFormatKernel(std::move(f), std::move(args[0])));
  }
  return Status::Internal("not a date/time op");
}

}  // namespace sluice::sql
