// Text kernels: regexp_extract, split_part, split_index and count_char. Results are
// appended into the output column's buffer (no per-row allocation); a regular
// expression is compiled once per query.
#include <re2/re2.h>

#include <cstring>
#include <memory>
#include <string_view>

#include "sql/bound_expr.h"
#include "sql/kernel.h"
#include "sql/regexp_prefilter.h"

namespace sluice::sql {

namespace {

std::string_view Str(const Vec& v, int64_t i) { return v.column().GetString(v.Index(i)); }
int64_t Int(const Vec& v, int64_t i) { return v.column().values<int64_t>()[v.Index(i)]; }

enum class TextFn { kSplitPart, kSplitIndex };

// The `n`-th (0-based) field of s split on the whole delimiter `d`; false if there is
// none. An empty delimiter leaves s whole.
bool Field(std::string_view s, std::string_view d, int64_t n, std::string_view* out) {
  if (d.empty()) {
    if (n != 0) return false;
    *out = s;
    return true;
  }
  size_t start = 0;
  for (int64_t k = 0;; ++k) {
    const size_t hit = s.find(d, start);
    if (k == n) {
      *out = s.substr(start, hit == std::string_view::npos ? std::string_view::npos : hit - start);
      return true;
    }
    if (hit == std::string_view::npos) return false;
    start = hit + d.size();
  }
}

// Field(s, d, n, out) for a one-character delimiter, with memchr.
bool CharField(std::string_view s, char d, int64_t n, std::string_view* out) {
  const char* p = s.data();
  const char* end = p + s.size();
  // (memchr must not see the null data() of an empty view.)
  for (; n > 0; --n) {
    const void* hit = p == end ? nullptr : std::memchr(p, d, static_cast<size_t>(end - p));
    if (hit == nullptr) return false;
    p = static_cast<const char*>(hit) + 1;
  }
  const void* hit = p == end ? nullptr : std::memchr(p, d, static_cast<size_t>(end - p));
  const char* stop = hit == nullptr ? end : static_cast<const char*>(hit);
  *out = std::string_view(p, static_cast<size_t>(stop - p));
  return true;
}

// Number of fields of s split on d (d non-empty).
int64_t FieldCount(std::string_view s, std::string_view d) {
  int64_t n = 1;
  for (size_t p = s.find(d); p != std::string_view::npos; p = s.find(d, p + d.size())) ++n;
  return n;
}

class TextKernel final : public Kernel {
 public:
  TextKernel(TextFn fn, std::vector<KernelPtr> args, ErrorSite site)
      : Kernel(DataType::Varchar()), fn_(fn), args_(std::move(args)), site_(std::move(site)) {}

  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_RETURN_NOT_OK(EvalChildren(args_, in, active, &vals_));
    bool constant = true;
    for (const Vec& v : vals_) constant = constant && v.constant;
    const int64_t n = constant ? 1 : in.rows;
    if (!constant && vals_[1].constant && vals_[2].constant &&
        !(fn_ == TextFn::kSplitPart && vals_[2].IsValid(0) && vals_[2].column().values<int64_t>()[0] == 0)) {
      Vec out = SplitConstant(n);
      vals_.clear();
      return out;
    }
    StringVectorBuilder b(n, static_cast<int64_t>(vals_[0].column().string_buffer().size()));
    for (int64_t i = 0; i < n; ++i) {
      bool null = false;
      for (const Vec& v : vals_) null = null || !v.IsValid(i);
      if (null) {
        b.AppendNull();
        continue;
      }
      if (!Row(i, &b)) {
        if (constant ? AnyActive(active, in.rows) : (active == nullptr || active[i])) {
          return site_.Error("split_part() field position must not be zero");
        }
        b.AppendNull();
      }
    }
    vals_.clear();
    return Vec{b.Finish(), constant};
  }

