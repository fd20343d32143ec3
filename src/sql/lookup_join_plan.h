// Planning of lookup joins: a stream joined with the current rows of a bounded table
// (Flink's `JOIN t FOR SYSTEM_TIME AS OF s.proc_time AS t ON s.k = t.k`). The planner
// (planner.cc) hands a JOIN over here when its right side is a table of the catalog
// (Catalog::FindLookupTable) rather than a stream; the result is a kLookupJoin node.
#pragma once

#include "sql/binder.h"
#include "sql/plan.h"

namespace sluice::sql {

// Whether JOIN `right` reads a lookup table: it is written FOR SYSTEM_TIME AS OF, or it
// names no stream of the catalog but a lookup table. Errors: the catalog's (it could not
// look the table up), formatted through ctx at the table's name.
Result<bool> IsLookupJoin(const TableRef& right, const Catalog& catalog, const ErrorContext& ctx);

// A planned FROM item: its node and the names an enclosing SELECT sees.
struct LookupJoinPlan {
  PlanPtr node;
  InputRelation relation;
};

// Plans `join` (kJoin whose right side IsLookupJoin) over the already planned left side.
// Errors (formatted through ctx, at the offending token): an unknown table (with "did
// you mean"), a window or subquery as the table, a changelog on the left (lookups are
// for append-only streams), an AS OF that is not a TIMESTAMP of the stream or is an
// event-time column (versioned tables are not supported), an ON without
// `<stream expression> = <table>.<column>`, a table column compared with another type.
Result<LookupJoinPlan> PlanLookupJoin(const TableRef& join, PlanPtr left, InputRelation left_relation,
                                      const Catalog& catalog, const PlanOptions& options,
                                      const ErrorContext& ctx);

}  // namespace sluice::sql
