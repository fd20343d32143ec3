// Position: where a source has read up to, per partition (a file, a log partition, a
// Kafka topic-partition, a replication slot). Part of the Source interface from the
// start so that checkpoints can store and restore it without changing any source.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sluice::connectors {

struct Position {
  // (partition, offset) pairs. The meaning of an offset is the source's own: an event
  // index for the generator, a byte offset for a file, an LSN for Postgres.
  std::vector<std::pair<std::string, int64_t>> offsets;

  // The offset for `partition`, or -1 when absent.
  int64_t OffsetOf(const std::string& partition) const;
  void Set(const std::string& partition, int64_t offset);
  bool operator==(const Position&) const = default;

  // Stable text form: one "offset partition" per line (partitions may contain any
  // character but a newline). Parse(ToString()) == *this.
  std::string Serialize() const;
  static Result<Position> Parse(const std::string& text);
  // Short human form for logs: "orders.csv@1234, items.csv@99".
  std::string ToString() const;
};

}  // namespace sluice::connectors
