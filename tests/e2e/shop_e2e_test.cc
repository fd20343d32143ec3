// The shop demo end to end: `sluice run examples/shop --max-events N` with the real binary,
// then the DuckDB tables are checked against counts and checksums computed independently
// here, from the same generator configuration, without SQL, sinks or the warehouse.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "connectors/registry.h"
#include "core/config.h"
#include "e2e/e2e_util.h"
#include "warehouse/scratch_postgres.h"

namespace sluice::e2e {
namespace {

constexpr int64_t kEvents = 30000;

struct Expected {
  int64_t orders = 0, order_ids = 0, order_cents = 0;
  int64_t large = 0, large_cents = 0;
  int64_t items = 0;
};

// Pulls the first kEvents rows from the shop generator configured as in
// examples/shop/sources/shop.yaml, and computes what the tables must hold.
Expected ComputeExpected() {
  ConfigValue opts = ConfigValue::Map();
  opts.Set("generator", ConfigValue::Scalar("shop"));
  opts.Set("seed", ConfigValue::Scalar("42"));
  // rate: 5000 in the project paces wall-clock time and sets the event-time rate; here
  // the same event-time rate without the pacing gives the same events at once.
  opts.Set("event_rate", ConfigValue::Scalar("5000"));
  Diagnostics diag;
  OptionReader reader(opts, &diag);
  connectors::ConnectorContext ctx;
  ctx.name = "shop";
  auto source = connectors::CreateSource("generator", {}, reader, ctx);
  EXPECT_TRUE(source != nullptr) << diag.ToString();
  if (!source) return {};
  EXPECT_TRUE(source->Open(ctx).ok());
  const auto& streams = source->streams();
  int orders_stream = -1, items_stream = -1;
  for (size_t i = 0; i < streams.size(); ++i) {
    if (streams[i].name == "orders") orders_stream = static_cast<int>(i);
    if (streams[i].name == "order_items") items_stream = static_cast<int>(i);
  }
  EXPECT_GE(orders_stream, 0);
  Expected e;
  int64_t seen = 0;
  std::vector<connectors::SourceBatch> batches;
  while (seen < kEvents) {
    batches.clear();
    auto state = source->Next(&batches, kEvents - seen);
    EXPECT_TRUE(state.ok());
    if (!state.ok()) break;
    for (const auto& sb : batches) {
      const int64_t take = sb.batch->num_rows();
      seen += take;
      if (sb.stream == items_stream) e.items += take;
      if (sb.stream != orders_stream) continue;
      const RecordBatch& b = *sb.batch;
      const int id = b.schema()->FieldIndex("order_id");
      const int status = b.schema()->FieldIndex("status");
      const int total = b.schema()->FieldIndex("total");
      for (int64_t r = 0; r < take; ++r) {
        if (b.column(status).GetString(r) == "cancelled") continue;
        const int64_t cents = b.column(total).Get<int64_t>(r);  // DECIMAL(12,2) unscaled
        ++e.orders;
        e.order_ids += b.column(id).Get<int64_t>(r);
        e.order_cents += cents;
        if (cents >= 20000) {
          ++e.large;
          e.large_cents += cents;
        }
      }
    }
    if (*state == connectors::ReadState::kEnd) break;
  }
  (void)source->Close();
  return e;
}

std::string CopyExample(const TempDir& dir) {
  const std::string dst = dir.str() + "/shop";
  std::filesystem::copy(SLUICE_SOURCE_DIR "/examples/shop", dst,
                        std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(dst + "/.sluice");
  return dst;
}

// The single data row of `sluice query --format csv`.
std::string QueryRow(const std::string& project, const std::string& sql) {
  CommandResult r = Sluice("query " + Quote(project) + " --format csv " + Quote(sql));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::istringstream in(r.output);
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  return row;
}

// The continuous GROUP BY (revenue_by_channel, upserted on channel) equals the same
// GROUP BY computed by the warehouse over the orders table.
void ExpectAggregateMatches(const std::string& project, const Expected& e) {
  EXPECT_EQ(QueryRow(project, "SELECT count(*) FROM (SELECT channel, count(*) AS orders, sum(total) "
                              "AS revenue FROM orders GROUP BY channel) a FULL JOIN "
                              "revenue_by_channel b USING (channel) WHERE a.orders IS DISTINCT "
                              "FROM b.orders OR a.revenue IS DISTINCT FROM b.revenue"),
            "0");
  EXPECT_EQ(QueryRow(project, "SELECT count(*) > 1, sum(orders), CAST(sum(revenue) * 100 AS BIGINT) "
                              "FROM revenue_by_channel"),
            "true," + std::to_string(e.orders) + "," + std::to_string(e.order_cents));
  // The per-minute windows (closed at the end of the run) account for every order once.
  EXPECT_EQ(QueryRow(project, "SELECT sum(orders), CAST(sum(revenue) * 100 AS BIGINT), "
                              "bool_and(window_end = window_start + INTERVAL '1 minute') "
                              "FROM orders_per_minute"),
            std::to_string(e.orders) + "," + std::to_string(e.order_cents) + ",true");
  EXPECT_EQ(QueryRow(project, "SELECT count(*) FROM (SELECT window_start, channel FROM "
                              "orders_per_minute GROUP BY 1, 2 HAVING count(*) > 1) d"),
            "0");
  // The live top five (a top-N over a changelog) holds ranks 1..5 with the five largest
  // unit counts the warehouse computes from every order line (ties may pick other ids).
  EXPECT_EQ(QueryRow(project, "SELECT count(*), count(DISTINCT rn), min(rn), max(rn), "
                              "string_agg(CAST(units AS VARCHAR), ',' ORDER BY rn) FROM best_sellers_live"),
            "5,5,1,5," + QueryRow(project, "SELECT string_agg(CAST(units AS VARCHAR), ',' ORDER BY units DESC) "
                                           "FROM (SELECT sum(quantity) AS units FROM order_items "
                                           "GROUP BY product_id ORDER BY units DESC LIMIT 5) t"));
}

// `sluice build` over the stream tables a run left: every model builds, every schema test
// passes, and the marts account for every order and every cent.
void ExpectModelsBuild(const std::string& project, const Expected& e) {
  CommandResult build = Sluice("build " + Quote(project) + " --threads 2");
  ASSERT_EQ(build.exit_code, 0) << build.output;
  EXPECT_NE(build.output.find("ERROR=0 SKIP=0"), std::string::npos) << build.output;
  const std::string orders_and_cents =
      std::to_string(e.orders) + "," + std::to_string(e.order_cents);
  EXPECT_EQ(QueryRow(project, "SELECT sum(orders), CAST(sum(revenue) * 100 AS BIGINT) FROM daily_revenue"),
            orders_and_cents);
  EXPECT_EQ(QueryRow(project, "SELECT sum(orders), CAST(sum(lifetime_value) * 100 AS BIGINT) "
                              "FROM customer_lifetime_value"),
            orders_and_cents);
  EXPECT_EQ(QueryRow(project, "SELECT min(revenue_rank), count(*) = count(DISTINCT product_id) "
                              "FROM top_products"),
            "1,true");
  // A second build is incremental for daily_revenue and leaves the same totals.
  CommandResult again = Sluice("build " + Quote(project) + " -s daily_revenue");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("delete+insert"), std::string::npos) << again.output;
  EXPECT_EQ(QueryRow(project, "SELECT sum(orders), CAST(sum(revenue) * 100 AS BIGINT) FROM daily_revenue"),
            orders_and_cents);
}

TEST(ShopDemo, RunLandsExactlyTheExpectedRows) {
  TempDir tmp;
  const std::string project = CopyExample(tmp);
  CommandResult run = Sluice("run " + Quote(project) + " --max-events " +
                             std::to_string(kEvents) + " --status off --log-format json");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("data landed in duckdb:"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(std::to_string(kEvents) + " events in"), std::string::npos) << run.output;

  const Expected e = ComputeExpected();
  ASSERT_GT(e.orders, 0);
  ASSERT_GT(e.large, 0);
  EXPECT_EQ(QueryRow(project, "SELECT count(*), sum(order_id), CAST(sum(total) * 100 AS BIGINT) FROM orders"),
            std::to_string(e.orders) + "," + std::to_string(e.order_ids) + "," +
                std::to_string(e.order_cents));
  EXPECT_EQ(QueryRow(project, "SELECT count(*), CAST(sum(total) * 100 AS BIGINT) FROM large_orders"),
            std::to_string(e.large) + "," + std::to_string(e.large_cents));
  EXPECT_EQ(QueryRow(project, "SELECT count(*) FROM order_items"), std::to_string(e.items));
  ExpectAggregateMatches(project, e);

  // The same large orders went to the NDJSON file sink, one line each.
  std::ifstream feed(project + "/.sluice/output/large_orders.ndjson");
  ASSERT_TRUE(feed.good());
  int64_t lines = 0;
  std::string line;
  while (std::getline(feed, line)) {
    ++lines;
    ASSERT_EQ(line.front(), '{') << line;
  }
  EXPECT_EQ(lines, e.large);

  // The models (staging views, marts) build on the stream tables and their schema tests pass;
  // the marts add up to the same orders and revenue.
  ExpectModelsBuild(project, e);
}

// The same pipeline into a real PostgreSQL server (started and removed by the test):
// sluice.yaml says `warehouse: {type: postgres, url: ${...}}` and nothing else changes.
TEST(ShopDemo, RunIntoPostgresLandsTheSameRows) {
  const auto& pg = warehouse::ScratchPostgres::Shared();
  ASSERT_TRUE(pg.ok()) << pg.error();
  TempDir tmp;
  const std::string project = CopyExample(tmp);
  {
    std::ifstream in(project + "/sluice.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    const size_t from = yaml.find("warehouse:");
    const size_t to = yaml.find("run:");
    ASSERT_NE(from, std::string::npos);
    ASSERT_NE(to, std::string::npos);
    yaml.replace(from, to - from, "warehouse:\n  type: postgres\n  url: ${SLUICE_E2E_PG_URL}\n");
    std::ofstream(project + "/sluice.yaml") << yaml;
  }
  setenv("SLUICE_E2E_PG_URL", pg.Url().c_str(), 1);
  CommandResult run = Sluice("run " + Quote(project) + " --max-events " +
                             std::to_string(kEvents) + " --status off");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("data landed in postgres://sluice@127.0.0.1:"), std::string::npos)
      << run.output;
  const Expected e = ComputeExpected();
  EXPECT_EQ(QueryRow(project, "SELECT count(*), sum(order_id), CAST(sum(total) * 100 AS BIGINT) FROM orders"),
            std::to_string(e.orders) + "," + std::to_string(e.order_ids) + "," +
                std::to_string(e.order_cents));
  EXPECT_EQ(QueryRow(project, "SELECT count(*) FROM order_items"), std::to_string(e.items));
  ExpectAggregateMatches(project, e);
  ExpectModelsBuild(project, e);
}

TEST(ShopDemo, ValidateAndInitWork) {
  CommandResult v = Sluice("validate " SLUICE_SOURCE_DIR "/examples/shop");
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("project 'shop' is valid"), std::string::npos) << v.output;

