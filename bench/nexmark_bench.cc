#include "nexmark_bench.h"

#include <duckdb.h>
#include <malloc.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "bench.h"
#include "bench_setup.h"
#include "connectors/generator_source.h"
#include "core/hash.h"
#include "core/time.h"
#include "sql/plan.h"
#include "sql/sql.h"
#include "stream/lookup_join.h"
#include "stream/query_graph.h"

namespace sluice::bench {

namespace {

constexpr uint64_t kNullHash = 0x6e756c6c6e756c6cULL;

// --- checksum over rows, fed column by column -------------------------------------

// Accumulates per-row hashes of one batch/chunk, then folds them into the checksum.
class RowHasher {
 public:
  void Start(int64_t rows) { hashes_.assign(static_cast<size_t>(rows), 0x5eed); }
  void Add(int64_t row, uint64_t cell) { hashes_[static_cast<size_t>(row)] = HashCombine(hashes_[static_cast<size_t>(row)], cell); }
  uint64_t Get(int64_t row) const { return hashes_[static_cast<size_t>(row)]; }
  void Finish(uint64_t* checksum) {
    for (uint64_t h : hashes_) *checksum += h;
  }

 private:
  std::vector<uint64_t> hashes_;
};

std::string DuckTypeName(const DataType& t) {
  switch (t.id) {
    case TypeId::kBoolean: return "BOOLEAN";
    case TypeId::kInt32: return "INTEGER";
    case TypeId::kInt64: return "BIGINT";
    case TypeId::kDouble: return "DOUBLE";
    case TypeId::kDecimal:
      return "DECIMAL(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
    case TypeId::kVarchar: return "VARCHAR";
    case TypeId::kTimestamp: return "TIMESTAMP";
    case TypeId::kDate: return "DATE";
    default: return t.ToString();
  }
}

void HashSluiceColumn(const Column& c, RowHasher* h) {
  const int64_t n = c.length();
  for (int64_t i = 0; i < n; ++i) {
    uint64_t v = kNullHash;
    if (c.IsValid(i)) {
      switch (c.type().id) {
        case TypeId::kBoolean: v = HashInt64(c.values<uint8_t>()[i] != 0); break;
        case TypeId::kInt32:
        case TypeId::kDate: v = HashInt64(static_cast<uint64_t>(static_cast<int64_t>(c.values<int32_t>()[i]))); break;
        case TypeId::kVarchar: v = HashString(c.GetString(i)); break;
        case TypeId::kDouble: {
          uint64_t bits;
          std::memcpy(&bits, &c.values<double>()[i], 8);
          v = HashInt64(bits);
          break;
        }
        default: v = HashInt64(static_cast<uint64_t>(c.values<int64_t>()[i])); break;
      }
    }
    h->Add(i, v);
  }
}

// --- sluice --------------------------------------------------------------------------

constexpr int64_t kSideInputRows = 10000;
SchemaPtr SideInputSchema() {
  return MakeSchema({{"key", DataType::Int64(), false}, {"value", DataType::Varchar(), false}});
}

// The generator's three streams (person, auction, bid) under their Nexmark names.
class NexmarkCatalog final : public sql::Catalog {
 public:
  explicit NexmarkCatalog(const std::vector<connectors::StreamInfo>& streams) : streams_(streams) {}
  SchemaPtr FindTable(std::string_view name) const override {
    for (const auto& s : streams_) {
      if (EqualsIgnoreCase(name, s.name)) return s.schema;
    }
    return nullptr;
  }
  std::vector<std::string> TableNames() const override {
    std::vector<std::string> out;
    for (const auto& s : streams_) out.push_back(s.name);
    return out;
  }
  // q13's bounded side input.
  Result<SchemaPtr> FindLookupTable(std::string_view name) const override {
    return EqualsIgnoreCase(name, "side_input") ? SideInputSchema() : SchemaPtr();
  }

