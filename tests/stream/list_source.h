// ListSource: a source for pipeline tests that yields given batches of one stream (named
// "") in order, then ends (or stays idle).
#pragma once

#include <utility>
#include <vector>

#include "connectors/connector.h"

namespace sluice::stream::testing {

class ListSource final : public connectors::Source {
 public:
  // After the batches Next returns `at_end`: kEnd, or kIdle for a source that goes quiet
  // and never ends (the run stops on its stop flag).
  ListSource(SchemaPtr schema, std::vector<RecordBatchPtr> batches,
             connectors::ReadState at_end = connectors::ReadState::kEnd)
      : batches_(std::move(batches)), at_end_(at_end) {
    streams_.push_back({"", std::move(schema)});
  }
  const std::vector<connectors::StreamInfo>& streams() const override { return streams_; }
  Status Open(const connectors::ConnectorContext&) override { return Status::OK(); }
  Status Seek(const connectors::Position&) override { return Status::OK(); }
  Result<connectors::ReadState> Next(std::vector<connectors::SourceBatch>* out, int64_t) override {
    if (next_ == batches_.size()) return at_end_;
    out->push_back({0, batches_[next_++]});
    return connectors::ReadState::kData;
  }
  connectors::Position CurrentPosition() const override { return {}; }
  Status Close() override { return Status::OK(); }

 private:
  std::vector<connectors::StreamInfo> streams_;
  std::vector<RecordBatchPtr> batches_;
  connectors::ReadState at_end_;
  size_t next_ = 0;
};

}  // namespace sluice::stream::testing
