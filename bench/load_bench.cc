#include "load_bench.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench_setup.h"
#include "core/time.h"
#include "core/value.h"
#include "warehouse/duckdb_warehouse.h"
#include "warehouse/postgres_warehouse.h"
#include "warehouse/table_name.h"
// The throwaway server of the tests (header-only): initdb + pg_ctl on a free loopback
// port in a temporary folder, stopped and removed when the process exits.
#include "warehouse/scratch_postgres.h"

namespace sluice::bench {

namespace {

constexpr int64_t kBatchRows = 2048;
constexpr int64_t kDistinctRows = 65536;
constexpr const char* kSluiceTable = "sluice_load";
constexpr const char* kReferenceTable = "reference_load";

// The shop generator's orders, re-cut into kBatchRows-row batches: up to kDistinctRows
// distinct rows (fewer when `rows` is smaller), then the same batches again up to `rows`.
Result<std::vector<RecordBatchPtr>> MakeRows(int64_t rows, SchemaPtr* schema) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<connectors::Source> source,
                          OpenGenerator("shop", 42, /*max_events=*/-1));
  int orders = -1;
  const auto& streams = source->streams();
  for (size_t i = 0; i < streams.size(); ++i) {
    if (streams[i].name == "orders") orders = static_cast<int>(i);
  }
  if (orders < 0) return Status::Internal("the shop generator has no orders stream");
  *schema = streams[static_cast<size_t>(orders)].schema;
  const int64_t distinct = std::min(rows, kDistinctRows);
  std::vector<RecordBatchPtr> pool;
  std::unique_ptr<BatchBuilder> builder;
  int64_t have = 0;
  std::vector<connectors::SourceBatch> out;
  while (have < distinct) {
    out.clear();
    SLUICE_ASSIGN_OR_RETURN(connectors::ReadState state,
                            source->Next(&out, connectors::kNoRecordLimit));
    for (const auto& sb : out) {
      if (sb.stream != orders) continue;
      const RecordBatch& b = *sb.batch;
      int64_t at = 0;
      while (at < b.num_rows() && have < distinct) {
        if (!builder) builder = std::make_unique<BatchBuilder>(*schema, kBatchRows);
        const int64_t take =
            std::min({b.num_rows() - at, kBatchRows - builder->num_rows(), distinct - have});
        for (int c = 0; c < b.num_columns(); ++c) builder->column(c)->AppendRange(b.column(c), at, take);
        at += take;
        have += take;
        if (builder->num_rows() == kBatchRows || have == distinct) {
          pool.push_back(builder->Finish());
          builder.reset();
        }
      }
    }
    if (state == connectors::ReadState::kEnd) break;
  }
  SLUICE_RETURN_NOT_OK(source->Close());
  if (pool.empty()) return Status::Internal("the shop generator produced no orders");
  std::vector<RecordBatchPtr> batches;
  int64_t total = 0;
  for (size_t i = 0; total < rows; i = (i + 1) % pool.size()) {
    batches.push_back(pool[i]);
    total += pool[i]->num_rows();
  }
  // The last batch may overshoot: cut it to size.
  if (total > rows) {
    const RecordBatchPtr& last = batches.back();
    const int64_t keep = last->num_rows() - (total - rows);
    BatchBuilder cut(*schema, keep);
    for (int c = 0; c < last->num_columns(); ++c) cut.column(c)->AppendRange(last->column(c), 0, keep);
    batches.back() = cut.Finish();
  }
  return batches;
}

// Writes the batches as CSV with a header: NULL as an empty field, text always quoted
// (so an empty string stays one), other values as AppendCellText writes them.
Result<int64_t> WriteCsv(const Schema& schema, const std::vector<RecordBatchPtr>& batches,
                         const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return Status::IOError("cannot write " + path + "; check --tmp-dir");
  std::string buf;
  for (int c = 0; c < schema.num_fields(); ++c) buf += (c ? "," : "") + schema.field(c).name;
  buf += '\n';
  int64_t bytes = 0;
  for (const RecordBatchPtr& b : batches) {
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      for (int c = 0; c < b->num_columns(); ++c) {
        if (c > 0) buf += ',';
        const Column& col = b->column(c);
        if (col.IsNull(i)) continue;
        if (col.type().id != TypeId::kVarchar) {
          AppendCellText(col, i, &buf);
          continue;
        }
        buf += '"';
        for (char ch : col.GetString(i)) {
          if (ch == '"') buf += '"';
          buf += ch;
        }
        buf += '"';
      }
      buf += '\n';
    }
    if (buf.size() > (1 << 20)) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      bytes += static_cast<int64_t>(buf.size());
      buf.clear();
    }
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
  bytes += static_cast<int64_t>(buf.size());
  out.close();
  if (!out) return Status::IOError("writing " + path + " failed (disk full?)");
  return bytes;
}

