// Aggregate functions of GROUP BY queries: their kinds, bound form and type rules.
// The binder (bind_aggregate.cc) produces BoundAggregate; CompiledAggregate computes
// their inputs per batch; the stream module's GroupAggregate keeps their state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/types.h"
#include "sql/bound_expr.h"

namespace sluice::sql {

enum class AggregateKind : uint8_t {
  kCountStar,      // count(*): rows
  kCount,          // count(x): rows where x is not NULL
  kCountDistinct,  // count(DISTINCT x): distinct non-NULL values
  kSum,            // INT32/INT64 -> INT64, DECIMAL(p,s) -> DECIMAL(18,s), DOUBLE -> DOUBLE
  kAvg,            // numeric -> DOUBLE
  kMin,            // same type as the argument
  kMax,
  kApproxCountDistinct,  // approx_count_distinct(x): HyperLogLog estimate, BIGINT NOT NULL
};

// "count", "sum", ... (count(*) and count(DISTINCT) are "count").
const char* AggregateKindName(AggregateKind kind);

// Whether an aggregate of this kind can consume a changelog (retract rows it counted).
// Only approx_count_distinct cannot (a HyperLogLog sketch cannot forget a value); the
// planner refuses it over retractable input (CompiledAggregate::CheckRetractableInput).
bool SupportsRetraction(AggregateKind kind);

// HyperLogLog parameters of approx_count_distinct: 2^14 one-byte registers per group
// (16 KiB), standard error about 1.04 / sqrt(2^14) = 0.8%.
inline constexpr int kHllPrecision = 14;
inline constexpr int kHllRegisters = 1 << kHllPrecision;

// Whether `name` is an aggregate function SQL knows (including ones sluice does not
// implement, so that they get a precise message instead of "unknown function").
bool IsAggregateFunctionName(std::string_view name);

// One aggregate of a query, bound over the input stream's columns.
struct BoundAggregate {
  AggregateKind kind = AggregateKind::kCountStar;
  BoundExprPtr arg;     // nullptr for count(*)
  BoundExprPtr filter;  // FILTER (WHERE ...): BOOLEAN, or nullptr
  DataType type;        // result type
  std::string text;     // the call as written (whitespace collapsed)
};

}  // namespace sluice::sql
