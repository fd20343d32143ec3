// Join condition analysis: splits a JOIN's bound ON condition into what a stream join
// can execute efficiently — equality keys (hashing), event-time bounds (interval joins,
// bounded state) — and the residual predicate evaluated on candidate joined rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/schema.h"
#include "core/status.h"
#include "sql/bound_expr.h"
#include "sql/sql_error.h"

namespace sluice::sql {

struct JoinCondition {
  // Equi keys: left column left_keys[i] = right column right_keys[i] (indexes within
  // their own side). The two columns have the same type, except that an INT32 column
  // may pair with an INT64 one (the binder's widening cast; a join compares integers
  // by value). DOUBLE keys are allowed: the join compares them by bits after
  // normalising -0.0 to 0.0 (and every NaN to one NaN, which then equals itself, as in
  // PostgreSQL); rounding differences still do not match, as with `=`.
  // A NULL key never matches (SQL semantics).
  std::vector<int> left_keys, right_keys;

  // Time bounds (interval join): right.time - left.time in [lower_us, upper_us],
  // inclusive, both TIMESTAMP columns, collected from conjuncts such as
  //   r.ts BETWEEN l.ts AND l.ts + INTERVAL '10' SECOND, r.ts >= l.ts - INTERVAL '5' SECOND,
  //   l.ts <= r.ts + INTERVAL '1' MINUTE, l.ts = r.ts
  // (several are intersected; a strict < or > tightens by 1us). Intervals with months
  // are not fixed lengths and stay residual; a day counts 86400 s (UTC).
  // A NULL time never matches. lower_us > upper_us means the bounds are empty.
  bool has_time_bounds = false;
  int left_time = -1, right_time = -1;  // columns within their own side
  int64_t lower_us = INT64_MIN;
  int64_t upper_us = INT64_MAX;

  // Every other conjunct (an AND tree over the concatenated schema: left columns
  // 0..L-1, then right columns L..), or nullptr when keys and bounds say everything.
  // Key and bound conjuncts are NOT repeated here: both are exact.
  BoundExprPtr residual;
};

// Analyses `on` (a BOOLEAN expression over left ++ right columns; `left_columns` = L).
// Takes ownership of `on`. Errors, formatted at `on`'s position through `ctx`:
//  - Invalid when `on` is not BOOLEAN;
//  - NotImplemented when there is neither an equality between the two sides nor time
//    bounds (a cross join would keep unbounded state).
Result<JoinCondition> AnalyzeJoinCondition(BoundExprPtr on, int left_columns,
                                           const ErrorContext& ctx);

// The conjuncts of `where` (BOOLEAN over left ++ right; an AND tree, BETWEEN bound as
// two comparisons) that AnalyzeJoinCondition would take as time bounds between the two
// sides and not as equality keys, cloned, in order; the other conjuncts are ignored.
// For an INNER join, a WHERE's time bounds may join its ON condition (Nexmark q7).
std::vector<BoundExprPtr> TimeBoundConjuncts(const BoundExpr& where, int left_columns);

// Turns `cond`'s time bounds back into residual conjuncts
// (r.time >= l.time + lower AND r.time <= l.time + upper) over `joined` (left ++ right,
// `left_columns` = L) and clears has_time_bounds. Nothing when it has none.
void TimeBoundsToResidual(JoinCondition* cond, const Schema& joined, int left_columns);

// `a AND b` (BOOLEAN, at a's position, described by `text`); just `b` when `a` is null.
// Join conditions and residuals are built from conjuncts with it.
BoundExprPtr AndConjuncts(BoundExprPtr a, BoundExprPtr b, std::string text = "join condition");

}  // namespace sluice::sql
