// The collector's durability across restarts: rejected events and Idempotency-Keys are
// stored in the source's log (http_request_record.h) with the accepted events, reloaded
// on restart, and read back by the http source with its position.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "common/temp_dir.h"
#include "connectors/batch_codec.h"
#include "connectors/http_collector.h"
#include "connectors/http_request_record.h"
#include "connectors/http_source.h"
#include "connectors/http_test_client.h"
#include "log/log_reader.h"

namespace sluice::connectors {
namespace {

using sluice::test::TempDir;

SchemaPtr Schema2() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"id", DataType::Varchar(), false},
      {"n", DataType::Int64(), true},
  });
}

HttpSourceConfig Config(std::string id_field = "") {
  HttpSourceConfig c;
  c.name = "events";
  c.schema = Schema2();
  c.event_id_field = std::move(id_field);
  return c;
}

CollectorResponse Post(HttpCollector& col, std::string body, HeaderList headers = {}) {
  CollectorRequest r;
  r.method = "POST";
  r.path = "/v1/events/events";
  r.headers = std::move(headers);
  r.body = std::move(body);
  return col.HandleRequest(std::move(r));
}

std::vector<std::string> AllRecords(log::Log& log) {
  std::vector<std::string> out;
  auto reader = log.NewReader(log.start_offset());
  EXPECT_TRUE(reader.ok());
  std::vector<std::string_view> records;
  while (true) {
    Result<size_t> n = (*reader)->Read(&records, 1 << 20);
    if (!n.ok() || *n == 0) break;
    for (std::string_view r : records) out.emplace_back(r);
  }
  return out;
}

int64_t RequestId(const std::string& body) {
  const size_t at = body.find("\"request_id\":");
  return at == std::string::npos ? -1 : std::atoll(body.c_str() + at + 13);
}

TEST(RequestRecord, RoundTripAndDamage) {
  RequestRecord r;
  r.request_id = 77;
  r.time_micros = 123456;
  r.idempotency_key = "k-1";
  r.status = 400;
  r.response_body = "{\"accepted\":0}";
  r.rejected = {{2, "bad type", "{\"n\":\"x\"}"}, {5, "not JSON", "{{"}};
  std::string bytes;
  EncodeRequestRecord(r, &bytes);
  ASSERT_TRUE(IsRequestRecord(bytes));
  Result<RequestRecord> back = DecodeRequestRecord(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->request_id, 77);
  EXPECT_EQ(back->time_micros, 123456);
  EXPECT_EQ(back->idempotency_key, "k-1");
  EXPECT_EQ(back->status, 400);
  EXPECT_EQ(back->response_body, r.response_body);
  ASSERT_EQ(back->rejected.size(), 2u);
  EXPECT_EQ(back->rejected[1].index, 5);
  EXPECT_EQ(back->rejected[1].error, "not JSON");
  EXPECT_EQ(back->rejected[0].raw, "{\"n\":\"x\"}");
  // Every truncation and a trailing byte are refused, never read out of bounds.
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeRequestRecord(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(DecodeRequestRecord(bytes + "x").ok());
  // A batch is not a request record.
  BatchBuilder b(Schema2(), 1);
  b.column(0)->AppendString("a");
  b.column(1)->AppendNull();
  std::string batch;
  EncodeBatch(*b.Finish(), &batch);
  EXPECT_FALSE(IsRequestRecord(batch));
}

TEST(HttpCollectorDurability, RejectedEventsAreInTheLogBeforeTheAcceptedOnes) {
  TempDir dir;
  HttpCollector col;
  ASSERT_TRUE(col.AddSource(Config(), dir.File("log"), nullptr).ok());
  CollectorResponse r =
      Post(col, "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":\"many\"}\n{\"n\":3}\n{oops\n");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":1,\"rejected\":3"), std::string::npos) << r.body;
  std::vector<std::string> recs = AllRecords(*col.SourceLog("events"));
  ASSERT_EQ(recs.size(), 2u);
  ASSERT_TRUE(IsRequestRecord(recs[0]));
  Result<RequestRecord> req = DecodeRequestRecord(recs[0]);
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->request_id, RequestId(r.body));
  EXPECT_TRUE(req->idempotency_key.empty());
  ASSERT_EQ(req->rejected.size(), 3u);
  EXPECT_EQ(req->rejected[0].index, 1);
  EXPECT_NE(req->rejected[0].raw.find("many"), std::string::npos);
  EXPECT_EQ(req->rejected[1].index, 2);
  EXPECT_NE(req->rejected[1].error.find("NOT NULL"), std::string::npos) << req->rejected[1].error;
  EXPECT_EQ(req->rejected[2].index, 3);
  EXPECT_NE(req->rejected[2].raw.find("oops"), std::string::npos);
  EXPECT_TRUE(DecodeBatch(recs[1], Schema2()).ok());
  // All rejected: 400, and still stored.
  EXPECT_EQ(Post(col, "{\"n\":1}").status, 400);
  EXPECT_EQ(col.SourceLog("events")->next_offset(), 3);
  // Nothing rejected and no key: only the batch.
  EXPECT_EQ(Post(col, "{\"id\":\"c\"}").status, 200);
  EXPECT_EQ(col.SourceLog("events")->next_offset(), 4);
}

