// The state of a GroupAggregate: its groups (keys in an open-addressing hash table
// over group ids) and one accumulator column per aggregate, indexed by group id.
// All of the operator's state lives in GroupAggregateState (issue 4 checkpoints it),
// except, with the rocksdb state backend, the groups spilled to its StateBackend.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/column.h"
#include "sql/compiled_aggregate.h"
#include "stream/distinct_set.h"

namespace sluice::stream {

__extension__ typedef __int128 Int128;

// A total order on doubles (NaN after every number) so that they can key a std::map.
struct DoubleLess {
  bool operator()(double a, double b) const {
    if (a != a) return false;  // NaN is not less than anything
    return b != b || a < b;
  }
};
// Retractable min/max: value -> how many counted rows hold it, per group.
using IntMultiset = std::map<int64_t, int64_t>;
using DoubleMultiset = std::map<double, int64_t, DoubleLess>;
using StringMultiset = std::map<std::string, int64_t, std::less<>>;

// One aggregate's accumulators, one slot per group id. Which arrays are used depends
// on the aggregate (see sql::AggregateInput) and on the mode:
//  - count for every kind (rows counted: FILTER true, argument not NULL);
//  - isum/dsum for sum and avg (integers and decimals exactly in 128 bits, doubles as
//    double; a double sum is reset to exactly 0 when its count drops to 0);
//  - min and max: append-only mode keeps the current extreme in ival/dval/sval
//    (BOOLEAN/INT32/DATE/INT64/TIMESTAMP/DECIMAL widened to int64, DOUBLE, VARCHAR);
//    retractable mode keeps instead an ordered multiset per group in imulti/dmulti/smulti
//    (a heap node per distinct value per group);
//  - count(DISTINCT): a flat set of the values per group (distinct), or in retractable
//    mode value -> count (distinct_counts); see distinct_set.h. Fixed-width arguments of
//    up to 8 bytes are kept as 64-bit keys (distinct_width), others as bytes;
//  - approx_count_distinct: a HyperLogLog sketch of sql::kHllRegisters one-byte
//    registers per group, in one flat array (hll, group g at g * kHllRegisters).
struct AccumulatorColumn {
  // Set before the first AddGroup: the input is a changelog (AccumulateSigned only).
  bool retractable = false;
  std::vector<int64_t> count;
  std::vector<Int128> isum;
  std::vector<double> dsum;
  std::vector<int64_t> ival;
  std::vector<double> dval;
  std::vector<std::string> sval;
  std::vector<DistinctSet> distinct;
  std::vector<IntMultiset> imulti;
  std::vector<DoubleMultiset> dmulti;
  std::vector<StringMultiset> smulti;
  std::vector<DistinctCounts> distinct_counts;
  std::vector<uint8_t> hll;
  // count(DISTINCT) only, set by AddGroup / SetDistinctMode: the argument's byte width
  // when its values are inline 64-bit keys (1..8), 0 when they are kept as bytes
  // (VARCHAR, INTERVAL); distinct_double: the argument is DOUBLE (keys normalized).
  int distinct_width = 0;
  bool distinct_double = false;
  // Estimated heap bytes held by the per-group containers and strings above (their
  // entries, not the arrays themselves), kept up to date as values come and go; see
  // MemoryBytes. An estimate: node sizes are typical libstdc++ figures.
  int64_t heap_bytes = 0;

  // Adds a slot for a new group.
  void AddGroup(const sql::AggregateInput& spec);
  // Sets distinct_width / distinct_double from the aggregate (AddGroup does it; a
  // restore calls it before reading sets).
  void SetDistinctMode(const sql::AggregateInput& spec);
  // Append-only mode: folds the rows of `prepared` into groups `gid[i]` (one per row).
  // Cannot fail.
  void Accumulate(const sql::AggregateInput& spec, const RecordBatch& prepared,
                  const int32_t* gid);
  // Retractable mode: folds row i into group gid[i] when sign[i] > 0 and retracts it
  // (removes a row counted before) when sign[i] < 0, in row order. Returns -1, or the
  // first row whose retraction finds nothing to retract (a count or a value's count
  // would go negative; approx_count_distinct cannot retract at all); the rows from it
  // on are not applied and the state is left inconsistent (the caller fails hard).
  int64_t AccumulateSigned(const sql::AggregateInput& spec, const RecordBatch& prepared,
                           const int32_t* gid, const int8_t* sign);
  // Frees the heap memory of group g, whose rows were all retracted (its accumulators
  // are back to their initial values).
  void ReleaseGroup(int32_t g);
  // Keeps the groups keep[0..n) (ascending), renumbered 0..n-1.
  void Compact(const std::vector<int32_t>& keep);
  // Estimated heap bytes of group g's containers and strings (what heap_bytes counts).
  int64_t GroupHeapBytes(int32_t g) const;
  // Recomputes heap_bytes from every group (after a restore).
  void RecountHeapBytes();
  // Estimated bytes held: the arrays' capacities plus heap_bytes.
  int64_t MemoryBytes() const;
  // Appends the result of each group in `groups` to `out` (of spec.type). Fails only
  // when a sum does not fit its result type (OutOfRange, naming the aggregate).
  Status AppendResults(const sql::AggregateInput& spec, const std::vector<int32_t>& groups,
                       Column* out) const;

 private:
  // AppendResults of sum, avg, min and max (NULL for a group without counted rows).
  Status AppendValueResults(const sql::AggregateInput& spec, const std::vector<int32_t>& groups,
                            Column* out) const;
};

// Estimated heap bytes of one entry of a per-group container (tree or hash node with
// its key and count), for memory accounting.
inline int64_t EntryBytes(int64_t) { return 48; }
inline int64_t EntryBytes(double) { return 48; }
inline int64_t EntryBytes(std::string_view s) {
  return 80 + (s.size() > 15 ? static_cast<int64_t>(s.size()) + 1 : 0);
}
// Heap bytes of a std::string beyond the object itself (none for short strings).
inline int64_t StringHeapBytes(const std::string& s) {
  return s.capacity() > 15 ? static_cast<int64_t>(s.capacity()) + 1 : 0;
}

// The HyperLogLog estimate of one group's registers (sql::kHllRegisters of them).
int64_t HllEstimate(const uint8_t* registers);

// Groups are never removed from the hash table one by one. In retractable mode a keyed
// group whose rows were all retracted (row_count 0) stays as a tombstone: its output row
// is deleted, its heap memory freed, and the same key coming back revives the same id.
// When tombstones outnumber live groups (and exceed a small floor) the operator rebuilds
// the state with the live groups only, renumbering them.
struct GroupAggregateState {
  std::vector<Column> keys;        // per group key: row g holds group g's value
  std::vector<uint64_t> hashes;    // per group: hash of its key
  std::vector<int32_t> slots;      // open addressing over group ids; -1 = empty
  std::vector<uint8_t> visible;    // per group: its current row is in the output
  std::vector<AccumulatorColumn> accumulators;  // per aggregate
  int32_t num_groups = 0;
  // Retractable mode only (empty otherwise): per group, input rows (after WHERE)
  // inserted minus retracted; and how many keyed groups are at 0 (tombstones).
  std::vector<int64_t> row_count;
  int32_t dead_groups = 0;
};

}  // namespace sluice::stream
