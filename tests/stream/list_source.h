// ListSource: a bounded source for pipeline tests that yields given batches of one stream
// (named "") in order, then ends.
#pragma once

#include <utility>
#include <vector>

#include "connectors/connector.h"

namespace sluice::stream::testing {

class ListSource final : public connectors::Source {
 public:
  ListSource(SchemaPtr schema, std::vector<RecordBatchPtr> batches) : batches_(std::move(batches)) {
    streams_.push_back({"", std::move(schema)});
  }
  const std::vector<connectors::StreamInfo>& streams() const override { return streams_; }
  Status Open(const connectors::ConnectorContext&) override { return Status::OK(); }
  Status Seek(const connectors::Position&) override { return Status::OK(); }
  Result<connectors::ReadState> Next(std::vector<connectors::SourceBatch>* out, int64_t) override {
    if (next_ == batches_.size()) return connectors::ReadState::kEnd;
    out->push_back({0, batches_[next_++]});
    return connectors::ReadState::kData;
  }
  connectors::Position CurrentPosition() const override { return {}; }
  Status Close() override { return Status::OK(); }

 private:
  std::vector<connectors::StreamInfo> streams_;
  std::vector<RecordBatchPtr> batches_;
  size_t next_ = 0;
};

}  // namespace sluice::stream::testing
