// String kernels: ||, lower, upper, length, trim, substring, concat, replace, LIKE
// and regexp_matches. Positions and lengths count UTF-8 characters; case mapping is
// ASCII only.
#include <re2/re2.h>

#include <cctype>
#include <memory>

#include "sql/bound_expr.h"
#include "sql/kernel.h"
#include "sql/like_pattern.h"
#include "sql/regexp_prefilter.h"

namespace sluice::sql {

namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Byte offset of character `chars` (0-based) in s, clamped to s.size().
size_t CharOffset(std::string_view s, int64_t chars) {
  size_t i = 0;
  while (chars > 0 && i < s.size()) {
    ++i;
    while (i < s.size() && IsContinuation(s[i])) ++i;
    --chars;
  }
  return i;
}

// Row-wise evaluation shared by the string kernels: `Fn` gets the row's argument
// vectors and index and writes one value; NULL in any argument gives NULL unless
// kNullSkipping.
struct RowLoop {
  static int64_t Rows(const std::vector<Vec>& args, const EvalInput& in, bool* constant) {
    *constant = true;
    for (const Vec& v : args) *constant = *constant && v.constant;
    return *constant ? 1 : in.rows;
  }
  static bool AnyNull(const std::vector<Vec>& args, int64_t i) {
    for (const Vec& v : args) {
      if (!v.IsValid(i)) return true;
    }
    return false;
  }
};

std::string_view Str(const Vec& v, int64_t i) { return v.column().GetString(v.Index(i)); }
int64_t Int(const Vec& v, int64_t i) { return v.column().values<int64_t>()[v.Index(i)]; }

enum class StrFn { kConcatOp, kLower, kUpper, kTrim, kLtrim, kRtrim, kSubstring, kConcat, kReplace };

// VARCHAR-producing functions.
class StringKernel final : public Kernel {
 public:
  StringKernel(StrFn fn, std::vector<KernelPtr> args, ErrorSite site)
      : Kernel(DataType::Varchar()), fn_(fn), args_(std::move(args)), site_(std::move(site)) {}

  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_RETURN_NOT_OK(EvalChildren(args_, in, active, &vals_));
    if ((fn_ == StrFn::kLower || fn_ == StrFn::kUpper) && !vals_[0].constant) {
      Vec out{CaseMapColumn(vals_[0], in.rows), false};
      vals_.clear();
      return out;
    }
    bool constant = false;
    const int64_t n = RowLoop::Rows(vals_, in, &constant);
    int64_t hint = 0;
    for (const Vec& v : vals_) {
      if (v.column().type().IsVarLength()) hint += static_cast<int64_t>(v.column().string_buffer().size());
    }
    StringVectorBuilder b(n, hint);
    for (int64_t i = 0; i < n; ++i) {
      if (fn_ != StrFn::kConcat && RowLoop::AnyNull(vals_, i)) {
        b.AppendNull();
        continue;
      }
      if (!Row(i, &b)) {
        if (constant ? AnyActive(active, in.rows) : (active == nullptr || active[i])) {
          return site_.Error("negative substring length " + std::to_string(Int(vals_[2], i)));
        }
        b.AppendNull();
      }
    }
    Vec out{b.Finish(), constant};
    vals_.clear();
    return out;
  }

 private:
  // lower / upper of a whole column: ASCII case mapping keeps every byte's position, so
  // the offsets and validity are copied and all string bytes mapped in one branch-free
  // loop (bytes >= 0x80, i.e. the whole of every multi-byte UTF-8 character, are kept).
  ColumnPtr CaseMapColumn(const Vec& v, int64_t n) const {
    const Column& c = v.column();
    const int32_t* off = c.offsets();
    const int32_t base = off[0];
    const auto bytes = static_cast<size_t>(off[n] - base);
    Buffer offsets;
    offsets.Resize(static_cast<size_t>(n + 1) * sizeof(int32_t));
    int32_t* o = offsets.mutable_data_as<int32_t>();
    for (int64_t i = 0; i <= n; ++i) o[i] = off[i] - base;
    Buffer strings;
    strings.Resize(bytes);
    const auto* src = reinterpret_cast<const unsigned char*>(c.string_data() + base);
    unsigned char* dst = strings.mutable_data();
    const unsigned char lo = fn_ == StrFn::kUpper ? 'a' : 'A';
    for (size_t k = 0; k < bytes; ++k) {
      const unsigned char ch = src[k];
      dst[k] = static_cast<unsigned char>(ch ^ (static_cast<unsigned char>(ch - lo) < 26 ? 0x20 : 0));
    }
    Validity validity = MergeValidity({&v}, n);
    auto col = std::make_shared<Column>(DataType::Varchar());
    col->SetBuffers(std::move(offsets), std::move(validity.bits), std::move(strings), n,
                    validity.null_count);
    return col;
  }