  TempDir tmp;
  CommandResult init = Sluice("init " + Quote(tmp.str() + "/mine"));
  ASSERT_EQ(init.exit_code, 0) << init.output;
  CommandResult v2 = Sluice("validate " + Quote(tmp.str() + "/mine"));
  EXPECT_EQ(v2.exit_code, 0) << v2.output;
  CommandResult again = Sluice("init " + Quote(tmp.str() + "/mine"));
  EXPECT_NE(again.exit_code, 0) << "init must refuse an existing project: " << again.output;
}

TEST(ShopDemo, RunForADurationStopsCleanly) {
  TempDir tmp;
  const std::string project = CopyExample(tmp);
  CommandResult run = Sluice("run " + Quote(project) + " --for 2s --status log", 60);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string n = QueryRow(project, "SELECT count(*) > 0 FROM orders");
  EXPECT_EQ(n, "true");
}

TEST(ShopDemo, CtrlCShutsDownCleanlyAndKeepsTheData) {
  TempDir tmp;
  const std::string project = CopyExample(tmp);
  // No periodic flush during the run: whatever lands was flushed by the shutdown.
  {
    std::ifstream in(project + "/sluice.yaml");
    std::stringstream text;
    text << in.rdbuf();
    std::string yaml = text.str();
    const size_t at = yaml.find("flush_interval: 1s");
    ASSERT_NE(at, std::string::npos);
    yaml.replace(at, 18, "flush_interval: 1h");
    std::ofstream(project + "/sluice.yaml") << yaml;
  }
  // SIGINT is what Ctrl-C sends; SIGTERM (service managers) takes the same path.
  for (const char* sig : {"INT", "TERM"}) {
    const std::string script = std::string(SLUICE_BIN) + " run " + Quote(project) +
                               " --status off > /dev/null 2>&1 & pid=$!; sleep 2; kill -" + sig +
                               " $pid; wait $pid; echo rc=$?";
    FILE* p = popen(("timeout 60 bash -c " + Quote(script)).c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[256] = {0};
    std::string out;
    while (fgets(buf, sizeof(buf), p) != nullptr) out += buf;
    pclose(p);
    EXPECT_NE(out.find("rc=0"), std::string::npos) << sig << ": " << out;
  }
  // The runs flushed what they had read when they were stopped.
  const std::string row = QueryRow(project, "SELECT count(*) > 0 FROM orders");
  EXPECT_EQ(row, "true");
}

}  // namespace
}  // namespace sluice::e2e
