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

// One group's slice of `a`: the entries of group g in every array the group uses (those
// with a slot for g). Used to spill a group to a StateBackend.
void WriteGroupAccumulators(const AccumulatorColumn& a, int32_t g, StateWriter* out);
// Reads what WriteGroupAccumulators wrote into group g's slot of `a` (the slot exists,
// fresh from AddGroup, so the same arrays are in use); adds the group's heap bytes to
// a->heap_bytes. Invalid on malformed input.
Status ReadGroupAccumulators(StateReader* in, int32_t g, AccumulatorColumn* a);

}  // namespace sluice::stream
