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
// Rejected events (validation errors) are stored in the same log by the collector, as
// RequestRecords (http_request_record.h) placed before the request's accepted events, and
// reported from Next to ConnectorContext::on_bad_record when the reader passes them, with
// location "request <id> record <index>, log offset <offset>" and stable_location set. A
// checkpoint therefore covers them like events: after a crash the ones past the
// checkpoint are reported again (the dead-letter table keeps one row per location).
//
// Position: partition "log" = offset of the next log record (a batch of accepted events
// or a request record), partition "row" = rows of that batch already returned. Seek
// resumes there, so after a restart nothing acknowledged is lost and nothing is read
// twice.
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
  // Log records (batches of accepted events and request records) not yet read.
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
  // Decoded log records not fully returned: a batch, or the rejected events of a
  // request record (neither: undecodable, already reported).
  struct Entry {
    RecordBatchPtr batch;
    std::vector<BadRecord> rejected;
  };
  std::vector<Entry> queued_;
  size_t next_ = 0;
  std::vector<std::string_view> views_;
  BadRecordHandler on_bad_;
  Entry DecodeRecord(std::string_view bytes, int64_t offset) const;
};

// The `http` source factory (registry.h). Options: schema (required; the same forms as
// the file source's `columns`), token_env, max_body_bytes, idempotency_window,
// event_id_field.
std::unique_ptr<Source> MakeHttpSource(OptionReader& options, const ConnectorContext& ctx);

// The port the process's collector listens on, 0 when none runs (tests).
int CollectorPort();

}  // namespace sluice::connectors
