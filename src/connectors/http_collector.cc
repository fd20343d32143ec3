#include "connectors/http_collector.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <unordered_map>

#include "connectors/batch_codec.h"
#include "connectors/http_body.h"
#include "connectors/http_request_record.h"
#include "connectors/ndjson_reader.h"
#include "connectors/record_reader.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/time.h"
#include "log/log_reader.h"

namespace sluice::connectors {

namespace {

constexpr size_t kMaxListedErrors = 1000;

std::string_view Header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

CollectorResponse Error(int status, std::string_view message) {
  CollectorResponse r;
  r.status = status;
  r.body = "{\"error\":";
  AppendJsonString(&r.body, message);
  r.body += "}";
  return r;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The line number at the end of a reader location ("request:17").
int64_t LineOf(const std::string& location) {
  const size_t colon = location.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::strtoll(location.c_str() + colon + 1, nullptr, 10);
}

// Hash of row `i` of an event id column (VARCHAR, INT32 or INT64); false when null.
bool EventIdHash(const Column& col, int64_t i, uint64_t* h) {
  if (col.IsNull(i)) return false;
  switch (col.type().id) {
    case TypeId::kVarchar: *h = HashString(col.GetString(i), 0x1d); return true;
    case TypeId::kInt32: *h = HashInt64(static_cast<uint64_t>(col.Get<int32_t>(i))); return true;
    case TypeId::kInt64: *h = HashInt64(static_cast<uint64_t>(col.Get<int64_t>(i))); return true;
    default: return false;
  }
}

}  // namespace

struct HttpCollector::Worker {
  std::vector<BadRecord>* sink = nullptr;
  BadRecordReporter reporter;
  NdjsonReader reader;
  Worker(const std::string& name, const SchemaPtr& schema)
      : reporter(name, [this](BadRecord r) { sink->push_back(std::move(r)); }),
        reader(schema, &reporter, 4096) {}
};

struct HttpCollector::Source {
  HttpSourceConfig cfg;
  std::shared_ptr<log::Log> log;
  BadRecordHandler on_bad;
  int event_id_col = -1;

  std::mutex mu;  // guards everything below
  std::vector<std::unique_ptr<Worker>> workers;  // idle parsers
  struct KeyEntry {
    int64_t time = 0;
    bool done = false;
    CollectorResponse response;
  };
  std::unordered_map<std::string, KeyEntry> keys;
  std::deque<std::pair<int64_t, std::string>> key_order;
  // Event id hash -> when it was accepted and the ticket of the request that stores it
  // (0: durable already, reloaded from the log).
  struct IdEntry {
    int64_t time = 0;
    int64_t ticket = 0;
  };
  std::unordered_map<uint64_t, IdEntry> ids;
  std::deque<std::pair<int64_t, uint64_t>> id_order;
  // Tickets of requests whose new ids are not durable yet. A request that finds
  // duplicates waits until the requests holding them finished (committed or failed)
  // before it answers "duplicate", so that answer is never ahead of the data.
  int64_t next_ticket = 1;
  std::set<int64_t> uncommitted;
  std::condition_variable committed_cv;

  std::unique_ptr<Worker> TakeWorker() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!workers.empty()) {
        std::unique_ptr<Worker> w = std::move(workers.back());
        workers.pop_back();
        return w;
      }
    }
    return std::make_unique<Worker>(cfg.name, cfg.schema);
  }
  void ReturnWorker(std::unique_ptr<Worker> w) {
    std::lock_guard<std::mutex> lock(mu);
    if (workers.size() < 64) workers.push_back(std::move(w));
  }
  // Forgets entries older than the window (and the oldest beyond the bounds). Under mu.
  void Expire(int64_t now, size_t max_keys, size_t max_ids) {
    const int64_t cutoff = now - cfg.idempotency_window_micros;
    while (!key_order.empty() && (key_order.front().first < cutoff || keys.size() > max_keys)) {
      auto it = keys.find(key_order.front().second);
      if (it != keys.end() && it->second.time == key_order.front().first) keys.erase(it);
      key_order.pop_front();
    }
    while (!id_order.empty() && (id_order.front().first < cutoff || ids.size() > max_ids)) {
      auto it = ids.find(id_order.front().second);
      if (it != ids.end() && it->second.time == id_order.front().first) ids.erase(it);
      id_order.pop_front();
    }
  }
};

