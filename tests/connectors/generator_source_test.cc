#include "connectors/generator_source.h"

#include <gtest/gtest.h>

#include <map>

#include "core/time.h"

namespace sluice::connectors {
namespace {

ConfigValue Options(const std::map<std::string, std::string>& kv) {
  ConfigValue m = ConfigValue::Map({"src.yaml", 1, 1});
  int line = 2;
  for (const auto& [k, v] : kv) m.Set(k, ConfigValue::Scalar(v, {"src.yaml", line++, 10}));
  return m;
}

// Creates the source (and runs Finish, as the registry does); fails the test on errors.
std::unique_ptr<GeneratorSource> Make(const std::map<std::string, std::string>& kv) {
  ConfigValue m = Options(kv);
  Diagnostics diag;
  OptionReader reader(m, &diag);
  ConnectorContext ctx;
  ctx.name = "gen";
  std::unique_ptr<Source> s = MakeGeneratorSource(reader, ctx);
  reader.Finish();
  EXPECT_FALSE(diag.has_errors()) << diag.ToString();
  if (!s || diag.has_errors()) return nullptr;
  auto* g = dynamic_cast<GeneratorSource*>(s.release());
  EXPECT_TRUE(g->Open(ctx).ok());
  return std::unique_ptr<GeneratorSource>(g);
}

// The diagnostics of creating a source from `kv`.
std::string Problems(const std::map<std::string, std::string>& kv, bool* made = nullptr) {
  ConfigValue m = Options(kv);
  Diagnostics diag;
  OptionReader reader(m, &diag);
  std::unique_ptr<Source> s = MakeGeneratorSource(reader, ConnectorContext{});
  reader.Finish();
  if (made) *made = s != nullptr;
  return diag.ToString();
}

// Pulls up to `events` events; returns rows per stream as text.
std::vector<std::string> Pull(Source& s, int64_t events, int64_t* pulled = nullptr) {
  std::vector<std::string> text(s.streams().size());
  int64_t n = 0;
  std::vector<SourceBatch> out;
  while (n < events) {
    out.clear();
    Result<ReadState> st = s.Next(&out, connectors::kNoRecordLimit);
    EXPECT_TRUE(st.ok());
    if (!st.ok() || *st == ReadState::kEnd) break;
    for (const auto& b : out) {
      n += b.batch->num_rows();
      text[static_cast<size_t>(b.stream)] += b.batch->ToString();
    }
  }
  if (pulled) *pulled = n;
  return text;
}

TEST(GeneratorSourceTest, ReportsBadOptionsWithLocations) {
  bool made = true;
  std::string p = Problems({}, &made);
  EXPECT_FALSE(made);
  EXPECT_NE(p.find("src.yaml:1:1: error: missing required key 'generator' (set it to shop or nexmark)"),
            std::string::npos) << p;

  p = Problems({{"generator", "nexmrk"}}, &made);
  EXPECT_FALSE(made);
  EXPECT_NE(p.find("'generator' has unknown value 'nexmrk' (did you mean 'nexmark'?)"),
            std::string::npos) << p;

  // Knobs of the other world are unknown keys; typos get suggestions.
  p = Problems({{"generator", "shop"}, {"num_active_people", "5"}, {"custmers", "5"}});
  EXPECT_NE(p.find("unknown key 'num_active_people'"), std::string::npos) << p;
  EXPECT_NE(p.find("unknown key 'custmers' (did you mean 'customers'?)"), std::string::npos) << p;

  p = Problems({{"generator", "nexmark"}, {"start_time", "yesterday"}, {"batch_size", "0"},
                {"rate", "-4"}},
               &made);
  EXPECT_FALSE(made);
  EXPECT_NE(p.find("'start_time' is not a timestamp: 'yesterday'"), std::string::npos) << p;
  EXPECT_NE(p.find("'batch_size' is 0, outside the allowed range"), std::string::npos) << p;
  EXPECT_NE(p.find("error: 'rate' is -4"), std::string::npos) << p;

  p = Problems({{"generator", "shop"}, {"late_fraction", "1.5"}, {"max_lateness", "soon"}},
               &made);
  EXPECT_FALSE(made);
  EXPECT_NE(p.find("'late_fraction' is 1.5"), std::string::npos) << p;
  EXPECT_NE(p.find("'max_lateness'"), std::string::npos) << p;

  p = Problems({{"generator", "nexmark"}, {"auction_proportion", "0"}}, &made);
  EXPECT_FALSE(made);
  EXPECT_NE(p.find("'auction_proportion' is 0"), std::string::npos) << p;
}

TEST(GeneratorSourceTest, StreamsAreKnownBeforeOpen) {
  auto shop = Make({{"generator", "shop"}});
  ASSERT_TRUE(shop);
  std::vector<std::string> names;
  for (const auto& s : shop->streams()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"customers", "products", "page_views", "cart_events",
                                             "orders", "order_items", "payments", "inventory"}));
  auto nexmark = Make({{"generator", "nexmark"}});
  ASSERT_TRUE(nexmark);
  ASSERT_EQ(nexmark->streams().size(), 3u);
  EXPECT_EQ(nexmark->streams()[2].name, "bid");
  EXPECT_EQ(nexmark->streams()[2].schema->ToString(),
            "auction INT64 NOT NULL, bidder INT64 NOT NULL, price INT64 NOT NULL, "
            "channel VARCHAR NOT NULL, url VARCHAR NOT NULL, date_time TIMESTAMP NOT NULL, "
            "extra VARCHAR NOT NULL");
}

