#include "connectors/nexmark_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace sluice::connectors {
namespace {

constexpr int kPerson = NexmarkGenerator::kPerson;
constexpr int kAuction = NexmarkGenerator::kAuction;
constexpr int kBid = NexmarkGenerator::kBid;

EventTimeline Timeline() { return EventTimeline{1704067200000000, 100.0}; }

// All batches of `count` events, generated `chunk` events at a time.
std::vector<SourceBatch> Generate(NexmarkGenerator& g, int64_t count, int64_t chunk = 2048) {
  std::vector<SourceBatch> out;
  for (int64_t done = 0; done < count; done += chunk) g.Generate(std::min(chunk, count - done), &out);
  return out;
}

// Rows per stream as text, in order.
std::vector<std::string> Text(const std::vector<SourceBatch>& batches) {
  std::vector<std::string> text(3);
  for (const auto& b : batches) text[static_cast<size_t>(b.stream)] += b.batch->ToString();
  return text;
}

TEST(NexmarkGeneratorTest, MixIsExactlyOneThreeFortySixPerEpoch) {
  NexmarkGenerator g(NexmarkConfig{}, 42, Timeline());
  int64_t rows[3] = {0, 0, 0};
  for (const auto& b : Generate(g, 50 * 400, 777)) rows[b.stream] += b.batch->num_rows();
  EXPECT_EQ(rows[kPerson], 400);
  EXPECT_EQ(rows[kAuction], 1200);
  EXPECT_EQ(rows[kBid], 18400);
}

TEST(NexmarkGeneratorTest, IdsFollowTheEventNumber) {
  NexmarkGenerator g(NexmarkConfig{}, 7, Timeline());
  // Event 0 is a person, 1..3 auctions, 4..49 bids; the next epoch starts at 50.
  EXPECT_EQ(g.LastBase0PersonId(0), 0);
  EXPECT_EQ(g.LastBase0PersonId(49), 0);
  EXPECT_EQ(g.LastBase0PersonId(50), 1);
  EXPECT_EQ(g.LastBase0AuctionId(0), -1);
  EXPECT_EQ(g.LastBase0AuctionId(1), 0);
  EXPECT_EQ(g.LastBase0AuctionId(3), 2);
  EXPECT_EQ(g.LastBase0AuctionId(10), 2);
  EXPECT_EQ(g.LastBase0AuctionId(50), 2);
  EXPECT_EQ(g.LastBase0AuctionId(51), 3);

  std::vector<int64_t> people, auctions;
  for (const auto& b : Generate(g, 50 * 100)) {
    const RecordBatch& r = *b.batch;
    for (int64_t i = 0; i < r.num_rows(); ++i) {
      if (b.stream == kPerson) people.push_back(r.column(0).Get<int64_t>(i));
      if (b.stream == kAuction) {
        auctions.push_back(r.column(0).Get<int64_t>(i));
        const int64_t category = r.column(8).Get<int64_t>(i);
        EXPECT_GE(category, 10);
        EXPECT_LE(category, 14);
      }
    }
  }
  ASSERT_EQ(people.size(), 100u);
  ASSERT_EQ(auctions.size(), 300u);
  for (size_t i = 0; i < people.size(); ++i) EXPECT_EQ(people[i], 1000 + static_cast<int64_t>(i));
  for (size_t i = 0; i < auctions.size(); ++i) EXPECT_EQ(auctions[i], 1000 + static_cast<int64_t>(i));
}

TEST(NexmarkGeneratorTest, ReferencesPointAtPeopleAndAuctionsThatExist) {
  NexmarkGenerator g(NexmarkConfig{}, 3, Timeline());
  const int64_t kEvents = 50 * 2000;
  std::set<int64_t> people, auctions;
  int64_t max_person = -1, max_auction = -1;
  // A bid or auction may name an id up to 10 ahead of the newest one (the reference's
  // "lead"); by the end of the run every referenced id must have been created.
  std::vector<std::pair<int64_t, int64_t>> bid_refs, seller_refs;
  for (const auto& b : Generate(g, kEvents, 50)) {  // 50 = one epoch, so rows are in event order
    const RecordBatch& r = *b.batch;
    for (int64_t i = 0; i < r.num_rows(); ++i) {
      if (b.stream == kPerson) {
        people.insert(r.column(0).Get<int64_t>(i));
        max_person = std::max(max_person, r.column(0).Get<int64_t>(i));
      } else if (b.stream == kAuction) {
        const int64_t seller = r.column(7).Get<int64_t>(i);
        EXPECT_GE(seller, 1000);
        EXPECT_LE(seller, max_person + NexmarkGenerator::kPersonIdLead);
        seller_refs.emplace_back(seller, 0);
        auctions.insert(r.column(0).Get<int64_t>(i));
        max_auction = std::max(max_auction, r.column(0).Get<int64_t>(i));
      } else {
        const int64_t auction = r.column(0).Get<int64_t>(i);
        const int64_t bidder = r.column(1).Get<int64_t>(i);
        EXPECT_GE(auction, 1000);
        EXPECT_LE(auction, max_auction + NexmarkGenerator::kAuctionIdLead);
        EXPECT_GE(auction, max_auction - 100 - 1) << "not among the in-flight auctions";
        EXPECT_GE(bidder, 1000);
        EXPECT_LE(bidder, max_person + NexmarkGenerator::kPersonIdLead);
        bid_refs.emplace_back(auction, bidder);
      }
    }
  }
  // Everything referenced in the first half exists by the end.
  for (size_t i = 0; i < bid_refs.size() / 2; ++i) {
    EXPECT_TRUE(auctions.count(bid_refs[i].first)) << bid_refs[i].first;
    EXPECT_TRUE(people.count(bid_refs[i].second)) << bid_refs[i].second;
  }
  for (size_t i = 0; i < seller_refs.size() / 2; ++i) {
    EXPECT_TRUE(people.count(seller_refs[i].first));
  }
}

TEST(NexmarkGeneratorTest, HotKeysAreSkewed) {
  NexmarkGenerator g(NexmarkConfig{}, 11, Timeline());
  // The first 1500 events all fall in the first group of 100 auctions and people.
  std::map<int64_t, int64_t> by_auction, by_bidder, by_seller;
  int64_t bids = 0, auctions = 0;
  for (const auto& b : Generate(g, 1500)) {
    const RecordBatch& r = *b.batch;
    for (int64_t i = 0; i < r.num_rows(); ++i) {
      if (b.stream == kBid) {
        ++bids;
        ++by_auction[r.column(0).Get<int64_t>(i)];
        ++by_bidder[r.column(1).Get<int64_t>(i)];
      } else if (b.stream == kAuction) {
        ++auctions;
        ++by_seller[r.column(7).Get<int64_t>(i)];
      }
    }
  }
  // hot_auction_ratio 2: about half the bids go to the hot auction (1000);
  // hot_bidder_ratio 4: about 3/4 come from the hot bidder (1001); sellers alike (1000).
  EXPECT_GT(by_auction[1000], bids * 4 / 10);
  EXPECT_GT(by_bidder[1001], bids * 6 / 10);
  EXPECT_GT(by_seller[1000], auctions * 5 / 10);
}

TEST(NexmarkGeneratorTest, RowSizesAverageTheConfiguredSizes) {
  NexmarkGenerator g(NexmarkConfig{}, 5, Timeline());
  double person_bytes = 0, auction_bytes = 0, bid_bytes = 0;
  int64_t persons = 0, auctions = 0, bids = 0;
  for (const auto& b : Generate(g, 50 * 4000)) {
    const RecordBatch& r = *b.batch;
    for (int64_t i = 0; i < r.num_rows(); ++i) {
      if (b.stream == kPerson) {
        ++persons;
        person_bytes += 8;
        for (int c = 1; c <= 5; ++c) person_bytes += static_cast<double>(r.column(c).GetString(i).size());
        person_bytes += static_cast<double>(r.column(7).GetString(i).size());
        const std::string_view card = r.column(3).GetString(i);
        ASSERT_EQ(card.size(), 19u);
        EXPECT_TRUE(card[4] == ' ' && card[9] == ' ' && card[14] == ' ') << card;
        const std::string_view email = r.column(2).GetString(i);
        EXPECT_NE(email.find('@'), std::string_view::npos);
        EXPECT_EQ(email.substr(email.size() - 4), ".com");
      } else if (b.stream == kAuction) {
        ++auctions;
        auction_bytes += 8 + 40;
        for (int c : {1, 2, 9}) auction_bytes += static_cast<double>(r.column(c).GetString(i).size());
        EXPECT_GE(r.column(4).Get<int64_t>(i), r.column(3).Get<int64_t>(i));  // reserve >= initial
        EXPECT_GT(r.column(6).Get<int64_t>(i), r.column(5).Get<int64_t>(i));  // expires later
      } else {
        ++bids;
        bid_bytes += 32 + static_cast<double>(r.column(6).GetString(i).size());
        const int64_t price = r.column(2).Get<int64_t>(i);
        EXPECT_GE(price, 100);
        EXPECT_LE(price, 100000000);
        EXPECT_EQ(r.column(4).GetString(i).substr(0, 24), "https://www.nexmark.com/");
      }
    }
  }
  EXPECT_NEAR(person_bytes / static_cast<double>(persons), 200, 200 * 0.03);
  EXPECT_NEAR(auction_bytes / static_cast<double>(auctions), 500, 500 * 0.03);
  EXPECT_NEAR(bid_bytes / static_cast<double>(bids), 100, 100 * 0.03);
}

TEST(NexmarkGeneratorTest, EventTimesAndChannels) {
  NexmarkGenerator g(NexmarkConfig{}, 9, EventTimeline{1000000, 250.0});
  int64_t hot = 0, bids = 0;
  for (const auto& b : Generate(g, 50, 50)) {
    const RecordBatch& r = *b.batch;
    const int time_col = b.stream == kPerson ? 6 : 5;
    for (int64_t i = 0; i < r.num_rows(); ++i) {
      const int64_t t = r.column(time_col).Get<int64_t>(i);
      EXPECT_EQ((t - 1000000) % 250, 0);
      if (b.stream == kPerson) {
        EXPECT_EQ(t, 1000000);  // event 0
      } else if (b.stream == kAuction) {
        EXPECT_EQ(t, 1000000 + 250 * (i + 1));  // events 1..3
      } else {
        EXPECT_EQ(t, 1000000 + 250 * (i + 4));
        ++bids;
        const std::string_view ch = r.column(3).GetString(i);
        if (ch == "Google" || ch == "Facebook" || ch == "Baidu" || ch == "Apple") {
          ++hot;
        } else {
          EXPECT_EQ(ch.substr(0, 8), "channel-") << ch;
        }
      }
    }
  }
  EXPECT_GT(hot, 0);
  EXPECT_LT(hot, bids);
}

TEST(NexmarkGeneratorTest, DeterministicAndSeekable) {
  NexmarkGenerator a(NexmarkConfig{}, 42, Timeline());
  NexmarkGenerator b(NexmarkConfig{}, 42, Timeline());
  NexmarkGenerator c(NexmarkConfig{}, 43, Timeline());
  const auto ta = Text(Generate(a, 3000, 1000));
  EXPECT_EQ(ta, Text(Generate(b, 3000, 1000)));
  EXPECT_NE(ta, Text(Generate(c, 3000, 1000)));

  // Events 1000.. after a seek are the same as in a continuous run.
  NexmarkGenerator d(NexmarkConfig{}, 42, Timeline());
  Generate(d, 1000, 1000);
  const auto tail = Text(Generate(d, 2000, 1000));
  NexmarkGenerator e(NexmarkConfig{}, 42, Timeline());
  ASSERT_TRUE(e.Seek(1000).ok());
  EXPECT_EQ(Text(Generate(e, 2000, 1000)), tail);
  EXPECT_FALSE(e.Seek(-1).ok());
}

}  // namespace
}  // namespace sluice::connectors