 private:
  std::vector<connectors::StreamInfo> streams_;
};

// q13's side input table, as Flink's Nexmark defines it: key BIGINT 0..9999 and value
// VARCHAR, the key as text.
RecordBatchPtr SideInputRows() {
  BatchBuilder b(SideInputSchema());
  for (int64_t k = 0; k < kSideInputRows; ++k) {
    b.column(0)->Append<int64_t>(k);
    b.column(1)->AppendString(std::to_string(k));
  }
  return b.Finish();
}

class SideInputProvider final : public stream::LookupTableProvider {
 public:
  Result<std::vector<RecordBatchPtr>> Load(const std::string& table, const SchemaPtr& schema) override {
    (void)schema;
    if (!EqualsIgnoreCase(table, "side_input")) return Status::Invalid("no lookup table " + table);
    return std::vector<RecordBatchPtr>{SideInputRows()};
  }
};

// Folds a changelog into the multiset checksum: +I/+U add the row's hash, -U/-D
// subtract it (wrapping); the row count moves by +1/-1 likewise.
class ChecksumSink final : public stream::ChangeSink {
 public:
  ChecksumSink(QueryOutput* out, bool checksum) : out_(out), checksum_(checksum) {}
  Status Emit(const warehouse::ChangeBatch& c) override {
    const RecordBatch& r = *c.rows;
    if (r.num_rows() != static_cast<int64_t>(c.ops.size())) return Status::Internal("change ops and rows differ in length");
    if (checksum_) {
      hasher_.Start(r.num_rows());
      for (int col = 0; col < r.num_columns(); ++col) HashSluiceColumn(r.column(col), &hasher_);
    }
    for (size_t i = 0; i < c.ops.size(); ++i) {
      const bool add = c.ops[i] == warehouse::ChangeOp::kInsert || c.ops[i] == warehouse::ChangeOp::kUpdateAfter;
      out_->rows += add ? 1 : -1;
      if (checksum_) {
        const uint64_t h = hasher_.Get(static_cast<int64_t>(i));
        out_->checksum += add ? h : 0 - h;
      }
    }
    return Status::OK();
  }

