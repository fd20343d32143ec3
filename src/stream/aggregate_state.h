// The state of a GroupAggregate: its groups (keys in an open-addressing hash table
// over group ids) and one accumulator column per aggregate, indexed by group id.
// All of the operator's state lives in GroupAggregateState (issue 4 checkpoints it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/column.h"
#include "sql/compiled_aggregate.h"

namespace sluice::stream {

__extension__ typedef __int128 Int128;

// Hash and equality for a set of strings that can be probed with a string_view
// (no allocation for values already seen).
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const;
};
using DistinctSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

// One aggregate's accumulators, one slot per group id. Which arrays are used depends
// on the aggregate (see sql::AggregateInput): count for every kind (rows counted),
// isum/dsum for sum and avg (integers and decimals exactly in 128 bits, doubles as
// double), ival/dval/sval for min and max (BOOLEAN/INT32/DATE/INT64/TIMESTAMP/DECIMAL
// widened to int64, DOUBLE, VARCHAR), distinct for count(DISTINCT).
struct AccumulatorColumn {
  std::vector<int64_t> count;
  std::vector<Int128> isum;
  std::vector<double> dsum;
  std::vector<int64_t> ival;
  std::vector<double> dval;
  std::vector<std::string> sval;
  // count(DISTINCT x): one set of the values' bytes per group. Costs a heap node per
  // distinct value per group; state grows with the number of distinct values.
  std::vector<DistinctSet> distinct;

  // Adds a slot for a new group.
  void AddGroup(const sql::AggregateInput& spec);
  // Folds the rows of `prepared` into groups `gid[i]` (one per row). Cannot fail.
  void Accumulate(const sql::AggregateInput& spec, const RecordBatch& prepared,
                  const int32_t* gid);
  // Appends the result of each group in `groups` to `out` (of spec.type). Fails only
  // when a sum does not fit its result type (OutOfRange, naming the aggregate).
  Status AppendResults(const sql::AggregateInput& spec, const std::vector<int32_t>& groups,
                       Column* out) const;
};

struct GroupAggregateState {
  std::vector<Column> keys;        // per group key: row g holds group g's value
  std::vector<uint64_t> hashes;    // per group: hash of its key
  std::vector<int32_t> slots;      // open addressing over group ids; -1 = empty
  std::vector<uint8_t> visible;    // per group: its current row is in the output
  std::vector<AccumulatorColumn> accumulators;  // per aggregate
  int32_t num_groups = 0;
};

}  // namespace sluice::stream