  bool Row(int64_t i, StringVectorBuilder* b) {
    const std::vector<Vec>& a = vals_;
    switch (fn_) {
      case StrFn::kConcatOp:
        b->AppendPart(Str(a[0], i));
        b->AppendPart(Str(a[1], i));
        b->Commit(0);
        return true;
      case StrFn::kConcat:
        for (const Vec& v : a) {
          if (v.IsValid(i)) b->AppendPart(Str(v, i));
        }
        b->Commit(0);
        return true;
      case StrFn::kLower:
      case StrFn::kUpper: {
        const std::string_view s = Str(a[0], i);
        char* out = b->Reserve(s.size());
        // ASCII only, branch-free (std::tolower is a locale-aware library call per byte).
        const unsigned char lo = fn_ == StrFn::kUpper ? 'a' : 'A';
        for (size_t k = 0; k < s.size(); ++k) {
          const auto c = static_cast<unsigned char>(s[k]);
          out[k] = static_cast<char>(c ^ (static_cast<unsigned char>(c - lo) < 26 ? 0x20 : 0));
        }
        b->Commit(s.size());
        return true;
      }
      case StrFn::kTrim:
      case StrFn::kLtrim:
      case StrFn::kRtrim: {
        std::string_view s = Str(a[0], i);
        const std::string_view chars = a.size() > 1 ? Str(a[1], i) : std::string_view(" ");
        if (fn_ != StrFn::kRtrim) {
          const size_t p = s.find_first_not_of(chars);
          s.remove_prefix(p == std::string_view::npos ? s.size() : p);
        }
        if (fn_ != StrFn::kLtrim) {
          const size_t p = s.find_last_not_of(chars);
          s = s.substr(0, p == std::string_view::npos ? 0 : p + 1);
        }
        b->Append(s);
        return true;
      }
      case StrFn::kSubstring: {
        const std::string_view s = Str(a[0], i);
        const int64_t start = Int(a[1], i);  // 1-based
        int64_t end = INT64_MAX;             // exclusive, 1-based
        if (a.size() > 2) {
          const int64_t len = Int(a[2], i);
          if (len < 0) return false;
          end = __builtin_add_overflow(start, len, &end) ? INT64_MAX : end;
        }
        const int64_t from = std::max<int64_t>(start, 1);
        if (end <= from) {
          b->Append("");
          return true;
        }
        const size_t bf = CharOffset(s, from - 1);
        const size_t be = end == INT64_MAX ? s.size() : bf + CharOffset(s.substr(bf), end - from);
        b->Append(s.substr(bf, be - bf));
        return true;
      }
      case StrFn::kReplace: {
        const std::string_view s = Str(a[0], i);
        const std::string_view from = Str(a[1], i);
        const std::string_view to = Str(a[2], i);
        if (from.empty()) {
          b->Append(s);
          return true;
        }
        size_t pos = 0;
        for (;;) {
          const size_t hit = s.find(from, pos);
          if (hit == std::string_view::npos) break;
          b->AppendPart(s.substr(pos, hit - pos));
          b->AppendPart(to);
          pos = hit + from.size();
        }
        b->AppendPart(s.substr(pos));
        b->Commit(0);
        return true;
      }
    }
    return true;
  }

  StrFn fn_;
  std::vector<KernelPtr> args_;
  ErrorSite site_;
  std::vector<Vec> vals_;
};

// Functions of strings producing a fixed-width value: length, LIKE, regexp_matches.
enum class PredFn { kLength, kLike, kLikeDynamic, kRegexp };

class StringPredicateKernel final : public Kernel {
 public:
  StringPredicateKernel(DataType type, PredFn fn, std::vector<KernelPtr> args)
      : Kernel(type), fn_(fn), args_(std::move(args)) {}