 private:
  QueryOutput* out_;
  bool checksum_;
  RowHasher hasher_;
};

// Fails when any operator of `graph` refused rows (late or bad): the comparison with
// DuckDB would be over different inputs.
Status CheckNothingRefused(const NexmarkQuery& q, stream::QueryGraph* graph) {
  stream::RefusedRows r = graph->TakeRefusedRows();
  if (r.rows == nullptr || r.rows->num_rows() == 0) return Status::OK();
  return Status::Invalid(std::string(q.name) + ": an operator refused " + std::to_string(r.rows->num_rows()) +
                         " input row(s), e.g. " + (r.reasons.empty() ? std::string("?") : r.reasons[0]));
}

// --- DuckDB --------------------------------------------------------------------------

duckdb_type DuckType(TypeId id) {
  switch (id) {
    case TypeId::kBoolean: return DUCKDB_TYPE_BOOLEAN;
    case TypeId::kInt32: return DUCKDB_TYPE_INTEGER;
    case TypeId::kInt64: return DUCKDB_TYPE_BIGINT;
    case TypeId::kDouble: return DUCKDB_TYPE_DOUBLE;
    case TypeId::kVarchar: return DUCKDB_TYPE_VARCHAR;
    case TypeId::kTimestamp: return DUCKDB_TYPE_TIMESTAMP;
    case TypeId::kDate: return DUCKDB_TYPE_DATE;
    default: return DUCKDB_TYPE_INVALID;
  }
}

// Copies rows [off, off + n) of one sluice column into a DuckDB vector.
void CopyToVector(const Column& c, int64_t off, int64_t n, duckdb_vector v) {
  if (c.has_nulls()) {
    duckdb_vector_ensure_validity_writable(v);
    uint64_t* validity = duckdb_vector_get_validity(v);
    for (int64_t i = 0; i < n; ++i) {
      if (c.IsNull(off + i)) duckdb_validity_set_row_invalid(validity, static_cast<idx_t>(i));
    }
  }
  if (c.type().id == TypeId::kVarchar) {
    for (int64_t i = 0; i < n; ++i) {
      const std::string_view s = c.GetString(off + i);
      duckdb_vector_assign_string_element_len(v, static_cast<idx_t>(i), s.data(), s.size());
    }
    return;
  }
  const int64_t width = c.type().ByteWidth();
  std::memcpy(duckdb_vector_get_data(v), c.data_buffer().data() + off * width, static_cast<size_t>(n * width));
}

// The type name of a DuckDB result column ("DECIMAL(18,3)") and whether the checksum
// can read it.
std::string DuckColumnType(duckdb_logical_type t, bool* known) {
  *known = true;
  switch (duckdb_get_type_id(t)) {
    case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
    case DUCKDB_TYPE_INTEGER: return "INTEGER";
    case DUCKDB_TYPE_BIGINT: return "BIGINT";
    case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
    case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
    case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
    case DUCKDB_TYPE_DATE: return "DATE";
    case DUCKDB_TYPE_DECIMAL: {
      *known = duckdb_decimal_internal_type(t) == DUCKDB_TYPE_BIGINT;
      return "DECIMAL(" + std::to_string(duckdb_decimal_width(t)) + "," +
             std::to_string(duckdb_decimal_scale(t)) + ")";
    }
    default: *known = false; return "type " + std::to_string(static_cast<int>(duckdb_get_type_id(t)));
  }
}

void HashDuckVector(duckdb_vector v, duckdb_type id, idx_t n, RowHasher* h) {
  uint64_t* validity = duckdb_vector_get_validity(v);
  void* data = duckdb_vector_get_data(v);
  for (idx_t i = 0; i < n; ++i) {
    uint64_t x = kNullHash;
    if (validity == nullptr || duckdb_validity_row_is_valid(validity, i)) {
      switch (id) {
        case DUCKDB_TYPE_BOOLEAN: x = HashInt64(static_cast<const bool*>(data)[i] ? 1 : 0); break;
        case DUCKDB_TYPE_INTEGER:
        case DUCKDB_TYPE_DATE:
          x = HashInt64(static_cast<uint64_t>(static_cast<int64_t>(static_cast<const int32_t*>(data)[i])));
          break;
        case DUCKDB_TYPE_VARCHAR: {
          auto* s = &static_cast<duckdb_string_t*>(data)[i];
          x = HashString(std::string_view(duckdb_string_t_data(s), duckdb_string_t_length(*s)));
          break;
        }
        case DUCKDB_TYPE_DOUBLE: {
          uint64_t bits;
          std::memcpy(&bits, &static_cast<const double*>(data)[i], 8);
          x = HashInt64(bits);
          break;
        }
        default: x = HashInt64(static_cast<uint64_t>(static_cast<const int64_t*>(data)[i])); break;
      }
    }
    h->Add(static_cast<int64_t>(i), x);
  }
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Result<sql::PlanPtr> PlanNexmarkQuery(const NexmarkQuery& q) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<connectors::Source> source, OpenGenerator("nexmark", 1, 1, "nexmark"));
  const NexmarkCatalog catalog(source->streams());
  const std::string file = "nexmark/" + std::string(q.name) + ".sql";
  SLUICE_ASSIGN_OR_RETURN(auto stmt, sql::ParseSelect(q.sluice_sql, file));
  return sql::PlanQuery(*stmt, catalog, sql::PlanOptions{}, sql::ErrorContext{q.sluice_sql, file});
}

Result<QueryOutput> RunNexmarkInSluice(const NexmarkQuery& q, int64_t events, uint64_t seed,
                                       bool checksum, const stream::OperatorStateOptions& state) {
  SLUICE_ASSIGN_OR_RETURN(sql::PlanPtr plan, PlanNexmarkQuery(q));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<connectors::Source> source, OpenGenerator("nexmark", seed, events, "nexmark"));
  stream::QueryGraphOptions options;
  options.watermark_delay_us = kNexmarkWatermarkDelayUs;
  options.error_context = sql::ErrorContext{q.sluice_sql, "nexmark/" + std::string(q.name) + ".sql"};
  options.lookup_tables = std::make_shared<SideInputProvider>();
  options.state = state;
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<stream::QueryGraph> graph, stream::QueryGraph::Make(plan, options));
  // Per generator stream, the graph ports that read it.
  const auto& streams = source->streams();
  std::vector<std::vector<int>> ports(streams.size());
  for (int p = 0; p < graph->num_inputs(); ++p) {
    bool found = false;
    for (size_t s = 0; s < streams.size(); ++s) {
      if (EqualsIgnoreCase(graph->input_tables()[static_cast<size_t>(p)], streams[s].name)) {
        ports[s].push_back(p);
        found = true;
      }
    }
    if (!found) return Status::Internal("query graph reads an unknown stream " + graph->input_tables()[static_cast<size_t>(p)]);
  }
  // Projection pushdown: the generator skips the streams no port reads (their batches
  // would be dropped below anyway); the streams read keep exactly their rows.
  if (auto* generator = dynamic_cast<connectors::GeneratorSource*>(source.get())) {
    std::vector<bool> read(streams.size());
    for (size_t s = 0; s < streams.size(); ++s) read[s] = !ports[s].empty();
    generator->SetStreamsRead(read);
  }
  QueryOutput out;
  const SchemaPtr out_schema = graph->output_schema();
  for (int i = 0; i < out_schema->num_fields(); ++i) {
    out.types += (i ? ", " : "") + DuckTypeName(out_schema->field(i).type);
  }
  ChecksumSink sink(&out, checksum);
  std::vector<connectors::SourceBatch> batches;
  for (;;) {
    batches.clear();
    SLUICE_ASSIGN_OR_RETURN(connectors::ReadState state, source->Next(&batches, connectors::kNoRecordLimit));
    for (const auto& b : batches) {
      for (int p : ports[static_cast<size_t>(b.stream)]) {
        SLUICE_RETURN_NOT_OK(graph->ApplyInput(p, *b.batch, &sink));
        SLUICE_RETURN_NOT_OK(CheckNothingRefused(q, graph.get()));
      }
    }
    if (state == connectors::ReadState::kEnd) break;
  }
  SLUICE_RETURN_NOT_OK(graph->Finish(&sink));
  SLUICE_RETURN_NOT_OK(CheckNothingRefused(q, graph.get()));
  SLUICE_RETURN_NOT_OK(source->Close());
  return out;
}