 private:
  // split_part / split_index with a constant delimiter and position over a column:
  // one tight loop over the offsets (fields are substrings, so the input's byte count
  // bounds the output's and the buffer never grows).
  Vec SplitConstant(int64_t n) {
    const Column& col = vals_[0].column();
    if (vals_[1].IsConstNull() || vals_[2].IsConstNull()) return MakeNullConstant(type_);
    const std::string_view d = vals_[1].column().GetString(0);
    int64_t k = vals_[2].column().values<int64_t>()[0];
    const bool flink = fn_ == TextFn::kSplitIndex;
    StringVectorBuilder b(n, static_cast<int64_t>(col.string_buffer().size()));
    const int32_t* off = col.offsets();
    const char* data = col.string_data();
    const bool nulls = col.has_nulls();
    for (int64_t i = 0; i < n; ++i) {
      if (nulls && col.IsNull(i)) {
        b.AppendNull();
        continue;
      }
      const std::string_view s(data + off[i], static_cast<size_t>(off[i + 1] - off[i]));
      std::string_view f;
      if (flink) {
        if (k >= 0 && (d.size() == 1 ? CharField(s, d[0], k, &f) : Field(s, d, k, &f))) {
          b.Append(f);
        } else {
          b.AppendNull();
        }
        continue;
      }
      int64_t pos = k;  // split_part; k == 0 was refused when the query was compiled
      if (pos < 0 && !d.empty()) pos = FieldCount(s, d) + pos + 1;
      if (d.empty()) {
        b.Append(pos == 1 || pos == -1 ? s : std::string_view());
      } else {
        b.Append(pos >= 1 && (d.size() == 1 ? CharField(s, d[0], pos - 1, &f) : Field(s, d, pos - 1, &f))
                     ? f
                     : std::string_view());
      }
    }
    return Vec{b.Finish(), false};
  }

  // Appends row i's value (or NULL); false on a runtime error.
  bool Row(int64_t i, StringVectorBuilder* b) {
    const std::string_view s = Str(vals_[0], i);
    switch (fn_) {
      case TextFn::kSplitIndex: {  // Flink: 0-based, NULL when out of range
        const int64_t k = Int(vals_[2], i);
        std::string_view f;
        if (k < 0 || !Field(s, Str(vals_[1], i), k, &f)) {
          b->AppendNull();
        } else {
          b->Append(f);
        }
        return true;
      }
      case TextFn::kSplitPart: {  // PostgreSQL: 1-based, negative from the end, '' out of range
        const std::string_view d = Str(vals_[1], i);
        int64_t k = Int(vals_[2], i);
        if (k == 0) return false;
        if (d.empty()) {
          b->Append(k == 1 || k == -1 ? s : std::string_view());
          return true;
        }
        if (k < 0) k = FieldCount(s, d) + k + 1;
        std::string_view f;
        b->Append(k >= 1 && Field(s, d, k - 1, &f) ? f : std::string_view());
        return true;
      }
    }
    return true;
  }

  TextFn fn_;
  std::vector<KernelPtr> args_;
  ErrorSite site_;
  std::vector<Vec> vals_;
};

// regexp_extract(s, pattern, group) with a constant pattern and group: NULL when s is
// NULL, the pattern does not match or the group takes no part in the match. Rows
// without the pattern's required literal skip RE2; the others are searched from the
// first byte a match can start at (RegexpPrefilter::SearchStart). The group is copied
// straight from the input into the output buffer.
class RegexpExtractKernel final : public Kernel {
 public:
  explicit RegexpExtractKernel(KernelPtr arg) : Kernel(DataType::Varchar()), arg_(std::move(arg)) {}

  Status SetRegexp(const std::string& pattern, int group) {
    re_ = std::make_unique<RE2>(pattern, RE2::Quiet);
    if (!re_->ok()) return Status::Invalid("invalid regular expression: " + re_->error());
    prefilter_ = std::make_unique<RegexpPrefilter>(pattern);
    group_ = group;
    groups_.resize(static_cast<size_t>(group + 1));
    return Status::OK();
  }

  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_ASSIGN_OR_RETURN(Vec s, arg_->Eval(in, active));
    if (s.IsConstNull()) return MakeNullConstant(type_);
    const Column& col = s.column();
    const int64_t n = s.constant ? 1 : in.rows;
    // Rows not needed (inactive) are NULL: regexp_extract cannot fail, so skipping
    // them changes no needed value.
    const uint8_t* need = s.constant ? nullptr : active;
    const int32_t* off = col.offsets();
    const char* data = col.string_data();
    const bool nulls = col.has_nulls();
    StringVectorBuilder b(n, static_cast<int64_t>(off[n] - off[0]));
    for (int64_t i = 0; i < n; ++i) {
      if ((nulls && col.IsNull(i)) || (need != nullptr && !need[i])) {
        b.AppendNull();
        continue;
      }
      const std::string_view text(data + off[i], static_cast<size_t>(off[i + 1] - off[i]));
      std::string_view g;
      if (Extract(text, &g)) {
        b.Append(g);
      } else {
        b.AppendNull();
      }
    }
    return Vec{b.Finish(), s.constant};
  }

 private:
  // The group of the leftmost match in text; false when there is none.
  bool Extract(std::string_view text, std::string_view* out) {
    const size_t found = prefilter_->Find(text);
    if (found == RegexpPrefilter::kNoMatch) return false;
    if (!Search(text, found)) return false;
    const re2::StringPiece& g = groups_[static_cast<size_t>(group_)];
    if (g.data() == nullptr) return false;  // the group took no part in the match
    *out = std::string_view(g.data(), g.size());
    return true;
  }