  // LIKE with a constant pattern.
  void SetLike(LikePattern p) { like_ = std::move(p); }
  void SetDynamicLike(char escape, bool ci) {
    escape_ = escape;
    ci_ = ci;
  }
  Status SetRegexp(const std::string& pattern) {
    re_ = std::make_unique<RE2>(pattern, RE2::Quiet);
    if (!re_->ok()) return Status::Invalid("invalid regular expression: " + re_->error());
    prefilter_ = std::make_unique<RegexpPrefilter>(pattern);
    return Status::OK();
  }

  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_RETURN_NOT_OK(EvalChildren(args_, in, active, &vals_));
    bool constant = false;
    const int64_t n = RowLoop::Rows(vals_, in, &constant);
    std::vector<const Vec*> inputs;
    for (const Vec& v : vals_) inputs.push_back(&v);
    Validity validity = MergeValidity(inputs, n);
    Buffer values;
    values.Resize(static_cast<size_t>(n * type_.ByteWidth()));
    const Vec& s = vals_[0];
    switch (fn_) {
      case PredFn::kLength: {
        auto* out = values.mutable_data_as<int64_t>();
        for (int64_t i = 0; i < n; ++i) {
          int64_t chars = 0;
          for (char c : Str(s, i)) chars += IsContinuation(c) ? 0 : 1;
          out[i] = chars;
        }
        break;
      }
      case PredFn::kLike: {
        uint8_t* out = values.mutable_data();
        for (int64_t i = 0; i < n; ++i) out[i] = like_.Match(Str(s, i));
        break;
      }
      case PredFn::kLikeDynamic: {
        uint8_t* out = values.mutable_data();
        for (int64_t i = 0; i < n; ++i) {
          out[i] = LikePattern::MatchGeneral(Str(s, i), Str(vals_[1], i), escape_, ci_);
        }
        break;
      }
      case PredFn::kRegexp: {
        uint8_t* out = values.mutable_data();
        for (int64_t i = 0; i < n; ++i) {
          const std::string_view v = Str(s, i);
          const size_t found = prefilter_->Find(v);
          out[i] = found != RegexpPrefilter::kNoMatch &&
                   re_->Match(re2::StringPiece(v.data(), v.size()), prefilter_->SearchStart(found),
                              v.size(), RE2::UNANCHORED, nullptr, 0);
        }
        break;
      }
    }
    Vec out{MakeColumn(type_, std::move(values), std::move(validity), n), constant};
    vals_.clear();
    return out;
  }

 private:
  PredFn fn_;
  std::vector<KernelPtr> args_;
  std::vector<Vec> vals_;
  LikePattern like_;
  char escape_ = '\\';
  bool ci_ = false;
  std::unique_ptr<RE2> re_;
  std::unique_ptr<RegexpPrefilter> prefilter_;
};

}  // namespace

Result<KernelPtr> MakeStringKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site) {
  auto str = [&](StrFn fn) { return KernelPtr(new StringKernel(fn, std::move(args), std::move(site))); };
  switch (e.op) {
    case BoundOp::kConcatOp: return str(StrFn::kConcatOp);
    case BoundOp::kLower: return str(StrFn::kLower);
    case BoundOp::kUpper: return str(StrFn::kUpper);
    case BoundOp::kTrim: return str(StrFn::kTrim);
    case BoundOp::kLtrim: return str(StrFn::kLtrim);
    case BoundOp::kRtrim: return str(StrFn::kRtrim);
    case BoundOp::kSubstring: return str(StrFn::kSubstring);
    case BoundOp::kConcat: return str(StrFn::kConcat);
    case BoundOp::kReplace: return str(StrFn::kReplace);
    case BoundOp::kLength:
      return KernelPtr(new StringPredicateKernel(DataType::Int64(), PredFn::kLength, std::move(args)));
    case BoundOp::kLike: {
      char escape = '\\';
      if (args.size() > 2) {
        const Vec* esc = args[2]->constant();
        if (esc == nullptr || esc->column().IsNull(0)) return Status::Internal("LIKE escape");
        const std::string_view sv = esc->column().GetString(0);
        escape = sv.empty() ? '\0' : sv[0];
        args.pop_back();
      }
      const Vec* pattern = args[1]->constant();
      if (pattern != nullptr) {
        if (pattern->column().IsNull(0)) return KernelPtr(nullptr);  // caller folds to NULL
        LikePattern p(pattern->column().GetString(0), escape, e.flag);
        args.pop_back();
        auto k = std::make_unique<StringPredicateKernel>(DataType::Boolean(), PredFn::kLike, std::move(args));
        k->SetLike(std::move(p));
        return KernelPtr(std::move(k));
      }
      auto k = std::make_unique<StringPredicateKernel>(DataType::Boolean(), PredFn::kLikeDynamic, std::move(args));
      k->SetDynamicLike(escape, e.flag);
      return KernelPtr(std::move(k));
    }
    case BoundOp::kRegexpMatches: {
      const Vec* pattern = args[1]->constant();
      if (pattern == nullptr) return Status::Internal("regexp pattern is not constant");
      if (pattern->column().IsNull(0)) return KernelPtr(nullptr);
      const std::string p(pattern->column().GetString(0));
      args.pop_back();
      auto k = std::make_unique<StringPredicateKernel>(DataType::Boolean(), PredFn::kRegexp, std::move(args));
      SLUICE_RETURN_NOT_OK(k->SetRegexp(p));
      return KernelPtr(std::move(k));
    }
    default: return Status::Internal("not a string op");
  }
}

}  // namespace sluice::sql