struct NexmarkDuckDb::Impl {
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  ~Impl() {
    if (con != nullptr) duckdb_disconnect(&con);
    if (db != nullptr) duckdb_close(&db);
  }
  Status Exec(const std::string& sql, duckdb_result* result) {
    if (duckdb_query(con, sql.c_str(), result) != DuckDBSuccess) {
      std::string msg = duckdb_result_error(result) ? duckdb_result_error(result) : "unknown error";
      duckdb_destroy_result(result);
      return Status::Invalid("DuckDB: " + msg + " in: " + sql);
    }
    return Status::OK();
  }
  Status Exec(const std::string& sql) {
    duckdb_result r;
    SLUICE_RETURN_NOT_OK(Exec(sql, &r));
    duckdb_destroy_result(&r);
    return Status::OK();
  }
};

NexmarkDuckDb::NexmarkDuckDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NexmarkDuckDb::~NexmarkDuckDb() = default;

Result<std::unique_ptr<NexmarkDuckDb>> NexmarkDuckDb::Load(int64_t events, uint64_t seed) {
  auto impl = std::make_unique<Impl>();
  if (duckdb_open(nullptr, &impl->db) != DuckDBSuccess || duckdb_connect(impl->db, &impl->con) != DuckDBSuccess) {
    return Status::IOError("cannot open an in-memory DuckDB");
  }
  SLUICE_RETURN_NOT_OK(impl->Exec("SET threads = 1"));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<connectors::Source> source, OpenGenerator("nexmark", seed, events, "nexmark"));
  const auto& streams = source->streams();
  // One table and appender per stream, with the stream's name and columns.
  std::vector<std::vector<duckdb_logical_type>> types(streams.size());
  std::vector<duckdb_appender> apps(streams.size(), nullptr);
  Status st;
  for (size_t s = 0; s < streams.size() && st.ok(); ++s) {
    const Schema& schema = *streams[s].schema;
    std::string ddl = "CREATE TABLE " + streams[s].name + " (";
    for (int i = 0; i < schema.num_fields(); ++i) {
      const duckdb_type t = DuckType(schema.field(i).type.id);
      if (t == DUCKDB_TYPE_INVALID) return Status::Internal(streams[s].name + " column type without a DuckDB mapping");
      ddl += (i ? ", " : "") + schema.field(i).name + " " + DuckTypeName(schema.field(i).type);
      types[s].push_back(duckdb_create_logical_type(t));
    }
    st = impl->Exec(ddl + ")");
    if (st.ok() && duckdb_appender_create(impl->con, nullptr, streams[s].name.c_str(), &apps[s]) != DuckDBSuccess) {
      st = Status::Internal("cannot create a DuckDB appender");
    }
  }
  auto db = std::unique_ptr<NexmarkDuckDb>(new NexmarkDuckDb(std::move(impl)));
  std::vector<connectors::SourceBatch> batches;
  const int64_t chunk_rows = static_cast<int64_t>(duckdb_vector_size());
  while (st.ok()) {
    batches.clear();
    Result<connectors::ReadState> state = source->Next(&batches, connectors::kNoRecordLimit);
    if (!state.ok()) {
      st = state.status();
      break;
    }
    for (const auto& b : batches) {
      const size_t s = static_cast<size_t>(b.stream);
      for (int64_t off = 0; off < b.batch->num_rows() && st.ok(); off += chunk_rows) {
        const int64_t n = std::min(chunk_rows, b.batch->num_rows() - off);
        duckdb_data_chunk chunk = duckdb_create_data_chunk(types[s].data(), types[s].size());
        for (int c = 0; c < b.batch->num_columns(); ++c) {
          CopyToVector(b.batch->column(c), off, n, duckdb_data_chunk_get_vector(chunk, static_cast<idx_t>(c)));
        }
        duckdb_data_chunk_set_size(chunk, static_cast<idx_t>(n));
        if (duckdb_append_data_chunk(apps[s], chunk) != DuckDBSuccess) {
          st = Status::Internal(std::string("DuckDB append: ") + duckdb_appender_error(apps[s]));
        }
        duckdb_destroy_data_chunk(&chunk);
      }
      if (streams[s].name == "bid") db->bid_rows_ += b.batch->num_rows();
    }
    if (*state == connectors::ReadState::kEnd) break;
  }
  for (auto& app : apps) {
    if (app != nullptr && duckdb_appender_destroy(&app) != DuckDBSuccess && st.ok()) {
      st = Status::Internal("DuckDB appender flush failed");
    }
  }
  for (auto& ts : types) {
    for (auto& t : ts) duckdb_destroy_logical_type(&t);
  }
  SLUICE_RETURN_NOT_OK(st);
  SLUICE_RETURN_NOT_OK(source->Close());
  // q13's side input (SideInputRows).
  SLUICE_RETURN_NOT_OK(db->impl_->Exec("CREATE TABLE side_input AS SELECT range AS key, CAST(range AS VARCHAR) "
                                       "AS value FROM range(" + std::to_string(kSideInputRows) + ")"));
  return db;
}