TEST(GeneratorSourceTest, MaxEventsAndBatchSize) {
  for (const char* kind : {"shop", "nexmark"}) {
    auto s = Make({{"generator", kind}, {"max_events", "10000"}, {"batch_size", "999"}});
    ASSERT_TRUE(s);
    std::vector<SourceBatch> out;
    int64_t total = 0;
    for (;;) {
      out.clear();
      Result<ReadState> st = s->Next(&out, connectors::kNoRecordLimit);
      ASSERT_TRUE(st.ok());
      if (*st == ReadState::kEnd) break;
      ASSERT_EQ(*st, ReadState::kData);
      int64_t rows = 0;
      for (const auto& b : out) rows += b.batch->num_rows();
      EXPECT_LE(rows, 999);
      total += rows;
    }
    EXPECT_EQ(total, 10000) << kind;
    EXPECT_EQ(s->CurrentPosition().OffsetOf(""), 10000);
    out.clear();
    EXPECT_EQ(*s->Next(&out, connectors::kNoRecordLimit), ReadState::kEnd);  // stays at the end
  }
}

TEST(GeneratorSourceTest, SameSeedSameBatchesAndSeekReproduces) {
  for (const char* kind : {"shop", "nexmark"}) {
    const std::map<std::string, std::string> opts = {
        {"generator", kind}, {"seed", "7"}, {"batch_size", "500"}};
    auto a = Make(opts);
    auto b = Make(opts);
    ASSERT_TRUE(a && b);
    std::vector<SourceBatch> oa, ob;
    for (int i = 0; i < 10; ++i) {  // batch for batch
      oa.clear();
      ob.clear();
      ASSERT_TRUE(a->Next(&oa, connectors::kNoRecordLimit).ok());
      ASSERT_TRUE(b->Next(&ob, connectors::kNoRecordLimit).ok());
      ASSERT_EQ(oa.size(), ob.size());
      for (size_t k = 0; k < oa.size(); ++k) {
        EXPECT_EQ(oa[k].stream, ob[k].stream);
        EXPECT_EQ(oa[k].batch->ToString(), ob[k].batch->ToString());
      }
    }
    // A position saved after 5000 events, restored in a fresh source.
    const Position pos = a->CurrentPosition();
    EXPECT_EQ(pos.OffsetOf(""), 5000);
    const auto expected = Pull(*a, 3000);
    auto c = Make(opts);
    ASSERT_TRUE(c->Seek(pos).ok());
    EXPECT_EQ(Pull(*c, 3000), expected) << kind;

    auto d = Make({{"generator", kind}, {"seed", "8"}, {"batch_size", "500"}});
    ASSERT_TRUE(d->Seek(pos).ok());
    EXPECT_NE(Pull(*d, 3000), expected) << "another seed, other data";
    Position foreign;
    foreign.Set("orders.csv", 10);
    EXPECT_FALSE(d->Seek(foreign).ok());
  }
}

TEST(GeneratorSourceTest, EventTimeFollowsEventRateAndStartTime) {
  auto s = Make({{"generator", "nexmark"}, {"event_rate", "1000"},
                 {"start_time", "2025-06-01T12:00:00Z"}, {"batch_size", "50"}});
  ASSERT_TRUE(s);
  int64_t start = 0;
  ASSERT_TRUE(ParseTimestamp("2025-06-01T12:00:00Z", &start));
  std::vector<SourceBatch> out;
  ASSERT_TRUE(s->Next(&out, connectors::kNoRecordLimit).ok());
  ASSERT_TRUE(s->Next(&out, connectors::kNoRecordLimit).ok());
  // Second batch: events 50..99; event 50 is a person at start + 50 ms.
  const RecordBatch& person = *out[3].batch;
  ASSERT_EQ(out[3].stream, 0);
  EXPECT_EQ(person.column(6).Get<int64_t>(0), start + 50 * 1000);
}

TEST(GeneratorSourceTest, RateIsSmoothAndNeverSpins) {
  auto s = Make({{"generator", "shop"}, {"rate", "1000"}});
  ASSERT_TRUE(s);
  int64_t now = 1000000;
  s->SetClock([&now] { return now; });
  std::vector<SourceBatch> out;
  auto next_rows = [&]() -> int64_t {
    out.clear();
    Result<ReadState> st = s->Next(&out, connectors::kNoRecordLimit);
    EXPECT_TRUE(st.ok());
    if (*st == ReadState::kIdle) return -1;
    int64_t rows = 0;
    for (const auto& b : out) rows += b.batch->num_rows();
    return rows;
  };
  EXPECT_EQ(next_rows(), 10);  // 10 ms worth of events right away
  EXPECT_EQ(next_rows(), -1);  // then idle, not a burst
  now += 5000;
  EXPECT_EQ(next_rows(), -1);  // 5 events due: wait for a 10 ms chunk
  now += 5000;
  EXPECT_EQ(next_rows(), 10);

  // One simulated second polled every millisecond: ~1000 events, no batch over 10 ms.
  int64_t total = 0, largest = 0;
  for (int ms = 0; ms < 1000; ++ms) {
    now += 1000;
    const int64_t rows = next_rows();
    if (rows > 0) {
      total += rows;
      largest = std::max(largest, rows);
    }
  }
  EXPECT_GE(total, 990);
  EXPECT_LE(total, 1010);
  EXPECT_LE(largest, 11);

  // A consumer stalled for 10 s gets at most 100 ms worth at once, not a 10 s burst.
  now += 10 * 1000000;
  EXPECT_EQ(next_rows(), 100);
  EXPECT_EQ(next_rows(), -1);
}

}  // namespace
}  // namespace sluice::connectors