  // The leftmost match into groups_, given the literal's first occurrence `found`.
  // With a short bounded prefix, the few possible starts before the literal are tried
  // in order with anchored matches, which RE2 runs as one pass over the match (no DFA
  // scan to find where it starts); the leftmost anchored match is the unanchored one.
  bool Search(std::string_view text, size_t found) {
    const re2::StringPiece t(text.data(), text.size());
    const int ncap = group_ + 1;
    size_t from = prefilter_->SearchStart(found);
    if (prefilter_->max_prefix() <= kMaxAnchoredTries) {
      for (; from <= found; ++from) {
        if (re_->Match(t, from, text.size(), RE2::ANCHOR_START, groups_.data(), ncap)) return true;
      }
      // No match starts at or before the first occurrence of the literal.
    }
    return re_->Match(t, from, text.size(), RE2::UNANCHORED, groups_.data(), ncap);
  }

  static constexpr size_t kMaxAnchoredTries = 4;
  KernelPtr arg_;
  std::unique_ptr<RE2> re_;
  std::unique_ptr<RegexpPrefilter> prefilter_;
  int group_ = 0;
  std::vector<re2::StringPiece> groups_;
};

// count_char(s, c): occurrences of the string c in s (non-overlapping; 0 for an empty c).
class CountCharKernel final : public Kernel {
 public:
  explicit CountCharKernel(std::vector<KernelPtr> args) : Kernel(DataType::Int64()), args_(std::move(args)) {}

  Result<Vec> Eval(const EvalInput& in, const uint8_t* active) override {
    SLUICE_RETURN_NOT_OK(EvalChildren(args_, in, active, &vals_));
    const Vec& s = vals_[0];
    const Vec& c = vals_[1];
    const bool constant = s.constant && c.constant;
    const int64_t n = constant ? 1 : in.rows;
    if (s.IsConstNull() || c.IsConstNull()) {
      vals_.clear();
      return MakeNullConstant(type_);
    }
    Validity validity = MergeValidity({&s, &c}, n);
    Buffer values;
    values.Resize(static_cast<size_t>(n) * sizeof(int64_t));
    auto* out = values.mutable_data_as<int64_t>();
    if (c.constant && c.column().GetString(0).size() == 1) {
      const char ch = c.column().GetString(0)[0];
      for (int64_t i = 0; i < n; ++i) {
        const std::string_view v = Str(s, i);
        int64_t k = 0;
        for (char x : v) k += x == ch;
        out[i] = k;
      }
    } else {
      for (int64_t i = 0; i < n; ++i) {
        const std::string_view v = Str(s, i), d = Str(c, i);
        int64_t k = 0;
        if (!d.empty()) {
          for (size_t p = v.find(d); p != std::string_view::npos; p = v.find(d, p + d.size())) ++k;
        }
        out[i] = k;
      }
    }
    vals_.clear();
    return Vec{MakeColumn(type_, std::move(values), std::move(validity), n), constant};
  }

 private:
  std::vector<KernelPtr> args_;
  std::vector<Vec> vals_;
};

}  // namespace

Result<KernelPtr> MakeTextKernel(const BoundExpr& e, std::vector<KernelPtr> args, ErrorSite site) {
  switch (e.op) {
    case BoundOp::kSplitPart:
      return KernelPtr(new TextKernel(TextFn::kSplitPart, std::move(args), std::move(site)));
    case BoundOp::kSplitIndex:
      return KernelPtr(new TextKernel(TextFn::kSplitIndex, std::move(args), std::move(site)));
    case BoundOp::kCountChar: return KernelPtr(new CountCharKernel(std::move(args)));
    case BoundOp::kRegexpExtract: {
      const Vec* pattern = args[1]->constant();
      const Vec* group = args[2]->constant();
      if (pattern == nullptr || group == nullptr) return Status::Internal("regexp_extract constants");
      if (pattern->column().IsNull(0)) return KernelPtr(nullptr);  // folds to NULL
      const std::string p(pattern->column().GetString(0));
      const auto g = static_cast<int>(group->column().values<int64_t>()[0]);
      auto k = std::make_unique<RegexpExtractKernel>(std::move(args[0]));
      SLUICE_RETURN_NOT_OK(k->SetRegexp(p, g));
      return KernelPtr(std::move(k));
    }
    default: return Status::Internal("not a text op");
  }
}

}  // namespace sluice::sql
