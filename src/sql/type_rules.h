// Type rules of the dialect: numeric promotion, DECIMAL result types and which casts
// exist. Pure functions, no positions; the binder turns failures into messages.
#pragma once

#include <optional>

#include "core/types.h"

namespace sluice::sql {

// INT32 < INT64 < DECIMAL < DOUBLE. The type both numeric arguments are cast to for
// comparison, +, - and %: for DECIMALs the larger integer part and the larger scale,
// with precision capped at 18. nullopt when either is not numeric.
std::optional<DataType> CommonNumericType(const DataType& a, const DataType& b);

// An integer type as a DECIMAL that holds it: INT32 -> DECIMAL(10,0), INT64 -> (18,0).
DataType AsDecimal(const DataType& t);

// Result type of DECIMAL op DECIMAL (DuckDB/PostgreSQL rules, capped at 18 digits):
//   + - : scale max(s1,s2), precision max(p1-s1, p2-s2) + scale + 1
//   *   : scale s1+s2, precision p1+p2
//   %   : scale max(s1,s2), precision max(p1-s1, p2-s2) + scale
// nullopt for a scale above 18.
std::optional<DataType> DecimalArithmeticType(char op, const DataType& a, const DataType& b);

// True when CAST(from AS to) exists.
bool CanCast(const DataType& from, const DataType& to);

}  // namespace sluice::sql
