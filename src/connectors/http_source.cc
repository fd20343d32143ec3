#include "connectors/http_source.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "connectors/batch_codec.h"
#include "connectors/file_source.h"
#include "connectors/http_request_record.h"
#include "connectors/http_transport.h"
#include "log/log_reader.h"

namespace sluice::connectors {

namespace {

// The process's one collector and listener, shared by every http source.
struct Hub {
  std::mutex mu;
  std::unique_ptr<HttpCollector> collector;
  std::unique_ptr<CollectorServer> server;
  int users = 0;
};

Hub& TheHub() {
  static Hub* hub = new Hub();  // never destroyed: sources may close during exit
  return *hub;
}

Status Attach(const HttpSourceConfig& config, const std::string& log_dir, BadRecordHandler on_bad,
              const std::string& listen, const std::string& state_dir) {
  Hub& hub = TheHub();
  std::lock_guard<std::mutex> lock(hub.mu);
  const bool first = hub.collector == nullptr;
  if (first) {
    hub.collector = std::make_unique<HttpCollector>();
    hub.server = std::make_unique<CollectorServer>(hub.collector.get());
    Status st = hub.server->Start(listen);
    if (!st.ok()) {
      hub.server.reset();
      hub.collector.reset();
      return Status::IOError("http source '" + config.name + "': " + st.message());
    }
    const size_t colon = listen.rfind(':');
    std::ofstream f(state_dir + "/collector.addr", std::ios::trunc);
    f << listen.substr(0, colon) << ":" << hub.server->port() << "\n";
  }
  Status st = hub.collector->AddSource(config, log_dir, std::move(on_bad));
  if (!st.ok()) {
    if (first) {
      hub.server.reset();
      hub.collector.reset();
    }
    return st;
  }
  ++hub.users;
  return Status::OK();
}

void Detach(const std::string& name) {
  Hub& hub = TheHub();
  std::lock_guard<std::mutex> lock(hub.mu);
  if (hub.collector == nullptr) return;
  hub.collector->RemoveSource(name);
  if (--hub.users == 0) {
    hub.server.reset();  // stops serving: no request is in the collector afterwards
    hub.collector.reset();
  }
}

RecordBatchPtr Slice(const RecordBatchPtr& b, int64_t offset, int64_t count) {
  std::vector<ColumnPtr> cols;
  cols.reserve(static_cast<size_t>(b->num_columns()));
  for (int c = 0; c < b->num_columns(); ++c) {
    auto col = std::make_shared<Column>(b->column(c).type());
    col->AppendRange(b->column(c), offset, count);
    cols.push_back(std::move(col));
  }
  return std::make_shared<const RecordBatch>(b->schema(), std::move(cols), count);
}

}  // namespace

HttpSource::Entry HttpSource::DecodeRecord(std::string_view bytes, int64_t offset) const {
  Entry e;
  const std::string at = "log offset " + std::to_string(offset);
  Status error;
  if (IsRequestRecord(bytes)) {
    Result<RequestRecord> req = DecodeRequestRecord(bytes);
    if (req.ok()) {
      for (RejectedEvent& r : req->rejected) {
        BadRecord bad;
        bad.connector = config_.name;
        bad.location = "request " + std::to_string(req->request_id) + " record " +
                       std::to_string(r.index) + ", " + at;
        bad.raw = std::move(r.raw);
        bad.error = std::move(r.error);
        bad.stable_location = true;
        e.rejected.push_back(std::move(bad));
      }
      return e;
    }
    error = req.status();
  } else {
    Result<RecordBatchPtr> b = DecodeBatch(bytes, config_.schema);
    if (b.ok()) {
      e.batch = std::move(*b);
      return e;
    }
    error = b.status();
  }
  BadRecord bad;
  bad.connector = config_.name;
  bad.location = at;
  bad.error = error.message();
  bad.stable_location = true;
  e.rejected.push_back(std::move(bad));
  return e;
}

int CollectorPort() {
  Hub& hub = TheHub();
  std::lock_guard<std::mutex> lock(hub.mu);
  return hub.server ? hub.server->port() : 0;
}

HttpSource::HttpSource(HttpSourceConfig config, std::string listen)
    : config_(std::move(config)), listen_(std::move(listen)) {
  streams_.push_back(StreamInfo{"", config_.schema});
}

HttpSource::~HttpSource() { (void)Close(); }

Status HttpSource::Open(const ConnectorContext& ctx) {
  if (attached_) return Status::OK();
  if (!ctx.collector_listen.empty()) listen_ = ctx.collector_listen;
  std::error_code ec;
  std::filesystem::create_directories(ctx.state_dir + "/log", ec);
  if (ec) {
    return Status::IOError("http source '" + config_.name + "': cannot create " + ctx.state_dir +
                           "/log: " + ec.message());
  }
  on_bad_ = ctx.on_bad_record;
  // Rejected events are read back from the log (Next), not reported by the collector.
  SLUICE_RETURN_NOT_OK(Attach(config_, ctx.state_dir + "/log/" + config_.name, nullptr, listen_,
                              ctx.state_dir));
  attached_ = true;
  Hub& hub = TheHub();
  {
    std::lock_guard<std::mutex> lock(hub.mu);
    log_ = hub.collector->SourceLog(config_.name);
  }
  return Status::OK();
}

Status HttpSource::Seek(const Position& pos) {
  const int64_t o = pos.OffsetOf("log");
  const int64_t r = pos.OffsetOf("row");
  offset_ = o < 0 ? 0 : o;
  row_ = r < 0 ? 0 : r;
  reader_.reset();
  queued_.clear();
  next_ = 0;
  return Status::OK();
}

Result<ReadState> HttpSource::Next(std::vector<SourceBatch>* out, int64_t max_records) {
  if (log_ == nullptr) return Status::Invalid("http source '" + config_.name + "' is not open");
  if (next_ == queued_.size()) {
    queued_.clear();
    next_ = 0;
    if (reader_ == nullptr) {
      if (offset_ > log_->next_offset()) {
        return Status::OutOfRange("http source '" + config_.name + "': resume position " +
                                  std::to_string(offset_) + " is past the end of its log (" +
                                  std::to_string(log_->next_offset()) +
                                  " records); the log was deleted or replaced");
      }
      SLUICE_ASSIGN_OR_RETURN(reader_, log_->NewReader(offset_));
    }
    SLUICE_ASSIGN_OR_RETURN(size_t n, reader_->Read(&views_, size_t{8} << 20));
    if (n == 0) return ReadState::kIdle;
    for (size_t i = 0; i < n; ++i) {
      queued_.push_back(DecodeRecord(views_[i], offset_ + static_cast<int64_t>(i)));
    }
  }
  int64_t budget = max_records;
  bool any = false;
  while (next_ < queued_.size() && budget > 0) {
    Entry& e = queued_[next_];
    const RecordBatchPtr& b = e.batch;
    if (b == nullptr || row_ >= b->num_rows()) {
      // Reported when passed, so the position after it covers the report.
      if (on_bad_) {
        for (BadRecord& bad : e.rejected) on_bad_(std::move(bad));
      }
      e.rejected.clear();
      ++next_;
      ++offset_;
      row_ = 0;
      continue;
    }
    const int64_t remaining = b->num_rows() - row_;
    const int64_t take = remaining < budget ? remaining : budget;
    out->push_back(SourceBatch{0, (row_ == 0 && take == remaining) ? b : Slice(b, row_, take)});
    any = true;
    row_ += take;
    budget -= take;
    if (row_ == b->num_rows()) {
      ++next_;
      ++offset_;
      row_ = 0;
    }
  }
  return any ? ReadState::kData : ReadState::kIdle;
}

Position HttpSource::CurrentPosition() const {
  Position p;
  p.Set("log", offset_);
  p.Set("row", row_);
  return p;
}

int64_t HttpSource::Lag() const { return log_ ? log_->next_offset() - offset_ : -1; }

Status HttpSource::Close() {
  if (!attached_) return Status::OK();
  reader_.reset();
  queued_.clear();
  next_ = 0;
  log_.reset();
  Detach(config_.name);
  attached_ = false;
  return Status::OK();
}

std::unique_ptr<Source> MakeHttpSource(OptionReader& options, const ConnectorContext& ctx) {
  HttpSourceConfig c;
  c.name = ctx.name;
  Diagnostics* diag = options.diagnostics();
  const ConfigValue* schema = options.Node("schema");
  if (schema == nullptr) {
    diag->Error(options.location(), "http source '" + ctx.name + "' has no 'schema'",
                "declare the event fields, e.g. 'schema: {event_id: VARCHAR, ts: TIMESTAMP}'");
  } else {
    c.schema = ParseColumnsOption(*schema, diag);
  }
  if (std::optional<std::string> env = options.OptionalString("token_env")) {
    const char* value = std::getenv(env->c_str());
    if (value == nullptr || *value == '\0') {
      options.Error("token_env", "environment variable '" + *env + "' (the bearer token) is "
                                 "not set or empty",
                    "export " + *env + "=<token> before starting sluice, or remove token_env "
                    "to accept events without authentication");
    } else {
      c.token = value;
    }
  }
  c.max_body_bytes = options.Int("max_body_bytes", c.max_body_bytes, 1024, int64_t{1} << 30);
  c.idempotency_window_micros = options.Duration("idempotency_window", c.idempotency_window_micros);
  if (c.idempotency_window_micros <= 0) {
    options.Error("idempotency_window", "'idempotency_window' must be positive", "e.g. 10m");
  }
  if (std::optional<std::string> id = options.OptionalString("event_id_field")) {
    c.event_id_field = *id;
    if (c.schema != nullptr) {
      const int col = c.schema->FieldIndex(*id);
      if (col < 0) {
        options.Error("event_id_field", "event_id_field '" + *id + "' is not a schema field",
                      "name one of the fields declared under 'schema'");
      } else {
        const TypeId t = c.schema->field(col).type.id;
        if (t != TypeId::kVarchar && t != TypeId::kInt64 && t != TypeId::kInt32) {
          options.Error("event_id_field", "event_id_field '" + *id + "' must be VARCHAR, INT or "
                                          "BIGINT, found " + c.schema->field(col).type.ToString());
        }
      }
    }
  }
  if (c.schema == nullptr) return nullptr;
  return std::make_unique<HttpSource>(std::move(c), ctx.collector_listen);
}

}  // namespace sluice::connectors