struct HttpCollector::Pending {
  Source* src = nullptr;
  std::string request_bytes;  // an encoded RequestRecord, or empty
  std::string bytes;          // the encoded batch of accepted events, or empty
  bool done = false;
  Status status;
};

HttpCollector::HttpCollector(CollectorOptions options) : options_(std::move(options)) {
  // Request ids name rejected events in the dead-letter table: keep them unique across
  // restarts (ReloadFromLog also moves past the ids stored in the logs).
  next_request_id_.store(std::max<int64_t>(1, NowMicros()));
  committer_ = std::thread([this] { CommitterLoop(); });
}

HttpCollector::~HttpCollector() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
    paused_ = false;
  }
  queue_cv_.notify_all();
  committer_.join();
}

Status HttpCollector::AddSource(HttpSourceConfig config, const std::string& log_dir,
                                BadRecordHandler on_bad) {
  if (config.schema == nullptr) return Status::Invalid("http source '" + config.name + "': no schema");
  auto src = std::make_shared<Source>();
  if (!config.event_id_field.empty()) {
    src->event_id_col = config.schema->FieldIndex(config.event_id_field);
    if (src->event_id_col < 0) {
      return Status::Invalid("http source '" + config.name + "': event_id_field '" +
                             config.event_id_field + "' is not a column of its schema");
    }
  }
  {
    std::lock_guard<std::mutex> lock(sources_mu_);
    if (sources_.count(config.name) != 0) {
      return Status::AlreadyExists("http source '" + config.name + "' is already registered");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<log::Log> log,
                          log::Log::Open(log_dir, options_.log_options));
  src->log = std::shared_ptr<log::Log>(std::move(log));
  src->cfg = std::move(config);
  src->on_bad = std::move(on_bad);
  SLUICE_RETURN_NOT_OK(ReloadFromLog(src.get()));
  std::lock_guard<std::mutex> lock(sources_mu_);
  const std::string name = src->cfg.name;
  if (!sources_.emplace(name, std::move(src)).second) {
    return Status::AlreadyExists("http source '" + name + "' is already registered");
  }
  return Status::OK();
}

Status HttpCollector::ReloadFromLog(Source* src) {
  const int64_t end = src->log->next_offset();
  int64_t from = end - kReloadRecords;
  if (from < src->log->start_offset()) from = src->log->start_offset();
  if (from >= end) return Status::OK();
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<log::LogReader> reader, src->log->NewReader(from));
  std::vector<std::string_view> records;
  const int64_t now = NowMicros();
  while (reader->offset() < end) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, reader->Read(&records, size_t{8} << 20));
    if (n == 0) break;
    for (std::string_view rec : records) {
      if (IsRequestRecord(rec)) {
        Result<RequestRecord> req = DecodeRequestRecord(rec);
        if (!req.ok()) continue;
        int64_t next = next_request_id_.load();
        while (next <= req->request_id &&
               !next_request_id_.compare_exchange_weak(next, req->request_id + 1)) {
        }
        if (req->idempotency_key.empty() ||
            req->time_micros < now - src->cfg.idempotency_window_micros) {
          continue;
        }
        CollectorResponse answer;
        answer.status = req->status;
        answer.body = std::move(req->response_body);
        src->keys[req->idempotency_key] =
            Source::KeyEntry{req->time_micros, true, std::move(answer)};
        src->key_order.emplace_back(req->time_micros, std::move(req->idempotency_key));
        continue;
      }
      if (src->event_id_col < 0) continue;
      Result<RecordBatchPtr> b = DecodeBatch(rec, src->cfg.schema);
      if (!b.ok()) continue;  // another schema: its ids cannot be compared anyway
      const Column& col = (*b)->column(src->event_id_col);
      for (int64_t i = 0; i < (*b)->num_rows(); ++i) {
        uint64_t h = 0;
        if (EventIdHash(col, i, &h) && src->ids.emplace(h, Source::IdEntry{now, 0}).second) {
          src->id_order.emplace_back(now, h);
        }
      }
    }
  }
  src->Expire(now, options_.max_idempotency_keys, options_.max_event_ids);
  return Status::OK();
}