Result<QueryOutput> NexmarkDuckDb::Run(const NexmarkQuery& q, bool checksum) {
  duckdb_result result;
  SLUICE_RETURN_NOT_OK(impl_->Exec(std::string(q.duckdb_sql), &result));
  QueryOutput out;
  const idx_t cols = duckdb_column_count(&result);
  std::vector<duckdb_type> ids;
  Status st;
  for (idx_t c = 0; c < cols; ++c) {
    duckdb_logical_type t = duckdb_column_logical_type(&result, c);
    bool known = false;
    out.types += (c ? ", " : "") + DuckColumnType(t, &known);
    ids.push_back(duckdb_get_type_id(t));
    duckdb_destroy_logical_type(&t);
    if (!known && checksum) st = Status::Invalid("DuckDB result column " + std::to_string(c + 1) + " of " + std::string(q.name) + " has a type the checksum cannot read: " + out.types);
  }
  RowHasher hasher;
  for (;;) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
    if (chunk == nullptr) break;
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    out.rows += static_cast<int64_t>(n);
    if (checksum && st.ok()) {
      hasher.Start(static_cast<int64_t>(n));
      for (idx_t c = 0; c < cols; ++c) HashDuckVector(duckdb_data_chunk_get_vector(chunk, c), ids[c], n, &hasher);
      hasher.Finish(&out.checksum);
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  duckdb_destroy_result(&result);
  SLUICE_RETURN_NOT_OK(st);
  return out;
}

std::string ToJson(const NexmarkBenchResult& r) {
  std::ostringstream o;
  o.precision(6);
  o << "{\"query\":" << JsonString(r.query) << ",\"events\":" << r.events;
  if (!r.supported) {
    o << ",\"supported\":false,\"error\":" << JsonString(r.error) << ",\"match\":false}";
    return o.str();
  }
  if (!r.error.empty()) {
    o << ",\"error\":" << JsonString(r.error) << ",\"match\":false}";
    return o.str();
  }
  o << ",\"repeat\":" << r.repeat
    << ",\"seconds\":" << r.seconds << ",\"events_per_sec_per_core\":" << static_cast<int64_t>(r.events_per_sec_per_core)
    << ",\"rate_min\":" << static_cast<int64_t>(r.rate_min) << ",\"rate_max\":" << static_cast<int64_t>(r.rate_max)
    << ",\"peak_rss_bytes\":" << r.peak_rss_bytes << ",\"duckdb_seconds\":" << r.duckdb_seconds
    << ",\"ratio\":" << r.ratio << ",\"result_rows\":" << r.sluice.rows
    << ",\"duckdb_result_rows\":" << r.duckdb.rows << ",\"checksum\":\"" << std::hex << r.sluice.checksum
    << "\",\"duckdb_checksum\":\"" << r.duckdb.checksum << std::dec << "\",\"match\":" << (r.match ? "true" : "false");
  if (!r.match) o << ",\"types\":" << JsonString(r.sluice.types) << ",\"duckdb_types\":" << JsonString(r.duckdb.types);
  o << "}";
  return o.str();
}

std::vector<std::string> SupportedNexmarkQueries() {
  std::vector<std::string> out;
  for (const NexmarkQuery& q : NexmarkQueries()) {
    if (PlanNexmarkQuery(q).ok()) out.emplace_back(q.name);
  }
  return out;
}

Status RunNexmarkBench(const std::vector<std::string>& queries, int64_t events, int repeat,
                       uint64_t seed, std::vector<NexmarkBenchResult>* out,
                       const stream::OperatorStateOptions& state_options) {
  stream::OperatorStateOptions state = state_options;
  std::string scratch;  // removed on return
  if (state.backend == stream::StateBackendKind::kRocksDb && state.dir.empty()) {
    scratch = (std::filesystem::temp_directory_path() /
               ("sluice_nexmark_state_" + std::to_string(::getpid()))).string();
    state.dir = scratch;
  }
  struct RemoveScratch {
    const std::string& dir;
    ~RemoveScratch() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } remove_scratch{scratch};
  std::vector<const NexmarkQuery*> todo;
  const bool all = queries.empty() || (queries.size() == 1 && queries[0] == "all");
  for (const std::string& name : all ? SupportedNexmarkQueries() : queries) {
    const NexmarkQuery* q = FindNexmarkQuery(name);
    if (q == nullptr) {
      std::string known;
      for (const auto& k : NexmarkQueries()) known += (known.empty() ? "" : ", ") + std::string(k.name);
      return Status::Invalid("unknown Nexmark query '" + name + "'; the queries are " + known + " (or all)");
    }
    todo.push_back(q);
  }
  if (events <= 0) return Status::Invalid("the number of events must be positive");
  if (repeat < 1) return Status::Invalid("--repeat must be at least 1");
  const size_t first = out->size();
  // Phase 1, sluice alone in the process (so peak RSS is sluice's): the timed runs. A
  // query sluice cannot plan is reported unsupported with the planner's message; one
  // that fails while running (or whose operators refuse rows) reports that error.
  for (const NexmarkQuery* q : todo) {
    malloc_trim(0);  // return the previous query's freed heap, so its RSS does not count here
    ResetPeakRss();
    NexmarkBenchResult r;
    r.query = std::string(q->name);
    r.events = events;
    r.repeat = repeat;
    Result<sql::PlanPtr> plan = PlanNexmarkQuery(*q);
    if (!plan.ok()) {
      r.supported = false;
      r.error = plan.status().ToString();
      out->push_back(std::move(r));
      continue;
    }
    std::vector<double> wall, rate;
    for (int i = 0; i < repeat && r.error.empty(); ++i) {
      const int64_t start = MonotonicNanos();
      const double cpu = ProcessCpuSeconds();
      Result<QueryOutput> o = RunNexmarkInSluice(*q, events, seed, false, state);
      if (!o.ok()) {
        r.error = o.status().ToString();
        break;
      }
      const double cpu_used = ProcessCpuSeconds() - cpu;
      wall.push_back(static_cast<double>(MonotonicNanos() - start) / 1e9);
      rate.push_back(cpu_used > 0 ? static_cast<double>(events) / cpu_used : 0);
      r.sluice.rows = o->rows;
    }
    if (r.error.empty()) {
      r.peak_rss_bytes = PeakRssBytes();
      r.seconds = Median(wall);
      r.events_per_sec_per_core = Median(rate);
      r.rate_min = *std::min_element(rate.begin(), rate.end());
      r.rate_max = *std::max_element(rate.begin(), rate.end());
    }
    out->push_back(std::move(r));
  }
  // Phase 2: the same events in DuckDB (loading not timed), its timed runs, and one
  // untimed run on each side with checksums.
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<NexmarkDuckDb> duck, NexmarkDuckDb::Load(events, seed));
  for (size_t k = 0; k < todo.size(); ++k) {
    const NexmarkQuery* q = todo[k];
    NexmarkBenchResult& r = (*out)[first + k];
    if (!r.supported || !r.error.empty()) continue;
    std::vector<double> duck_wall;
    for (int i = 0; i < repeat; ++i) {
      const int64_t start = MonotonicNanos();
      SLUICE_ASSIGN_OR_RETURN(QueryOutput o, duck->Run(*q, false));
      duck_wall.push_back(static_cast<double>(MonotonicNanos() - start) / 1e9);
      (void)o;
    }
    Result<QueryOutput> mine = RunNexmarkInSluice(*q, events, seed, true, state);
    if (!mine.ok()) {
      r.error = mine.status().ToString();
      continue;
    }
    r.sluice = *mine;
    SLUICE_ASSIGN_OR_RETURN(r.duckdb, duck->Run(*q, true));
    r.match = r.sluice.rows == r.duckdb.rows && r.sluice.checksum == r.duckdb.checksum &&
              r.sluice.types == r.duckdb.types;
    r.duckdb_seconds = Median(duck_wall);
    r.ratio = r.seconds > 0 ? r.duckdb_seconds / r.seconds : 0;
  }
  return Status::OK();
}

}  // namespace sluice::bench