Status FreshTable(warehouse::Connection* conn, const std::string& table, const Schema& schema) {
  SLUICE_RETURN_NOT_OK(conn->Execute("DROP TABLE IF EXISTS " + table));
  return conn->EnsureTable(table, schema);
}

Status CheckCount(warehouse::Connection* conn, const std::string& table, int64_t rows) {
  SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult r,
                          conn->Query("SELECT count(*) FROM " + table));
  const int64_t n = r.num_rows() == 1 ? r.batches[0]->column(0).Get<int64_t>(0) : -1;
  if (n != rows) {
    return Status::Internal("load bench: table " + table + " holds " + std::to_string(n) +
                            " rows after the load, expected " + std::to_string(rows));
  }
  return Status::OK();
}

// Both loads hold the same rows (the CSV round trip lost nothing).
Status CheckSameRows(warehouse::Connection* conn) {
  SLUICE_ASSIGN_OR_RETURN(
      warehouse::QueryResult r,
      conn->Query(std::string("SELECT count(*) FROM (SELECT * FROM ") + kSluiceTable +
                  " EXCEPT SELECT * FROM " + kReferenceTable + ") AS d"));
  const int64_t n = r.num_rows() == 1 ? r.batches[0]->column(0).Get<int64_t>(0) : -1;
  if (n != 0) {
    return Status::Internal("load bench: " + std::to_string(n) + " distinct rows of " +
                            kSluiceTable + " are missing from " + kReferenceTable +
                            "; the two loads differ");
  }
  return Status::OK();
}

// The measured sluice load; returns wall seconds.
Result<double> LoadWithSluice(warehouse::Connection* conn, const Schema& schema,
                              const std::vector<RecordBatchPtr>& batches) {
  const int64_t start = MonotonicNanos();
  SLUICE_ASSIGN_OR_RETURN(auto appender, conn->Append(kSluiceTable, schema));
  for (const RecordBatchPtr& b : batches) SLUICE_RETURN_NOT_OK(appender->Write(*b));
  SLUICE_RETURN_NOT_OK(appender->Close());
  return static_cast<double>(MonotonicNanos() - start) / 1e9;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// psql from the newest /usr/lib/postgresql/<version>/bin, else from the PATH.
std::string FindPsql() {
  std::string best = "psql";
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = (entry.path() / "bin" / "psql").string();
    const int version = std::atoi(entry.path().filename().c_str());
    if (std::filesystem::exists(bin) && version > best_version) {
      best_version = version;
      best = bin;
    }
  }
  return best;
}

// The measured reference load; returns wall seconds.
Result<double> LoadWithReference(const std::string& kind, warehouse::Connection* conn,
                                 const std::string& url, const std::string& csv,
                                 const std::string& log) {
  if (kind == "duckdb") {
    const int64_t start = MonotonicNanos();
    SLUICE_RETURN_NOT_OK(conn->Execute(std::string("COPY ") + kReferenceTable + " FROM " +
                                       warehouse::QuoteLiteral(csv) + " (HEADER)"));
    return static_cast<double>(MonotonicNanos() - start) / 1e9;
  }
  const std::string copy = std::string("\\copy ") + kReferenceTable + " FROM " + ShellQuote(csv) +
                           " WITH (FORMAT csv, HEADER)";
  const std::string cmd = ShellQuote(FindPsql()) + " -X -q -v ON_ERROR_STOP=1 -d " +
                          ShellQuote(url) + " -c " + ShellQuote(copy) + " >" + log + " 2>&1";
  const int64_t start = MonotonicNanos();
  const int rc = std::system(cmd.c_str());
  const double seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
  if (rc != 0) {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return Status::IOError("the reference load (psql \\copy) failed: " + text +
                           "(is the PostgreSQL client `psql` installed? Debian: postgresql-client)");
  }
  return seconds;
}

}  // namespace

