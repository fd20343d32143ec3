// Snapshot encoding of aggregate state (AccumulatorColumn), shared by GroupAggregate and
// the window operators that hold GroupAggregates. See state_codec.h for the format.
#pragma once

#include <cstdint>

#include "sql/compiled_aggregate.h"
#include "stream/aggregate_state.h"
#include "stream/state_codec.h"

namespace sluice::stream {

// Writes every array of `a` (unused ones are empty).
void WriteAccumulators(const AccumulatorColumn& a, StateWriter* out);
// Reads into `a` (retractable already set) the accumulators of `num_groups` groups of
// aggregate `spec`. Invalid when an array's size is not what `spec` and the mode use.
Status ReadAccumulators(const sql::AggregateInput& spec, int32_t num_groups, StateReader* in,
                        AccumulatorColumn* a);

}  // namespace sluice::stream
