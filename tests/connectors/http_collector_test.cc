// Tests of the HTTP collector core (connectors/http_collector.h), its body helpers and
// the http source reading the log back.
#include "connectors/http_collector.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <chrono>
#include <thread>

#include "common/temp_dir.h"
#include "connectors/batch_codec.h"
#include "connectors/http_body.h"
#include "connectors/http_request_record.h"
#include "connectors/http_source.h"
#include "connectors/http_test_client.h"
#include "connectors/http_transport.h"
#include "log/log_reader.h"

namespace sluice::connectors {
namespace {

using sluice::test::TempDir;

SchemaPtr EventSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"id", DataType::Varchar(), false},
      {"n", DataType::Int64(), true},
      {"ts", DataType::Timestamp(), true},
  });
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<HttpCollector> collector;
  std::vector<BadRecord> bad;
  std::mutex bad_mu;

  explicit Fixture(CollectorOptions o = {}, std::string token = "", std::string id_field = "") {
    o.log_options.fsync = log::FsyncPolicy::kNever;
    collector = std::make_unique<HttpCollector>(o);
    HttpSourceConfig c;
    c.name = "events";
    c.schema = EventSchema();
    c.token = std::move(token);
    c.max_body_bytes = 4096;
    c.event_id_field = std::move(id_field);
    Status st = collector->AddSource(c, dir.File("log/events"), [this](BadRecord r) {
      std::lock_guard<std::mutex> lock(bad_mu);
      bad.push_back(std::move(r));
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
  }

  CollectorResponse Post(std::string body, HeaderList headers = {},
                         std::string path = "/v1/events/events") {
    CollectorRequest r;
    r.method = "POST";
    r.path = std::move(path);
    r.headers = std::move(headers);
    r.body = std::move(body);
    return collector->HandleRequest(std::move(r));
  }

  // Every row in the log, as "id|n|ts" strings.
  std::vector<std::string> LogRows() {
    std::vector<std::string> rows;
    auto log = collector->SourceLog("events");
    auto reader = log->NewReader(0);
    EXPECT_TRUE(reader.ok());
    std::vector<std::string_view> records;
    while (true) {
      Result<size_t> n = (*reader)->Read(&records, 1 << 20);
      EXPECT_TRUE(n.ok());
      if (!n.ok() || *n == 0) break;
      for (std::string_view rec : records) {
        if (IsRequestRecord(rec)) continue;  // rejected events and keys
        Result<RecordBatchPtr> b = DecodeBatch(rec, EventSchema());
        EXPECT_TRUE(b.ok()) << b.status().ToString();
        if (!b.ok()) continue;
        for (int64_t i = 0; i < (*b)->num_rows(); ++i) {
          const Column& n_col = (*b)->column(1);
          rows.push_back(std::string((*b)->column(0).GetString(i)) + "|" +
                         (n_col.IsNull(i) ? "null" : std::to_string(n_col.Get<int64_t>(i))) +
                         "|" + std::to_string((*b)->column(2).IsNull(i)
                                                  ? -1
                                                  : (*b)->column(2).Get<int64_t>(i)));
        }
      }
    }
    return rows;
  }
};

std::string Gzip(std::string_view in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(compressBound(static_cast<uLong>(in.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Zstd(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

TEST(HttpCollector, HealthAndRouting) {
  Fixture f;
  CollectorRequest r;
  r.method = "GET";
  r.path = "/healthz";
  EXPECT_EQ(f.collector->HandleRequest(r).status, 200);
  r.path = "/readyz";
  EXPECT_EQ(f.collector->HandleRequest(r).status, 200);
  r.path = "/nope";
  EXPECT_EQ(f.collector->HandleRequest(r).status, 404);
  r.path = "/v1/events/events";
  EXPECT_EQ(f.collector->HandleRequest(r).status, 405);
  CollectorResponse unknown = f.Post("{\"id\":\"a\"}", {}, "/v1/events/clicks");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("unknown source 'clicks'"), std::string::npos) << unknown.body;
  EXPECT_NE(unknown.body.find("events"), std::string::npos);
  HttpCollector empty;
  r.path = "/readyz";
  EXPECT_EQ(empty.HandleRequest(r).status, 503);
}

TEST(HttpCollector, AcceptsNdjsonArrayAndObjectDurably) {
  Fixture f;
  CollectorResponse a = f.Post("{\"id\":\"a\",\"n\":1,\"ts\":\"2024-01-01T00:00:00Z\"}\n"
                               "\n{\"id\":\"b\",\"n\":2}\n");
  EXPECT_EQ(a.status, 200);
  EXPECT_NE(a.body.find("\"accepted\":2,\"rejected\":0"), std::string::npos) << a.body;
  CollectorResponse b = f.Post("[ {\"id\":\"c\", \"n\": 3},\n  {\"id\":\"d\",\"ts\":1000} ]");
  EXPECT_NE(b.body.find("\"accepted\":2,\"rejected\":0"), std::string::npos) << b.body;
  CollectorResponse c = f.Post("{\n  \"id\": \"e\",\n  \"n\": 5\n}\n");
  EXPECT_NE(c.body.find("\"accepted\":1,\"rejected\":0"), std::string::npos) << c.body;
  // The response came after the append: the rows are in the log now.
  EXPECT_EQ(f.LogRows(), (std::vector<std::string>{"a|1|1704067200000000", "b|2|-1", "c|3|-1",
                                                  "d|null|1000000", "e|5|-1"}));
}

TEST(HttpCollector, RejectsBadRecordsPerIndex) {
  Fixture f;
  CollectorResponse r = f.Post(
      "{\"id\":\"ok1\",\"n\":1}\n"
      "{\"id\":\"x\",\"n\":\"abc\"}\n"        // wrong type
      "{\"id\":\"y\",\"n\":1\n"               // bad JSON
      "{\"n\":4}\n"                           // NOT NULL id missing
      "{\"id\":\"z\",\"ts\":\"yesterday\"}\n"  // bad timestamp
      "[1,2]\n"                               // not an object
      "{\"id\":\"ok2\"}\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"accepted\":2,\"rejected\":5"), std::string::npos) << r.body;
  for (int i : {1, 2, 3, 4, 5}) {
    EXPECT_NE(r.body.find("{\"index\":" + std::to_string(i) + ","), std::string::npos)
        << i << " " << r.body;
  }
  EXPECT_EQ(r.body.find("\"index\":0,"), std::string::npos);
  EXPECT_EQ(r.body.find("\"index\":6,"), std::string::npos);
  EXPECT_NE(r.body.find("NOT NULL"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("timestamp"), std::string::npos) << r.body;
  ASSERT_EQ(f.bad.size(), 5u);
  EXPECT_NE(f.bad[0].location.find("record 1"), std::string::npos) << f.bad[0].location;
  EXPECT_EQ(f.bad[0].location.rfind("request ", 0), 0u);
  EXPECT_EQ(f.bad[0].connector, "events");
  EXPECT_NE(f.bad[1].raw.find("\"y\""), std::string::npos);
  EXPECT_EQ(f.LogRows(), (std::vector<std::string>{"ok1|1|-1", "ok2|null|-1"}));
  // Everything bad: 400 with the same shape.
  CollectorResponse all_bad = f.Post("[{\"n\":1}, , 3]");
  EXPECT_EQ(all_bad.status, 400);
  EXPECT_NE(all_bad.body.find("\"accepted\":0,\"rejected\":3"), std::string::npos) << all_bad.body;
  EXPECT_NE(all_bad.body.find("empty array element"), std::string::npos) << all_bad.body;
}

TEST(HttpCollector, MalformedBodies) {
  Fixture f;
  EXPECT_EQ(f.Post("").status, 400);
  EXPECT_EQ(f.Post("  \n ").status, 400);
  CollectorResponse open = f.Post("[{\"id\":\"a\"}");
  EXPECT_EQ(open.status, 400);
  EXPECT_NE(open.body.find("not closed"), std::string::npos) << open.body;
  EXPECT_EQ(f.Post("[{\"id\":\"a\"}] trailing").status, 400);
  CollectorResponse garbage = f.Post("hello world");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_NE(garbage.body.find("\"rejected\":1"), std::string::npos) << garbage.body;
  CollectorResponse ctrl = f.Post("[{\"id\":\"a\nb\"}]");
  EXPECT_NE(ctrl.body.find("control character"), std::string::npos) << ctrl.body;
  EXPECT_TRUE(f.LogRows().empty());
}

TEST(HttpCollector, Auth) {
  Fixture f({}, "s3cret");
  CollectorResponse none = f.Post("{\"id\":\"a\"}");
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.body.find("missing bearer token"), std::string::npos);
  EXPECT_EQ(f.Post("{\"id\":\"a\"}", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(f.Post("{\"id\":\"a\"}", {{"Authorization", "Bearer s3cre"}}).status, 401);
  EXPECT_EQ(f.Post("{\"id\":\"a\"}", {{"authorization", "Bearer s3cret"}}).status, 200);
  EXPECT_EQ(f.LogRows().size(), 1u);
}

TEST(HttpCollector, SizeLimitAndEncodings) {
  Fixture f;
  EXPECT_EQ(f.Post(std::string(5000, ' ')).status, 413);
  std::string body;
  for (int i = 0; i < 3; ++i) body += "{\"id\":\"g" + std::to_string(i) + "\"}\n";
  CollectorResponse gz = f.Post(Gzip(body), {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(gz.status, 200) << gz.body;
  EXPECT_NE(gz.body.find("\"accepted\":3"), std::string::npos) << gz.body;
  CollectorResponse zs = f.Post(Zstd(body), {{"content-encoding", "zstd"}});
  EXPECT_NE(zs.body.find("\"accepted\":3"), std::string::npos) << zs.body;
  EXPECT_EQ(f.Post(body, {{"Content-Encoding", "br"}}).status, 415);
  EXPECT_EQ(f.Post("not gzip at all", {{"Content-Encoding", "gzip"}}).status, 400);
  std::string cut = Zstd(body);
  cut.resize(cut.size() / 2);
  EXPECT_EQ(f.Post(cut, {{"Content-Encoding", "zstd"}}).status, 400);
  // A small compressed body that inflates past the limit.
  EXPECT_EQ(f.Post(Gzip(std::string(100000, ' ')), {{"Content-Encoding", "gzip"}}).status, 413);
  EXPECT_EQ(f.LogRows().size(), 6u);
}

TEST(HttpCollector, IdempotencyKeyAcceptsOnce) {
  Fixture f;
  HeaderList h = {{"Idempotency-Key", "batch-1"}};
  CollectorResponse first = f.Post("{\"id\":\"a\"}\n{\"id\":\"b\"}", h);
  CollectorResponse retry = f.Post("{\"id\":\"a\"}\n{\"id\":\"b\"}", h);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.body, first.body);
  bool replayed = false;
  for (const auto& [k, v] : retry.headers) replayed |= k == "Idempotent-Replayed";
  EXPECT_TRUE(replayed);
  EXPECT_EQ(f.Post("{\"id\":\"a\"}", {{"Idempotency-Key", "batch-2"}}).status, 200);
  EXPECT_EQ(f.LogRows().size(), 3u);
}

TEST(HttpCollector, EventIdDedupe) {
  Fixture f({}, "", "id");
  CollectorResponse a = f.Post("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"a\"}");
  EXPECT_NE(a.body.find("\"accepted\":3,\"rejected\":0,\"duplicates\":1"), std::string::npos)
      << a.body;
  CollectorResponse b = f.Post("{\"id\":\"b\"}\n{\"id\":\"c\"}");
  EXPECT_NE(b.body.find("\"duplicates\":1"), std::string::npos) << b.body;
  EXPECT_EQ(f.LogRows(), (std::vector<std::string>{"a|null|-1", "b|null|-1", "c|null|-1"}));
}

TEST(HttpCollector, TooManyPendingGets429) {
  CollectorOptions o;
  o.max_pending_bytes = 1;
  Fixture f(o);
  f.collector->PauseCommitsForTest(true);
  CollectorResponse first;
  std::thread t([&] { first = f.Post("{\"id\":\"a\"}"); });
  while (f.collector->pending_requests() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CollectorResponse busy = f.Post("{\"id\":\"b\"}");
  EXPECT_EQ(busy.status, 429);
  bool retry_after = false;
  for (const auto& [k, v] : busy.headers) retry_after |= k == "Retry-After" && v == "1";
  EXPECT_TRUE(retry_after);
  f.collector->PauseCommitsForTest(false);
  t.join();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(f.LogRows(), (std::vector<std::string>{"a|null|-1"}));
}

TEST(HttpCollector, ConcurrentRequestsAllDurable) {
  Fixture f;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&f, t] {
      for (int i = 0; i < 20; ++i) {
        CollectorResponse r = f.Post("{\"id\":\"t" + std::to_string(t) + "-" + std::to_string(i) + "\"}");
        EXPECT_EQ(r.status, 200);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.LogRows().size(), 160u);
}

TEST(HttpCollector, AcceptedEventsSurviveReopen) {
  TempDir dir;
  {
    HttpCollector collector;  // default options: fsync on
    HttpSourceConfig c;
    c.name = "events";
    c.schema = EventSchema();
    ASSERT_TRUE(collector.AddSource(c, dir.File("log"), nullptr).ok());
    CollectorRequest r;
    r.method = "POST";
    r.path = "/v1/events/events";
    r.body = "{\"id\":\"a\"}\n{\"id\":\"b\"}";
    EXPECT_EQ(collector.HandleRequest(std::move(r)).status, 200);
  }
  Result<std::unique_ptr<log::Log>> log = log::Log::Open(dir.File("log"), {});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->next_offset(), 1);  // one batch
  auto reader = (*log)->NewReader(0);
  ASSERT_TRUE(reader.ok());
  std::vector<std::string_view> records;
  ASSERT_EQ(*(*reader)->Read(&records, 1 << 20), 1u);
  Result<RecordBatchPtr> b = DecodeBatch(records[0], EventSchema());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*b)->num_rows(), 2);
}

TEST(HttpCollector, EventIdsAreReloadedFromTheLogAfterRestart) {
  TempDir dir;
  HttpSourceConfig c;
  c.name = "events";
  c.schema = EventSchema();
  c.event_id_field = "id";
  auto post = [](HttpCollector& col, std::string body) {
    CollectorRequest r;
    r.method = "POST";
    r.path = "/v1/events/events";
    r.body = std::move(body);
    return col.HandleRequest(std::move(r));
  };
  {
    HttpCollector first;
    ASSERT_TRUE(first.AddSource(c, dir.File("log"), nullptr).ok());
    EXPECT_EQ(post(first, "{\"id\":\"a\"}\n{\"id\":\"b\"}").status, 200);
  }
  HttpCollector second;
  ASSERT_TRUE(second.AddSource(c, dir.File("log"), nullptr).ok());
  CollectorResponse retry = post(second, "{\"id\":\"a\"}\n{\"id\":\"c\"}");
  EXPECT_NE(retry.body.find("\"accepted\":2,\"rejected\":0,\"duplicates\":1"),
            std::string::npos)
      << retry.body;
  EXPECT_EQ(second.SourceLog("events")->next_offset(), 2);
}

// Deterministic garbage built from JSON's own characters never crashes, hangs or
// stores an event that was reported rejected.
TEST(HttpCollector, SurvivesGarbageBodies) {
  Fixture f;
  const std::string alphabet = "{}[],:\"\\ \n\r\tab01-.eEtrufnl\x01\xff";
  uint64_t state = 42;
  int64_t accepted_total = 0;
  for (int i = 0; i < 400; ++i) {
    std::string body;
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const size_t len = (state >> 33) % 120;
    for (size_t k = 0; k < len; ++k) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      body.push_back(alphabet[(state >> 33) % alphabet.size()]);
    }
    if (i % 3 == 0) body = "[" + body;
    if (i % 5 == 0) body = "{\"id\":\"k" + std::to_string(i) + "\"}\n" + body;
    CollectorResponse r = f.Post(body);
    ASSERT_TRUE(r.status == 200 || r.status == 400) << r.status << " " << r.body;
    const size_t at = r.body.find("\"accepted\":");
    if (at != std::string::npos) accepted_total += std::atoll(r.body.c_str() + at + 11);
  }
  EXPECT_GE(accepted_total, 40);  // the valid first lines of every fifth body
  EXPECT_EQ(static_cast<int64_t>(f.LogRows().size()), accepted_total);
}

TEST(HttpBody, SplitsArraysAndValueStreams) {
  std::string scratch;
  std::string_view out;
  int64_t n = 0;
  std::vector<SplitError> errors;
  ASSERT_TRUE(SplitJsonBody(" [ {\"a\": \"x,]\"} , [1]\n ] ", &scratch, &out, &n, &errors).ok());
  EXPECT_EQ(n, 2);
  EXPECT_EQ(out, "{\"a\": \"x,]\"}\n[1]\n");
  ASSERT_TRUE(SplitJsonBody("[]", &scratch, &out, &n, &errors).ok());
  EXPECT_EQ(n, 0);
  ASSERT_TRUE(SplitJsonBody("{\n \"a\": 1\n}\n{\"b\":\n2}", &scratch, &out, &n, &errors).ok());
  EXPECT_EQ(n, 2);
  EXPECT_EQ(out, "{  \"a\": 1 }\n{\"b\": 2}\n");
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(ParseContentEncoding(" GZIP "), BodyCodec::kGzip);
  EXPECT_EQ(ParseContentEncoding(""), BodyCodec::kIdentity);
  EXPECT_EQ(ParseContentEncoding("deflate"), BodyCodec::kUnsupported);
}

TEST(CollectorServer, BoundsBodiesAfterDecompression) {
  TempDir dir;
  HttpCollector collector;
  HttpSourceConfig c;
  c.name = "events";
  c.schema = EventSchema();
  ASSERT_TRUE(collector.AddSource(c, dir.File("log"), nullptr).ok());
  CollectorServer server(&collector, 4, 4096);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  EXPECT_FALSE(server.Start("127.0.0.1:0").ok());
  test::HttpReply bomb = test::HttpCall(server.port(), "POST", "/v1/events/events",
                                        Gzip(std::string(100000, ' ')),
                                        {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(bomb.status, 413) << bomb.body;
  test::HttpReply ok = test::HttpCall(server.port(), "POST", "/v1/events/events",
                                      Gzip("{\"id\":\"a\"}"), {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.headers.find("application/json"), std::string::npos) << ok.headers;
  server.Stop();
  CollectorServer bad(&collector);
  EXPECT_FALSE(bad.Start("localhost").ok());
  EXPECT_FALSE(bad.Start("127.0.0.1:99999").ok());
}

TEST(BatchCodec, RoundTripAndDamage) {
  BatchBuilder b(EventSchema());
  b.column(0)->AppendString("x");
  b.column(1)->AppendNull();
  b.column(2)->Append<int64_t>(7);
  RecordBatchPtr batch = b.Finish();
  std::string bytes;
  EncodeBatch(*batch, &bytes);
  Result<RecordBatchPtr> back = DecodeBatch(bytes, EventSchema());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->ToString(), batch->ToString());
  EXPECT_FALSE(DecodeBatch(bytes.substr(0, bytes.size() - 1), EventSchema()).ok());
  auto other = std::make_shared<Schema>(std::vector<Field>{{"id", DataType::Int64(), true}});
  EXPECT_FALSE(DecodeBatch(bytes, other).ok());
}

TEST(HttpSource, ReadsLogByOffsetAndSeeks) {
  TempDir dir;
  HttpSourceConfig c;
  c.name = "ev";
  c.schema = EventSchema();
  HttpSource src(c, "127.0.0.1:0");
  ConnectorContext ctx;
  ctx.name = "ev";
  ctx.state_dir = dir.path();
  ctx.collector_listen = "127.0.0.1:0";
  ASSERT_TRUE(src.Open(ctx).ok());
  EXPECT_GT(CollectorPort(), 0);
  std::vector<SourceBatch> out;
  Result<ReadState> st = src.Next(&out, 100);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(*st, ReadState::kIdle);
  // Post through the real listener (the collector owns the log's writer).
  const int port = CollectorPort();
  test::HttpReply r = test::HttpCall(port, "POST", "/v1/events/ev",
                                     "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":3"), std::string::npos) << r.body;
  ASSERT_EQ(test::HttpCall(port, "POST", "/v1/events/ev", "{\"id\":\"d\"}").status, 200);
  EXPECT_EQ(test::HttpCall(port, "GET", "/healthz", "").status, 200);
  // gzip through the transport (httplib inflates it before the collector sees it).
  test::HttpReply gz = test::HttpCall(port, "POST", "/v1/events/ev", Gzip("{\"id\":\"g\"}"),
                                      {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(gz.status, 200) << gz.body;
  test::HttpReply zs = test::HttpCall(port, "POST", "/v1/events/ev", Zstd("{\"id\":\"z\"}"),
                                      {{"Content-Encoding", "zstd"}});
  EXPECT_EQ(zs.status, 200) << zs.body;
  EXPECT_EQ(test::HttpCall(port, "POST", "/v1/events/ev", "{}", {{"Content-Encoding", "lzma"}})
                .status,
            415);
  EXPECT_EQ(test::HttpCall(port, "POST", "/v1/events/zz", "{}").status, 404);
  // Two rows at most: the first batch is cut; the position says where.
  st = src.Next(&out, 2);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(*st, ReadState::kData);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].batch->num_rows(), 2);
  const Position mid = src.CurrentPosition();
  EXPECT_EQ(mid.OffsetOf("log"), 0);
  EXPECT_EQ(mid.OffsetOf("row"), 2);
  out.clear();
  st = src.Next(&out, 100);
  ASSERT_TRUE(st.ok());
  int64_t rows = 0;
  for (const auto& b : out) rows += b.batch->num_rows();
  EXPECT_EQ(rows, 4);  // c, d, g, z
  EXPECT_EQ(src.CurrentPosition().OffsetOf("log"), 4);
  EXPECT_EQ(src.Lag(), 0);
  // Seek back into the middle of the first batch.
  ASSERT_TRUE(src.Seek(mid).ok());
  out.clear();
  st = src.Next(&out, 100);
  ASSERT_TRUE(st.ok());
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].batch->column(0).GetString(0), "c");
  ASSERT_TRUE(src.Close().ok());
  EXPECT_EQ(CollectorPort(), 0);
}

}  // namespace
}  // namespace sluice::connectors