TEST(HttpCollectorDurability, IdempotencyKeysAndRequestIdsSurviveARestart) {
  TempDir dir;
  const HeaderList key = {{"Idempotency-Key", "req-1"}};
  const std::string body = "{\"id\":\"a\"}\n{\"id\":\"b\",\"n\":\"x\"}";
  CollectorResponse first;
  {
    HttpCollector col;
    ASSERT_TRUE(col.AddSource(Config(), dir.File("log"), nullptr).ok());
    first = Post(col, body, key);
    ASSERT_EQ(first.status, 200) << first.body;
  }
  HttpCollector col;
  ASSERT_TRUE(col.AddSource(Config(), dir.File("log"), nullptr).ok());
  const int64_t records = col.SourceLog("events")->next_offset();
  CollectorResponse retry = Post(col, body, key);
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.body, first.body);
  bool replayed = false;
  for (const auto& [k, v] : retry.headers) replayed |= k == "Idempotent-Replayed";
  EXPECT_TRUE(replayed);
  EXPECT_EQ(col.SourceLog("events")->next_offset(), records);  // nothing stored again
  // A new request gets a larger id than any before the restart.
  CollectorResponse other = Post(col, "{\"id\":\"c\"}");
  EXPECT_GT(RequestId(other.body), RequestId(first.body));
}

TEST(HttpCollectorDurability, KeysOlderThanTheWindowAreNotReloaded) {
  TempDir dir;
  HttpSourceConfig c = Config();
  c.idempotency_window_micros = 1;  // everything is older than this after a restart
  {
    HttpCollector col;
    ASSERT_TRUE(col.AddSource(c, dir.File("log"), nullptr).ok());
    EXPECT_EQ(Post(col, "{\"id\":\"a\"}", {{"Idempotency-Key", "k"}}).status, 200);
  }
  HttpCollector col;
  ASSERT_TRUE(col.AddSource(c, dir.File("log"), nullptr).ok());
  const int64_t records = col.SourceLog("events")->next_offset();
  EXPECT_EQ(Post(col, "{\"id\":\"a\"}", {{"Idempotency-Key", "k"}}).status, 200);
  EXPECT_GT(col.SourceLog("events")->next_offset(), records);
}

TEST(HttpCollectorDurability, RetriedEventIdsAfterARestartAreDuplicates) {
  TempDir dir;
  {
    HttpCollector col;
    ASSERT_TRUE(col.AddSource(Config("id"), dir.File("log"), nullptr).ok());
    for (int i = 0; i < 50; ++i) {
      ASSERT_EQ(Post(col, "{\"id\":\"e" + std::to_string(i) + "\"}\n{\"n\":1}").status, 200);
    }
  }
  HttpCollector col;
  ASSERT_TRUE(col.AddSource(Config("id"), dir.File("log"), nullptr).ok());
  // The retry of the first request (no key): its event is a duplicate.
  CollectorResponse r = Post(col, "{\"id\":\"e0\"}\n{\"n\":1}");
  EXPECT_NE(r.body.find("\"accepted\":1,\"rejected\":1,\"duplicates\":1"), std::string::npos)
      << r.body;
}

