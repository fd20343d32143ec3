// JSON kernels: json_value, json_extract (->) and json_extract_string (->>), through
// simdjson's On Demand parser over one reused, padded scratch buffer (no per-row
// allocation). Only the part of the document up to the path is examined; text that is
// not JSON, or a path that is not there, gives NULL.
#include <simdjson.h>

#include <string>

#include "sql/bound_expr.h"
#include "sql/kernel.h"

namespace sluice::sql {

namespace {

enum class JsonMode { kJson, kText, kScalar };

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

class JsonKernel final : public Kernel {
 public:
  JsonKernel(JsonMode mode, std::string pointer, KernelPtr json)
      : Kernel(DataType::Varchar()), mode_(mode), pointer_(std::move(pointer)), json_(std::move(json)) {}

  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec j, json_->Eval(in, active));
    const int64_t n = j.constant ? 1 : in.rows;
    StringVectorBuilder b(n, static_cast<int64_t>(j.column().string_buffer().size() / 2));
    for (int64_t i = 0; i < n; ++i) {
      std::string_view out;
      if (j.IsValid(i) && Lookup(j.column().GetString(j.Index(i)), &out)) {
        b.Append(out);
      } else {
        b.AppendNull();
      }
    }
    return Vec{b.Finish(), j.constant};
  }

 private:
  // The value at the pointer in `text`, per mode_; false for NULL.
  bool Lookup(std::string_view text, std::string_view* out) {
    const size_t need = text.size() + simdjson::SIMDJSON_PADDING;
    if (scratch_.size() < need) scratch_.resize(need);
    std::copy(text.begin(), text.end(), scratch_.begin());
    simdjson::ondemand::document doc;
    if (parser_.iterate(scratch_.data(), text.size(), scratch_.size()).get(doc) != simdjson::SUCCESS) {
      return false;
    }
    simdjson::ondemand::value v;
    if (doc.at_pointer(pointer_).get(v) != simdjson::SUCCESS) return false;
    simdjson::ondemand::json_type t;
    if (v.type().get(t) != simdjson::SUCCESS) return false;
    switch (t) {
      case simdjson::ondemand::json_type::null: return false;
      case simdjson::ondemand::json_type::string:
        if (mode_ == JsonMode::kJson) {
          *out = TrimRight(v.raw_json_token());
          return true;
        }
        return v.get_string().get(*out) == simdjson::SUCCESS;
      case simdjson::ondemand::json_type::number:
      case simdjson::ondemand::json_type::boolean:
        *out = TrimRight(v.raw_json_token());
        return true;
      case simdjson::ondemand::json_type::object: {
        if (mode_ == JsonMode::kScalar) return false;
        simdjson::ondemand::object o;
        return v.get_object().get(o) == simdjson::SUCCESS && o.raw_json().get(*out) == simdjson::SUCCESS &&
               (*out = TrimRight(*out), true);
      }
      case simdjson::ondemand::json_type::array: {
        if (mode_ == JsonMode::kScalar) return false;
        simdjson::ondemand::array a;
        return v.get_array().get(a) == simdjson::SUCCESS && a.raw_json().get(*out) == simdjson::SUCCESS &&
               (*out = TrimRight(*out), true);
      }
    }
    return false;
  }

  JsonMode mode_;
  std::string pointer_;
  KernelPtr json_;
  simdjson::ondemand::parser parser_;
  std::string scratch_;
};

}  // namespace

Result<KernelPtr> MakeJsonKernel(const BoundExpr& e, std::vector<KernelPtr> args) {
  const Vec* pointer = args[1]->constant();
  if (pointer == nullptr || pointer->column().IsNull(0)) return Status::Internal("JSON path is not constant");
  const JsonMode mode = e.op == BoundOp::kJsonExtract         ? JsonMode::kJson
                        : e.op == BoundOp::kJsonExtractString ? JsonMode::kText
                                                              : JsonMode::kScalar;
  return KernelPtr(new JsonKernel(mode, std::string(pointer->column().GetString(0)), std::move(args[0])));
}

}  // namespace sluice::sql
