// SubexpressionCache: common subexpression elimination for one CompiledSelect. At
// compile time it counts structurally identical bound subtrees over WHERE and every
// select item; the ExpressionCompiler then builds ONE kernel per repeated shareable
// subtree and gives each use a light kernel that reads the shared result. At run time
// the shared kernel is evaluated at most once per frame and its column is reused by
// every use (WHERE, select items, CASE branches, aggregate arguments).
//
// Sharing rule (laziness): only subtrees that cannot raise a runtime error are shared
// (no arithmetic, CAST other than TRY_CAST, temporal arithmetic, substring, split_part
// or date_trunc anywhere in the subtree). A shared subtree is evaluated over every row
// of the frame (active = all), which is safe exactly because it cannot fail: the values
// of the rows a CASE branch selects are those of the unshared plan, and no row can raise
// an error.
//
// Frames: CompiledSelect evaluates WHERE over the input batch, then the select items
// over the rows that passed (a gathered frame). A result computed for the input frame is
// reused for the filtered frame by gathering it through the selection vector instead of
// recomputing it; a shared subexpression of WHERE is always taken from the input frame
// this way (its columns are not gathered for the select items).
//
// Thread-compatible: one instance per CompiledSelect, used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sql/bound_expr.h"
#include "sql/kernel.h"

namespace sluice::sql {

// What a test or debug dump sees of one shared subexpression.
struct SharedSubexpressionStats {
  std::string text;         // SQL text of its first occurrence
  int uses = 0;             // kernels reading it
  int64_t evaluations = 0;  // times the underlying kernel ran (since compile)
  int64_t gathers = 0;      // times a result was narrowed to a filtered frame
};

class SubexpressionCache {
 public:
  SubexpressionCache();
  SubexpressionCache(const SubexpressionCache&) = delete;
  SubexpressionCache& operator=(const SubexpressionCache&) = delete;
  ~SubexpressionCache();

  // Compile time, before any Compile: records every subtree of `e`; `in_where` marks
  // the subtrees of the WHERE clause.
  void Count(const BoundExpr& e, bool in_where = false);
  // True if `e` (a counted subtree) occurs at least twice, is not a constant or a
  // column reference, and cannot raise a runtime error.
  bool ShouldShare(const BoundExpr& e) const;
  // True if `e` is shared and occurs in WHERE: the select items then read its input-
  // frame result narrowed to the surviving rows (computed over the input frame if WHERE
  // did not need it), so the columns it reads need not be gathered.
  bool ComputedByWhere(const BoundExpr& e) const;
  // The use kernel for `e` if its shared kernel exists, else null.
  KernelPtr Use(const BoundExpr& e);
  // Installs `kernel` as the shared kernel of `e` and returns the first use kernel.
  KernelPtr Share(const BoundExpr& e, KernelPtr kernel);

  // Run time. BeginFrame: a new input batch (earlier results are stale). Narrow: the
  // next evaluations run over rows selection[0..count) of the current frame, `input`
  // (borrowed until EndBatch). EndBatch drops the cached columns.
  void BeginFrame();
  void Narrow(const int32_t* selection, int64_t count, const EvalInput& input);
  void EndBatch();

  std::vector<SharedSubexpressionStats> Stats() const;

  struct Slot;  // one shared kernel and its cached result (subexpression_cache.cc)
  struct FrameState {
    uint64_t epoch = 1;
    uint64_t parent_epoch = 0;  // the frame `selection` narrows, 0 for none
    bool narrowed = false;      // Narrow was called for this batch
    const int32_t* selection = nullptr;  // may be null when selected == 0
    int64_t selected = 0;
    EvalInput parent;  // the frame `selection` narrows
  };

 private:
  const std::string& KeyOf(const BoundExpr& e) const;

  std::unordered_map<const BoundExpr*, std::string> keys_;
  std::unordered_map<std::string, int> counts_;
  std::unordered_map<std::string, bool> in_where_;
  std::unordered_map<std::string, Slot*> slots_by_key_;
  std::vector<std::unique_ptr<Slot>> slots_;
  FrameState frame_;
};

}  // namespace sluice::sql
