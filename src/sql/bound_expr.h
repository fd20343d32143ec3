// Bound expressions: the binder's output. Every node is typed, names are resolved to
// input column indexes, implicit casts are explicit nodes, and sugar (BETWEEN, simple
// CASE, NULLIF, NOT IN over non-constants) is rewritten into core operations.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/types.h"
#include "core/value.h"
#include "sql/sql_error.h"

namespace sluice::sql {

enum class BoundOp : uint8_t {
  kConstant,  // value (NULL allowed)
  kColumn,    // input column `column`
  // Arithmetic over one numeric type (args already cast to the result's operand type;
  // DECIMAL * DECIMAL keeps each side's scale, the result scale is their sum).
  kAdd, kSub, kMul, kDiv, kMod, kNeg,
  // Temporal arithmetic.
  kTimestampAddInterval, kTimestampSubInterval, kTimestampDiff,  // ts - ts -> INTERVAL
  kDateAddDays, kDateSubDays, kDateDiff,                          // date - date -> INT32
  kIntervalAdd, kIntervalSub, kIntervalNeg,
  kConcatOp,  // a || b: NULL if either is NULL
  // Comparisons of two args of the same type -> BOOLEAN.
  kEq, kNe, kLt, kLe, kGt, kGe,
  kAnd, kOr, kNot,  // three-valued
  kIsNull, kIsNotNull, kIsTrue, kIsNotTrue, kIsFalse, kIsNotFalse,
  kInList,    // args[0] IN (constants args[1..]), all of one type
  kLike,      // args: value, pattern[, escape]; flag = ILIKE
  kCase,      // args: when0, then0, when1, then1, ..., [else]; flag = has ELSE
  kCast,      // args[0] to `type`; flag = TRY_CAST (NULL instead of an error)
  kCoalesce, kGreatest, kLeast,
  // Scalar functions.
  kLower, kUpper, kLength, kTrim, kLtrim, kRtrim,  // trim: args[1] = characters (optional)
  kSubstring,  // (s, start[, length]) with INT64 positions, 1-based, in characters
  kConcat,     // concat(...): NULL arguments are skipped
  kReplace, kAbs,
  kRound,      // (x[, digits]); DECIMAL digits are a constant
  kFloor, kCeil,
  kRegexpMatches,  // (s, constant pattern); a flag 'i' is folded into the pattern as (?i)
  kDateTrunc,      // (constant unit, timestamp)
  // kernels_text.cc
  kRegexpExtract,  // (s, constant pattern, constant INT64 group): NULL when no match
  kSplitPart,      // (s, delimiter, INT64 n): PostgreSQL, 1-based, '' out of range
  kSplitIndex,     // (s, delimiter, INT64 n): Flink, 0-based, NULL out of range
  kCountChar,      // (s, c) -> INT64 occurrences of c
  // kernels_datetime.cc
  kExtract,        // (constant field name, timestamp) -> INT64
  kDateFormat,     // (timestamp, constant format); flag = PostgreSQL to_char style
  // kernels_json.cc: (json text, constant path: '$.a.b[0]', a key, or an INT index)
  kJsonExtract,        // the value's JSON text (->)
  kJsonExtractString,  // strings unquoted, other values as JSON text (->>)
  kJsonValue,          // scalars only (strings unquoted); objects and arrays give NULL
  // kernels_proctime.cc
  kProcTime,  // () -> TIMESTAMP: the wall clock, read once per batch; never folded
};

struct BoundExpr {
  BoundOp op = BoundOp::kConstant;
  DataType type;
  bool untyped_null = false;  // NULL literal whose type is still open
  SourcePos pos;
  std::string text;  // SQL text, whitespace collapsed: for names and messages
  Value value;       // kConstant
  int column = -1;   // kColumn
  bool flag = false;  // see BoundOp
  std::vector<std::unique_ptr<BoundExpr>> args;

  bool is_constant() const { return op == BoundOp::kConstant; }
};
using BoundExprPtr = std::unique_ptr<BoundExpr>;

// A deep copy of `e`.
BoundExprPtr CloneBound(const BoundExpr& e);

}  // namespace sluice::sql