// The http source reports the rejected events when its reader passes their record, with
// a location that names them for good; a seek back (a restart from a checkpoint)
// reports them again, with the same locations.
TEST(HttpCollectorDurability, SourceReportsRejectedEventsFromTheLogByPosition) {
  TempDir dir;
  HttpSourceConfig c = Config();
  c.name = "ev";
  HttpSource src(c, "127.0.0.1:0");
  ConnectorContext ctx;
  ctx.name = "ev";
  ctx.state_dir = dir.path();
  ctx.collector_listen = "127.0.0.1:0";
  std::vector<BadRecord> bad;
  ctx.on_bad_record = [&bad](BadRecord r) { bad.push_back(std::move(r)); };
  ASSERT_TRUE(src.Open(ctx).ok());
  const int port = CollectorPort();
  test::HttpReply a = test::HttpCall(port, "POST", "/v1/events/ev", "{\"id\":\"a\"}");
  ASSERT_EQ(a.status, 200);
  const Position start = src.CurrentPosition();
  test::HttpReply b = test::HttpCall(port, "POST", "/v1/events/ev",
                                     "{\"id\":\"b\"}\n{\"n\":\"bad\"}\n{\"id\":\"c\"}");
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_TRUE(bad.empty());  // reported by the reader, not by the request
  std::vector<SourceBatch> out;
  ASSERT_TRUE(src.Next(&out, 1).ok());  // "a" only: the request record is not passed
  EXPECT_TRUE(bad.empty());
  const Position after_a = src.CurrentPosition();
  out.clear();
  ASSERT_TRUE(src.Next(&out, 100).ok());
  ASSERT_EQ(bad.size(), 1u);
  const std::string id = std::to_string(RequestId(b.body));
  EXPECT_EQ(bad[0].location, "request " + id + " record 1, log offset 1");
  EXPECT_TRUE(bad[0].stable_location);
  EXPECT_EQ(bad[0].connector, "ev");
  EXPECT_NE(bad[0].raw.find("bad"), std::string::npos);
  int64_t rows = 0;
  for (const auto& sb : out) rows += sb.batch->num_rows();
  EXPECT_EQ(rows, 2);
  // Replaying from before the request record reports it again, the same way.
  ASSERT_TRUE(src.Seek(after_a).ok());
  out.clear();
  ASSERT_TRUE(src.Next(&out, 100).ok());
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[1].location, bad[0].location);
  // From the start: the batch of "a" first, then the same report.
  ASSERT_TRUE(src.Seek(start).ok());
  out.clear();
  ASSERT_TRUE(src.Next(&out, 100).ok());
  EXPECT_EQ(bad.size(), 3u);
  ASSERT_TRUE(src.Close().ok());
}

}  // namespace
}  // namespace sluice::connectors

namespace sluice::connectors {
namespace {

// A request whose events duplicate those of a request still being committed does not
// answer before that commit is durable: its "duplicate" would otherwise promise events
// a crash could still lose.
TEST(HttpCollectorDurability, DuplicateOfAnUncommittedRequestWaitsForItsCommit) {
  TempDir dir;
  CollectorOptions o;
  o.log_options.fsync = log::FsyncPolicy::kNever;
  HttpCollector col(o);
  ASSERT_TRUE(col.AddSource(Config("id"), dir.File("log"), nullptr).ok());
  col.PauseCommitsForTest(true);
  CollectorResponse first, second;
  std::thread a([&] { first = Post(col, "{\"id\":\"x\"}\n{\"id\":\"y\"}"); });
  while (col.pending_requests() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::atomic<bool> second_done{false};
  std::thread b([&] {
    second = Post(col, "{\"id\":\"x\"}");
    second_done.store(true);
  });
  // While the first request's commit is held back the second must not answer.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(second_done.load());
  col.PauseCommitsForTest(false);
  a.join();
  b.join();
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(second.status, 200) << second.body;
  EXPECT_NE(second.body.find("\"duplicates\":1"), std::string::npos) << second.body;
  EXPECT_EQ(col.SourceLog("events")->next_offset(), 1);
}

}  // namespace
}  // namespace sluice::connectors
