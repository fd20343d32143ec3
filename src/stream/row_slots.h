// Operators that keep rows in numbered slots (columns with one row per slot, an alive flag
// per slot, a count of dead slots, per-slot side arrays, and lists of slot numbers) share
// their compaction here: TopN and OverAggregate.
#pragma once

#include <cstdint>
#include <vector>

#include "core/column.h"

namespace sluice::stream {

struct SlotCompaction {
  std::vector<int32_t> live;   // new slot i held old slot live[i]
  std::vector<int32_t> remap;  // old slot -> new slot, -1 for a dead one
};

// When the dead slots number at least 1024 and more than half, keeps the live rows of
// `rows` in slot order, resets `alive` (all live) and `dead_rows` (0) and fills `out`;
// false (nothing changed) otherwise. The caller then applies KeepSlots to its per-slot
// arrays and RemapSlots to its slot lists.
bool CompactSlots(std::vector<uint8_t>* alive, int64_t* dead_rows, std::vector<Column>* rows,
                  SlotCompaction* out);

// Keeps the entries of the live slots of a per-slot array, in order, and frees the rest.
template <typename T>
void KeepSlots(const SlotCompaction& c, std::vector<T>* v) {
  const size_t n = c.live.size();
  for (size_t i = 0; i < n; ++i) (*v)[i] = (*v)[static_cast<size_t>(c.live[i])];
  v->resize(n);
  v->shrink_to_fit();
}

// Renumbers the slots in `lists` (which hold live slots only).
inline void RemapSlots(const SlotCompaction& c, std::vector<std::vector<int32_t>>* lists) {
  for (std::vector<int32_t>& list : *lists) {
    for (int32_t& s : list) s = c.remap[static_cast<size_t>(s)];
  }
}

}  // namespace sluice::stream