Result<BenchResult> RunLoadBench(const LoadBenchOptions& o) {
  if (o.warehouse != "duckdb" && o.warehouse != "postgres") {
    return Status::Invalid("unknown warehouse '" + o.warehouse + "'; use duckdb or postgres");
  }
  if (o.rows <= 0) return Status::Invalid("--rows must be positive");
  if (o.repeat < 1) return Status::Invalid("--repeat must be at least 1");
  if (o.warehouse == "duckdb" && !o.url.empty()) {
    return Status::Invalid("--url is for --warehouse postgres; DuckDB loads into a temporary file");
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ScratchDir> dir,
                          ScratchDir::Make(o.tmp_dir, "sluice-load"));
  SchemaPtr schema;
  SLUICE_ASSIGN_OR_RETURN(std::vector<RecordBatchPtr> batches, MakeRows(o.rows, &schema));
  const std::string csv = dir->File("rows.csv");
  SLUICE_ASSIGN_OR_RETURN(int64_t csv_bytes, WriteCsv(*schema, batches, csv));

  std::string url = o.url;
  std::unique_ptr<warehouse::Warehouse> wh;
  if (o.warehouse == "duckdb") {
    SLUICE_ASSIGN_OR_RETURN(wh, warehouse::OpenDuckDB(dir->File("bench.duckdb")));
  } else {
    if (url.empty()) {
      warehouse::ScratchPostgres& server = warehouse::ScratchPostgres::Shared();
      if (!server.ok()) return Status::IOError("cannot start a throwaway PostgreSQL server: " + server.error() + " (or pass --url)");
      url = server.Url("postgres");
    }
    SLUICE_ASSIGN_OR_RETURN(wh, warehouse::OpenPostgres(url));
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Connection> conn, wh->Connect());
  ResetPeakRss();

  std::vector<double> seconds, rate, reference_seconds, reference_rate, ratio;
  for (int rep = 0; rep < o.repeat; ++rep) {
    double sluice_s = 0, reference_s = 0;
    for (int turn = 0; turn < 2; ++turn) {
      const bool sluice_turn = (turn == 0) == (rep % 2 == 0);  // alternate who goes first
      const std::string table = sluice_turn ? kSluiceTable : kReferenceTable;
      SLUICE_RETURN_NOT_OK(FreshTable(conn.get(), table, *schema));
      if (sluice_turn) {
        SLUICE_ASSIGN_OR_RETURN(sluice_s, LoadWithSluice(conn.get(), *schema, batches));
      } else {
        SLUICE_ASSIGN_OR_RETURN(reference_s, LoadWithReference(o.warehouse, conn.get(), url, csv,
                                                               dir->File("psql.log")));
      }
      SLUICE_RETURN_NOT_OK(CheckCount(conn.get(), table, o.rows));
    }
    if (rep == 0) SLUICE_RETURN_NOT_OK(CheckSameRows(conn.get()));
    const auto n = static_cast<double>(o.rows);
    seconds.push_back(sluice_s);
    rate.push_back(sluice_s > 0 ? n / sluice_s : 0);
    reference_seconds.push_back(reference_s);
    reference_rate.push_back(reference_s > 0 ? n / reference_s : 0);
    ratio.push_back(sluice_s > 0 ? reference_s / sluice_s : 0);
  }
  (void)conn->Execute(std::string("DROP TABLE IF EXISTS ") + kSluiceTable);
  (void)conn->Execute(std::string("DROP TABLE IF EXISTS ") + kReferenceTable);

  BenchResult r;
  r.name = "load/" + o.warehouse;
  r.events = o.rows;
  for (const RecordBatchPtr& b : batches) r.bytes += b->ByteSize();
  r.seconds = Median(seconds);
  r.rate_unit = "rows_per_sec";
  r.per_core_rate = Median(rate);
  r.peak_rss_bytes = PeakRssBytes();
  r.extra = {{"rows", static_cast<double>(o.rows)},
             {"reference_rows_per_sec", Median(reference_rate)},
             {"reference_seconds", Median(reference_seconds)},
             {"ratio", Median(ratio)},
             {"rate_min", *std::min_element(rate.begin(), rate.end())},
             {"rate_max", *std::max_element(rate.begin(), rate.end())},
             {"repeat", static_cast<double>(o.repeat)},
             {"csv_bytes", static_cast<double>(csv_bytes)}};
  return r;
}

}  // namespace sluice::bench