void HttpCollector::RemoveSource(const std::string& name) {
  std::shared_ptr<Source> src;
  {
    std::lock_guard<std::mutex> lock(sources_mu_);
    auto it = sources_.find(name);
    if (it == sources_.end()) return;
    src = std::move(it->second);
    sources_.erase(it);
  }
  // Requests in flight hold the source: wait for them (they finish their commit and
  // their bad-record reports), so that nothing is reported after this returns.
  while (src.use_count() > 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

std::shared_ptr<HttpCollector::Source> HttpCollector::FindSource(const std::string& name) const {
  std::lock_guard<std::mutex> lock(sources_mu_);
  auto it = sources_.find(name);
  return it == sources_.end() ? nullptr : it->second;
}

std::shared_ptr<log::Log> HttpCollector::SourceLog(const std::string& name) const {
  std::shared_ptr<Source> src = FindSource(name);
  return src ? src->log : nullptr;
}

size_t HttpCollector::source_count() const {
  std::lock_guard<std::mutex> lock(sources_mu_);
  return sources_.size();
}

void HttpCollector::PauseCommitsForTest(bool paused) {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    paused_ = paused;
  }
  queue_cv_.notify_all();
}

size_t HttpCollector::pending_requests() const {
  std::lock_guard<std::mutex> lock(queue_mu_);
  return pending_count_;
}

CollectorResponse HttpCollector::HandleRequest(CollectorRequest request) {
  const std::string& path = request.path;
  if (path == "/healthz" || path == "/readyz") {
    if (request.method != "GET" && request.method != "HEAD") {
      return Error(405, "use GET for " + path);
    }
    if (path == "/readyz" && source_count() == 0) {
      return Error(503, "no http source is registered yet");
    }
    CollectorResponse r;
    r.body = "{\"status\":\"ok\"}";
    return r;
  }
  static constexpr std::string_view kPrefix = "/v1/events/";
  if (path.compare(0, kPrefix.size(), kPrefix) == 0 && path.size() > kPrefix.size() &&
      path.find('/', kPrefix.size()) == std::string::npos) {
    if (request.method != "POST") {
      CollectorResponse r = Error(405, "use POST to send events to " + path);
      r.headers.emplace_back("Allow", "POST");
      return r;
    }
    return HandleEvents(path.substr(kPrefix.size()), request);
  }
  return Error(404, "no such endpoint '" + path +
                        "'; post events to /v1/events/<source>, or GET /healthz, /readyz");
}

CollectorResponse HttpCollector::HandleEvents(const std::string& source_name,
                                              CollectorRequest& request) {
  std::shared_ptr<Source> src = FindSource(source_name);
  if (src == nullptr) {
    std::string known;
    {
      std::lock_guard<std::mutex> lock(sources_mu_);
      for (const auto& [name, s] : sources_) known += (known.empty() ? "" : ", ") + name;
    }
    return Error(404, "unknown source '" + source_name + "'; http sources: " +
                          (known.empty() ? "(none)" : known));
  }
  if (!src->cfg.token.empty()) {
    const std::string_view auth = Header(request.headers, "Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || !EqualsIgnoreCase(auth.substr(0, 6), "Bearer") ||
        !ConstantTimeEquals(auth.substr(kBearer.size()), src->cfg.token)) {
      CollectorResponse r = Error(401, auth.empty() ? "missing bearer token: send "
                                                      "'Authorization: Bearer <token>'"
                                                    : "wrong bearer token");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
  }
  if (static_cast<int64_t>(request.body.size()) > src->cfg.max_body_bytes) {
    return Error(413, "body of " + std::to_string(request.body.size()) +
                          " bytes is over the limit of " +
                          std::to_string(src->cfg.max_body_bytes) + " (max_body_bytes); send "
                          "smaller batches");
  }
  const BodyCodec codec = ParseContentEncoding(Header(request.headers, "Content-Encoding"));
  if (codec == BodyCodec::kUnsupported) {
    return Error(415, "unsupported Content-Encoding '" +
                          std::string(Header(request.headers, "Content-Encoding")) +
                          "'; use gzip, zstd or none");
  }
  if (codec != BodyCodec::kIdentity) {
    std::string plain;
    Status st = Decompress(codec, request.body, src->cfg.max_body_bytes, &plain);
    if (st.code() == StatusCode::kOutOfRange) {
      return Error(413, "decompressed body is over the limit of " +
                            std::to_string(src->cfg.max_body_bytes) + " bytes (max_body_bytes)");
    }
    if (!st.ok()) return Error(400, st.message());
    request.body = std::move(plain);
  }

  // Idempotency-Key: replay the stored answer, or refuse while the first is in flight.
  const std::string key(Header(request.headers, "Idempotency-Key"));
  const int64_t now = NowMicros();
  if (!key.empty()) {
    std::lock_guard<std::mutex> lock(src->mu);
    src->Expire(now, options_.max_idempotency_keys, options_.max_event_ids);
    auto it = src->keys.find(key);
    if (it != src->keys.end()) {
      if (!it->second.done) {
        CollectorResponse r = Error(409, "a request with this Idempotency-Key is in progress; "
                                         "retry after it completes");
        r.headers.emplace_back("Retry-After", "1");
        return r;
      }
      CollectorResponse r = it->second.response;
      r.headers.emplace_back("Idempotent-Replayed", "true");
      return r;
    }
    src->keys[key] = Source::KeyEntry{now, false, {}};
    src->key_order.emplace_back(now, key);
  }
  const int64_t request_id = next_request_id_.fetch_add(1);
  CollectorResponse r = Ingest(*src, request, request_id, key);
  if (!key.empty()) {
    std::lock_guard<std::mutex> lock(src->mu);
    auto it = src->keys.find(key);
    if (it != src->keys.end()) {
      if (r.status == 200 || r.status == 400) {
        it->second.done = true;
        it->second.response = r;
      } else {
        src->keys.erase(it);  // not final: a retry must be processed
      }
    }
  }
  return r;
}

CollectorResponse HttpCollector::Ingest(Source& src, CollectorRequest& request,
                                        int64_t request_id, const std::string& key) {
  std::string scratch;
  std::string_view ndjson;
  int64_t records = 0;
  std::vector<SplitError> split_errors;
  Status st = SplitJsonBody(request.body, &scratch, &ndjson, &records, &split_errors);
  if (!st.ok()) return Error(400, st.message());
  if (records == 0) return Error(400, "the body holds no events; send NDJSON, a JSON array or "
                                      "one JSON object");
  // The reader needs kReadPadding readable bytes after the data.
  std::string& holder = ndjson.data() == request.body.data() ? request.body : scratch;
  const size_t size = ndjson.size();
  holder.append(static_cast<size_t>(kReadPadding), ' ');
  const char* data = holder.data();

  std::vector<BadRecord> bad;
  std::unique_ptr<Worker> worker = src.TakeWorker();
  worker->sink = &bad;
  FileCursor cursor;
  cursor.file = "request";
  cursor.started = true;
  int64_t used = 0;
  RecordBatchPtr batch;
  while (used < static_cast<int64_t>(size)) {
    Result<int64_t> n = worker->reader.ParseRecords(data + used, static_cast<int64_t>(size) - used,
                                                    true, INT64_MAX, &cursor);
    if (!n.ok()) {
      worker->reader.TakeBatch();
      worker->sink = nullptr;
      return Error(400, n.status().message());
    }
    if (*n == 0) break;
    used += *n;
  }
  batch = worker->reader.TakeBatch();
  worker->sink = nullptr;
  src.ReturnWorker(std::move(worker));

  // Per-index errors: the splitter's own, then the reader's (not for placeholders).
  std::vector<std::pair<int64_t, BadRecord>> errors;
  for (SplitError& e : split_errors) {
    errors.emplace_back(e.index, BadRecord{src.cfg.name, "", std::move(e.raw), std::move(e.error)});
  }
  const size_t n_split = errors.size();
  for (BadRecord& b : bad) {
    const int64_t index = LineOf(b.location) - 1;
    bool placeholder = false;
    for (size_t k = 0; k < n_split && !placeholder; ++k) placeholder = errors[k].first == index;
    if (!placeholder) errors.emplace_back(index, std::move(b));
  }
  std::sort(errors.begin(), errors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  // Event-id dedupe within the window.
  int64_t duplicates = 0;
  std::vector<uint64_t> inserted;
  int64_t ticket = 0;            // this request's, when it stores new ids
  int64_t newest_owner = 0;      // the newest other request holding ids found here
  std::vector<uint64_t> found;   // those ids
  if (batch != nullptr && src.event_id_col >= 0) {
    const Column& col = batch->column(src.event_id_col);
    std::vector<int32_t> keep;
    keep.reserve(static_cast<size_t>(batch->num_rows()));
    const int64_t now = NowMicros();
    {
      std::lock_guard<std::mutex> lock(src.mu);
      src.Expire(now, options_.max_idempotency_keys, options_.max_event_ids);
      ticket = src.next_ticket++;
      for (int64_t i = 0; i < batch->num_rows(); ++i) {
        uint64_t h = 0;
        if (EventIdHash(col, i, &h)) {
          auto [it, fresh] = src.ids.emplace(h, Source::IdEntry{now, ticket});
          if (!fresh) {
            ++duplicates;
            if (it->second.ticket != 0 && it->second.ticket != ticket &&
                src.uncommitted.count(it->second.ticket) != 0) {
              newest_owner = std::max(newest_owner, it->second.ticket);
              found.push_back(h);
            }
            continue;
          }
          src.id_order.emplace_back(now, h);
          inserted.push_back(h);
        }
        keep.push_back(static_cast<int32_t>(i));
      }
      if (!inserted.empty()) src.uncommitted.insert(ticket);
    }
    if (duplicates > 0) {
      std::vector<ColumnPtr> cols;
      for (int c = 0; c < batch->num_columns(); ++c) {
        auto out = std::make_shared<Column>(batch->column(c).type());
        out->AppendSelected(batch->column(c), keep.data(), static_cast<int64_t>(keep.size()));
        cols.push_back(std::move(out));
      }
      batch = keep.empty() ? nullptr
                           : std::make_shared<const RecordBatch>(batch->schema(), std::move(cols),
                                                                 static_cast<int64_t>(keep.size()));
    }
  }

  // Events of this request that an older request still being written holds: wait for it
  // before storing anything (a failed owner means they are not stored: nothing of this
  // request is then written, so the client's retry, even after a restart, stores them).
  if (!found.empty() && !AwaitOwners(src, newest_owner, found)) {
    ForgetIds(src, inserted, ticket);
    FinishTicket(src, inserted.empty() ? 0 : ticket);
    CollectorResponse retry = Error(503, "some events of this request were also in another "
                                         "request that failed to store them; retry");
    retry.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_seconds));
    return retry;
  }

  const int64_t accepted_rows = batch ? batch->num_rows() : 0;
  const int64_t rejected = static_cast<int64_t>(errors.size());
  CollectorResponse r;
  r.status = (accepted_rows + duplicates > 0 || rejected == 0) ? 200 : 400;
  r.body = "{\"accepted\":" + std::to_string(accepted_rows + duplicates) +
           ",\"rejected\":" + std::to_string(rejected) +
           ",\"duplicates\":" + std::to_string(duplicates) +
           ",\"request_id\":" + std::to_string(request_id) + ",\"errors\":[";
  for (size_t k = 0; k < errors.size() && k < kMaxListedErrors; ++k) {
    if (k > 0) r.body += ',';
    r.body += "{\"index\":" + std::to_string(errors[k].first) + ",\"error\":";
    AppendJsonString(&r.body, errors[k].second.error);
    r.body += '}';
  }
  r.body += ']';
  if (errors.size() > kMaxListedErrors) r.body += ",\"errors_truncated\":true";
  r.body += '}';

  // The rejected events and the key's answer are stored with the accepted events.
  Pending p;
  p.src = &src;
  if (rejected > 0 || !key.empty()) {
    RequestRecord rec;
    rec.request_id = request_id;
    rec.time_micros = NowMicros();
    rec.idempotency_key = key;
    rec.status = r.status;
    if (!key.empty()) rec.response_body = r.body;
    rec.rejected.reserve(errors.size());
    for (const auto& [index, b] : errors) rec.rejected.push_back({index, b.error, b.raw});
    EncodeRequestRecord(rec, &p.request_bytes);
  }
  if (accepted_rows > 0) EncodeBatch(*batch, &p.bytes);
  if (!p.bytes.empty() || !p.request_bytes.empty()) {
    bool busy = false;
    Status cst = Status::OK();
    {
      const int64_t sz = static_cast<int64_t>(p.bytes.size() + p.request_bytes.size());
      std::unique_lock<std::mutex> lock(queue_mu_);
      if (stopping_) {
        cst = Status::Cancelled("the collector is shutting down");
      } else if (pending_count_ > 0 && pending_bytes_ + sz > options_.max_pending_bytes) {
        busy = true;
      } else {
        pending_bytes_ += sz;
        ++pending_count_;
        queue_.push_back(&p);
        queue_cv_.notify_one();
        done_cv_.wait(lock, [&] { return p.done; });
        cst = p.status;
      }
    }
    if (busy || !cst.ok()) ForgetIds(src, inserted, ticket);
    FinishTicket(src, inserted.empty() ? 0 : ticket);
    if (busy) {
      CollectorResponse busy_r = Error(429, "the collector is busy (too many events waiting to "
                                            "be written); retry after a second");
      busy_r.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_seconds));
      return busy_r;
    }
    if (!cst.ok()) return Error(503, "events could not be stored: " + cst.message());
  }
  // Durable now: also hand the rejected events to the caller's handler, then answer.
  for (auto& [index, b] : errors) {
    if (!src.on_bad) break;
    BadRecord out = b;
    out.connector = src.cfg.name;
    out.location = "request " + std::to_string(request_id) + " record " + std::to_string(index);
    src.on_bad(std::move(out));
  }
  return r;
}

