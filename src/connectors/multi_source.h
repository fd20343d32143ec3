// MultiSource: several sources read as one, so that one pipeline can run a query that
// joins or unions streams of different sources (an HTTP event stream with a CDC table).
//
// Streams: the members' streams in member order (member k's stream s is stream
// offset(k) + s). Next polls the members in turn, starting after the one that gave data
// last, so a busy member cannot starve another; it returns kData when a member gave
// batches, kEnd when every member has ended, kIdle otherwise. Positions: each member's
// partitions prefixed with "<member name>/", so Seek hands every member back exactly its
// own. Each member is opened with its own name in the context, so its bad records and
// dead letters name it.
//
// Event time: the members' records interleave in the order they are read, not in event
// time. Joins take their watermark from the slower input (HashJoin: the minimum of both
// sides), so a join across members is not disturbed by one member running ahead; a window
// over a UNION ALL of two members sees one maximum event time and may find the slower
// member's rows late (they go to the late-data side output, counted, never dropped).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "connectors/connector.h"

namespace sluice::connectors {

class MultiSource : public Source {
 public:
  struct Member {
    std::string name;  // the source's name in the project (unique, no '/')
    std::unique_ptr<Source> source;
  };
  explicit MultiSource(std::vector<Member> members);

  const std::vector<StreamInfo>& streams() const override { return streams_; }
  Status Open(const ConnectorContext& ctx) override;
  // Invalid when `pos` holds a partition without a member prefix or of an unknown member.
  Status Seek(const Position& pos) override;
  Result<ReadState> Next(std::vector<SourceBatch>* out, int64_t max_records) override;
  Position CurrentPosition() const override;
  // The sum of the members' known lags; -1 when none is known.
  int64_t Lag() const override;
  // Closes every member; the first error.
  Status Close() override;

  // The stream index of member `member`'s stream `stream`.
  int StreamIndex(size_t member, int stream) const { return offsets_[member] + stream; }

 private:
  std::vector<Member> members_;
  std::vector<int> offsets_;      // per member: its first stream's index
  std::vector<bool> ended_;       // per member: returned kEnd
  std::vector<StreamInfo> streams_;
  size_t next_ = 0;               // the member polled first by the next Next
  std::vector<SourceBatch> scratch_;
};

}  // namespace sluice::connectors
