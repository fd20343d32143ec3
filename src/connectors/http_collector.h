// HttpCollector: the transport-independent core of the HTTP event collector (the `http`
// source type, docs/collector.md). It routes requests, authenticates, decodes and
// validates event bodies against each source's schema, deduplicates retries, appends the
// accepted events to the source's embedded log (one log record = one columnar batch,
// connectors/batch_codec.h) and answers only after that append is fsynced.
//
//   POST /v1/events/{source}   NDJSON, a JSON array of objects, or one JSON object;
//                              Content-Encoding identity | gzip | zstd (415 otherwise)
//   GET  /healthz              200 while the process serves
//   GET  /readyz               200 once sources are registered and the committer runs
//
// Durability: one committer thread owns every source log (it is their single writer). A
// request enqueues its encoded batch and waits; the committer takes everything queued,
// appends it (one frame per source), fdatasyncs each touched log once (group commit:
// concurrent requests share one fsync) and wakes the waiters. When more than
// max_pending_bytes wait for the committer, new requests get 429 with Retry-After.
//
// Rejected events and Idempotency-Keys are durable too: a request with rejected events or
// a key also writes a RequestRecord (http_request_record.h) to the source's log, in the
// same frame as (and before) its accepted events, so both are synced by the same group
// commit and a crash keeps all of the request or none of it.
//
// Dedupe: an Idempotency-Key header replays the stored response of the first request
// with that key within the source's window; with event_id_field, an event whose id was
// accepted within the window is dropped (counted in "duplicates", and as accepted).
// Both live in memory, bounded in entries (when full the oldest are forgotten early). On
// AddSource the keys and event ids of the log's last kReloadRecords records are reloaded
// (ids as seen at that moment, keys with their own time), so retries after a restart are
// still deduplicated. A request finding ids of a request not yet durable waits for that
// commit before answering (503 if it failed). Request ids start from the clock
// (microseconds) and past the largest reloaded one, so they stay unique across restarts.
//
// Thread safety: HandleRequest may be called from any number of threads at once.
// AddSource/RemoveSource may run concurrently with requests.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "connectors/connector.h"
#include "core/schema.h"
#include "core/status.h"
#include "log/log.h"

namespace sluice::connectors {

// One http source as the collector sees it.
struct HttpSourceConfig {
  std::string name;
  SchemaPtr schema;
  std::string token;                       // bearer token; empty = no authentication
  int64_t max_body_bytes = int64_t{8} << 20;  // decompressed body limit (413 beyond)
  int64_t idempotency_window_micros = int64_t{600} * 1000000;
  std::string event_id_field;              // a schema column, or empty
};

struct CollectorOptions {
  // Bytes of encoded batches waiting for the committer beyond which requests get 429.
  int64_t max_pending_bytes = int64_t{256} << 20;
  int retry_after_seconds = 1;
  // Bounds of the dedupe memories (entries per source).
  size_t max_idempotency_keys = 100000;
  size_t max_event_ids = 2000000;
  log::LogOptions log_options;  // for every source log
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct CollectorRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  HeaderList headers;  // names in any case
  std::string body;    // as received (possibly compressed); consumed by HandleRequest
};

struct CollectorResponse {
  int status = 200;
  HeaderList headers;  // besides Content-Type (always application/json)
  std::string body;    // JSON
};

class HttpCollector {
 public:
  explicit HttpCollector(CollectorOptions options = {});
  // Stops the committer (pending appends are still committed first).
  ~HttpCollector();
  HttpCollector(const HttpCollector&) = delete;
  HttpCollector& operator=(const HttpCollector&) = delete;

  // Registers a source and opens its log in `log_dir` (created when missing). Rejected
  // events are stored in the log (see above) and, once durable, also reported to
  // `on_bad` (may be empty; the http source reads them from the log instead) with
  // location "request <id> record <index>". Fails when the name is taken or the log
  // cannot be opened.
  Status AddSource(HttpSourceConfig config, const std::string& log_dir, BadRecordHandler on_bad);
  // Unregisters a source (new requests then get 404) and waits for its requests in
  // flight to finish; its log closes when the last other holder (SourceLog) lets go.
  void RemoveSource(const std::string& name);
  // The source's log (readers may use it while the source is registered), or null.
  std::shared_ptr<log::Log> SourceLog(const std::string& name) const;
  size_t source_count() const;

  // Handles one request; blocks until the accepted events are durable.
  CollectorResponse HandleRequest(CollectorRequest request);

  // Tests: while paused the committer leaves the queue alone (requests wait or get 429).
  void PauseCommitsForTest(bool paused);
  // Requests waiting for the committer.
  size_t pending_requests() const;

 private:
  struct Source;
  struct Pending;
  struct Worker;

  CollectorResponse HandleEvents(const std::string& source_name, CollectorRequest& request);
  CollectorResponse Ingest(Source& src, CollectorRequest& request, int64_t request_id,
                           const std::string& key);
  Status Commit(Source* src, std::string bytes);
  // Marks the request holding `ticket` (0: none) finished and wakes AwaitOwners.
  void FinishTicket(Source& src, int64_t ticket);
  // Waits until the requests holding the ids `found` (tickets <= newest_owner) finished;
  // false when one of them failed (the ids are gone: those events are not stored) or an
  // id is held again by a newer request not yet stored. Called before this request stores
  // anything.
  bool AwaitOwners(Source& src, int64_t newest_owner, const std::vector<uint64_t>& found);
  // Removes the ids this request (`ticket`) inserted: it stored nothing.
  void ForgetIds(Source& src, const std::vector<uint64_t>& inserted, int64_t ticket);
  void CommitterLoop();
  std::shared_ptr<Source> FindSource(const std::string& name) const;
  // Reloads the dedupe memory from the last kReloadRecords records of the log: event ids
  // (as seen now) and Idempotency-Keys with their answers; moves next_request_id_ past
  // every request id found.
  Status ReloadFromLog(Source* src);
  static constexpr int64_t kReloadRecords = 8192;

  const CollectorOptions options_;
  mutable std::mutex sources_mu_;
  std::map<std::string, std::shared_ptr<Source>> sources_;
  std::atomic<int64_t> next_request_id_{1};  // set from the clock

  mutable std::mutex queue_mu_;
  std::condition_variable queue_cv_;  // committer waits for work
  std::condition_variable done_cv_;   // requests wait for their commit
  std::vector<Pending*> queue_;
  int64_t pending_bytes_ = 0;  // queued and being committed
  size_t pending_count_ = 0;
  bool paused_ = false;
  bool stopping_ = false;
  std::thread committer_;
};

}  // namespace sluice::connectors