void HttpCollector::FinishTicket(Source& src, int64_t ticket) {
  if (ticket == 0) return;
  {
    std::lock_guard<std::mutex> lock(src.mu);
    // Durable (or rolled back above): the ids need no wait any more.
    src.uncommitted.erase(ticket);
  }
  src.committed_cv.notify_all();
}

bool HttpCollector::AwaitOwners(Source& src, int64_t newest_owner,
                                const std::vector<uint64_t>& found) {
  std::unique_lock<std::mutex> lock(src.mu);
  src.committed_cv.wait(lock, [&] {
    return src.uncommitted.empty() || *src.uncommitted.begin() > newest_owner;
  });
  for (uint64_t h : found) {
    auto it = src.ids.find(h);
    if (it == src.ids.end()) return false;  // its request failed: not stored
    // Held again, by a newer request not yet stored (the owner failed meanwhile): waiting
    // for it could wait on this request in turn; the client retries instead.
    if (src.uncommitted.count(it->second.ticket) != 0) return false;
  }
  return true;
}

void HttpCollector::ForgetIds(Source& src, const std::vector<uint64_t>& inserted, int64_t ticket) {
  std::lock_guard<std::mutex> lock(src.mu);
  for (uint64_t h : inserted) {
    auto it = src.ids.find(h);
    if (it != src.ids.end() && it->second.ticket == ticket) src.ids.erase(it);
  }
}

