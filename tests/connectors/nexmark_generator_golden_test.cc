// Pins the Nexmark generator's output: checksums of every value of the first events,
// recorded from the generator before its performance work. Any change that alters a
// generated value, the order of rows or the batch boundaries fails here. If a change of
// values is ever intended, it changes benchmark results too: re-record deliberately.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "connectors/nexmark_generator.h"
#include "core/hash.h"

namespace sluice::connectors {
namespace {

EventTimeline Timeline() { return EventTimeline{1704067200000000, 100.0}; }

// Per stream: rows, batches and a hash over every cell (validity, values, strings) and
// the batch boundaries.
struct StreamSums {
  int64_t rows = 0;
  int64_t batches = 0;
  uint64_t hash = 0;
};

uint64_t Fold(uint64_t h, uint64_t v) { return HashBytes(&v, sizeof(v), h); }

uint64_t HashColumn(const Column& c) {
  uint64_t h = Fold(0x636f6cULL, static_cast<uint64_t>(c.length()));
  for (int64_t i = 0; i < c.length(); ++i) {
    if (c.IsNull(i)) {
      h = Fold(h, 0x6e756c6cULL);
    } else if (c.type().IsVarLength()) {
      h = HashString(c.GetString(i), h);
    } else {
      h = HashBytes(c.data_buffer().data() + i * c.type().ByteWidth(),
                    static_cast<size_t>(c.type().ByteWidth()), h);
    }
  }
  return h;
}

std::vector<StreamSums> Sums(const NexmarkConfig& config, uint64_t seed, int64_t seek,
                             int64_t count, int64_t chunk, const std::vector<bool>& read = {}) {
  NexmarkGenerator g(config, seed, Timeline());
  EXPECT_TRUE(g.Seek(seek).ok());
  if (!read.empty()) g.SetStreamsRead(read);
  std::vector<StreamSums> sums(3);
  std::vector<SourceBatch> out;
  for (int64_t done = 0; done < count; done += chunk) {
    out.clear();
    g.Generate(std::min(chunk, count - done), &out);
    for (const auto& b : out) {
      StreamSums& s = sums[static_cast<size_t>(b.stream)];
      const RecordBatch& r = *b.batch;
      s.rows += r.num_rows();
      ++s.batches;
      s.hash = Fold(s.hash, static_cast<uint64_t>(r.num_rows()));
      for (int col = 0; col < r.num_columns(); ++col) {
        s.hash = Fold(s.hash, HashColumn(r.column(col)));
      }
    }
  }
  return sums;
}

std::string Describe(const std::vector<StreamSums>& sums) {
  std::string out;
  for (const auto& s : sums) {
    char line[96];
    std::snprintf(line, sizeof(line), "{%" PRId64 ", %" PRId64 ", 0x%016" PRIx64 "ULL}\n",
                  s.rows, s.batches, s.hash);
    out += line;
  }
  return out;
}

void ExpectSums(const std::vector<StreamSums>& got, const std::vector<StreamSums>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t s = 0; s < got.size(); ++s) {
    EXPECT_EQ(got[s].rows, want[s].rows) << "stream " << s;
    EXPECT_EQ(got[s].batches, want[s].batches) << "stream " << s;
    EXPECT_EQ(got[s].hash, want[s].hash) << "stream " << s;
  }
  if (::testing::Test::HasFailure()) ADD_FAILURE() << "now:\n" << Describe(got);
}

// The default world: 250K events (5K people, 15K auctions, 230K bids), in the bench's
// chunk size.
TEST(NexmarkGeneratorGoldenTest, DefaultWorld) {
  ExpectSums(Sums(NexmarkConfig{}, 42, 0, 250000, 2048),
             {{5000, 123, 0x620988ebbfce1f93ULL},
              {15000, 123, 0xf7be57f5c1bc9c74ULL},
              {230000, 123, 0xe4d9b2a220f88c6fULL}});
}

// Every kind in large numbers (200K people, 200K auctions, 200K bids), other sizes,
// ratios and seed, odd chunks.
TEST(NexmarkGeneratorGoldenTest, EvenMixOtherKnobs) {
  NexmarkConfig c;
  c.person_proportion = 1;
  c.auction_proportion = 1;
  c.bid_proportion = 1;
  c.avg_person_byte_size = 50;
  c.avg_auction_byte_size = 1000;
  c.avg_bid_byte_size = 20;
  c.hot_auction_ratio = 3;
  c.hot_bidder_ratio = 1;
  c.num_active_people = 77;
  ExpectSums(Sums(c, 7, 0, 600000, 1000),
             {{200000, 600, 0x30c5c9fde1a58952ULL},
              {200000, 600, 0xdba7c3459142a699ULL},
              {200000, 600, 0x65e4c133acdd78bdULL}});
}

// Far into the stream (after a seek), where ids and times are large.
TEST(NexmarkGeneratorGoldenTest, AfterASeek) {
  ExpectSums(Sums(NexmarkConfig{}, 42, 5000000000LL + 17, 50000, 4096),
             {{1000, 13, 0x43fb7204aebee3b6ULL},
              {3000, 13, 0xe90d44b667355f26ULL},
              {46000, 13, 0x3001c7da71ecf834ULL}});
}

// Projection pushdown: a stream that is read gets exactly its rows; unread streams get
// no batches at all; a short or empty mask means every stream is read.
TEST(NexmarkGeneratorGoldenTest, UnreadStreamsAreSkippedReadOnesUnchanged) {
  const StreamSums none;
  const std::vector<StreamSums> all = {{5000, 123, 0x620988ebbfce1f93ULL},
                                       {15000, 123, 0xf7be57f5c1bc9c74ULL},
                                       {230000, 123, 0xe4d9b2a220f88c6fULL}};
  ExpectSums(Sums(NexmarkConfig{}, 42, 0, 250000, 2048, {false, false, true}),
             {none, none, all[2]});
  ExpectSums(Sums(NexmarkConfig{}, 42, 0, 250000, 2048, {true, false, false}),
             {all[0], none, none});
  ExpectSums(Sums(NexmarkConfig{}, 42, 0, 250000, 2048, {false, true}), {none, all[1], all[2]});
  ExpectSums(Sums(NexmarkConfig{}, 42, 0, 250000, 2048, {false, false, false}), {none, none, none});
  ExpectSums(Sums(NexmarkConfig{}, 42, 0, 250000, 2048, {true, true, true}), all);
}

// The hint can change between batches: a stream read again continues with its rows.
TEST(NexmarkGeneratorGoldenTest, ReadingAStreamAgainContinuesIt) {
  NexmarkGenerator a(NexmarkConfig{}, 42, Timeline());
  NexmarkGenerator b(NexmarkConfig{}, 42, Timeline());
  std::vector<SourceBatch> full, part;
  a.Generate(5000, &full);
  a.Generate(5000, &full);
  b.SetStreamsRead({true, false, false});
  b.Generate(5000, &part);
  b.SetStreamsRead({true, true, true});
  b.Generate(5000, &part);
  // Person rows of both halves, auction and bid rows of the second half only.
  ASSERT_EQ(part.size(), 4u);
  ASSERT_EQ(full.size(), 6u);
  EXPECT_EQ(part[0].batch->ToString(), full[0].batch->ToString());
  for (size_t k = 1; k < 4; ++k) {
    EXPECT_EQ(part[k].stream, full[k + 2].stream);
    EXPECT_EQ(part[k].batch->ToString(), full[k + 2].batch->ToString()) << k;
  }
}

}  // namespace
}  // namespace sluice::connectors
