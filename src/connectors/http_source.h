// HttpSource: the `http` source (docs/collector.md). Events posted to
// POST /v1/events/<name> are validated, appended durably to the source's embedded log
// (<state_dir>/log/<name>) by the HTTP collector (http_collector.h), and read back here
// by offset.
//
// One listener per process serves every http source: the first Open starts the
// collector and its HTTP server on the project's collector address (ConnectorContext::
// collector_listen, from sluice.yaml `collector: {listen: ...}`), the last Close stops it.
// The bound address is written to <state_dir>/collector.addr ("host:port", useful with
// port 0).
//
// Rejected events (validation errors) are reported to ConnectorContext::on_bad_record on
// the pipeline's thread, from Next and Close.
//
// Position: partition "log" = offset of the next log record (one record = one accepted
// batch), partition "row" = rows of that batch already returned. Seek resumes there, so
// after a restart nothing acknowledged is lost and nothing is read twice.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "connectors/http_collector.h"
#include "core/config.h"

namespace sluice::connectors {

class HttpSource final : public Source {
 public:
  HttpSource(HttpSourceConfig config, std::string listen);
  ~HttpSource() override;

  const std::vector<StreamInfo>& streams() const override { return streams_; }
  // Registers with the process's collector (starting it when first) and opens the log.
  Status Open(const ConnectorContext& ctx) override;
  Status Seek(const Position& pos) override;
  // Batches from the log at the current position; kIdle when caught up (never kEnd).
  Result<ReadState> Next(std::vector<SourceBatch>* out, int64_t max_records) override;
  Position CurrentPosition() const override;
  // Log records (accepted batches) not yet read.
  int64_t Lag() const override;
  Status Close() override;

 private:
  HttpSourceConfig config_;
  std::string listen_;
  std::vector<StreamInfo> streams_;
  bool attached_ = false;
  std::shared_ptr<log::Log> log_;
  std::unique_ptr<log::LogReader> reader_;
  int64_t offset_ = 0;  // log offset of queued_[next_]
  int64_t row_ = 0;     // rows of that batch already returned
  std::vector<RecordBatchPtr> queued_;  // decoded, not fully returned (null = undecodable)
  size_t next_ = 0;
  std::vector<std::string_view> views_;
  BadRecordHandler on_bad_;
  // Rejected events arrive on the collector's threads; they are queued here and handed to
  // the context's handler on the pipeline's thread (Next, Close), which is not
  // thread-safe. Shared: a request may still be reporting while the source closes.
  struct BadQueue;
  std::shared_ptr<BadQueue> bad_queue_;
  void DrainBadRecords();
};

// The `http` source factory (registry.h). Options: schema (required; the same forms as
// the file source's `columns`), token_env, max_body_bytes, idempotency_window,
// event_id_field.
std::unique_ptr<Source> MakeHttpSource(OptionReader& options, const ConnectorContext& ctx);

// The port the process's collector listens on, 0 when none runs (tests).
int CollectorPort();

}  // namespace sluice::connectors