void HttpCollector::CommitterLoop() {
  std::vector<Pending*> batch;
  std::vector<std::pair<Source*, Status>> results;
  std::vector<std::string_view> records;
  std::unique_lock<std::mutex> lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [&] { return stopping_ || (!paused_ && !queue_.empty()); });
    if (queue_.empty()) {
      if (stopping_) return;
      continue;
    }
    batch.swap(queue_);
    lock.unlock();
    // One frame and one fsync per source touched by this group.
    std::stable_sort(batch.begin(), batch.end(),
                     [](const Pending* a, const Pending* b) { return a->src < b->src; });
    results.clear();
    for (size_t i = 0; i < batch.size();) {
      Source* src = batch[i]->src;
      records.clear();
      size_t j = i;
      for (; j < batch.size() && batch[j]->src == src; ++j) {
        // A request's rejected events (and key) go before its accepted events: a bounded
        // run that stops right after those events has reported the rejections too.
        if (!batch[j]->request_bytes.empty()) records.push_back(batch[j]->request_bytes);
        if (!batch[j]->bytes.empty()) records.push_back(batch[j]->bytes);
      }
      Status st = src->log->Append(records).status();
      if (st.ok()) st = src->log->Sync();
      for (size_t k = i; k < j; ++k) batch[k]->status = st;
      i = j;
    }
    lock.lock();
    for (Pending* p : batch) {
      pending_bytes_ -= static_cast<int64_t>(p->bytes.size() + p->request_bytes.size());
      --pending_count_;
      p->done = true;
    }
    batch.clear();
    done_cv_.notify_all();
  }
}

}  // namespace sluice::connectors
