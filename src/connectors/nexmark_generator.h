// NexmarkGenerator: the Nexmark benchmark's auction world (streams person, auction, bid),
// following the semantics of the reference generator (Apache Beam's Java Nexmark
// generator, which Flink's nexmark and RisingWave follow):
//  - events come in epochs of person+auction+bid proportions (1:3:46 by default); the
//    kind of event i is decided by i mod 50;
//  - person and auction ids are derived from the event number (first id 1000, first
//    category 10); bids and auctions pick people among the last num_active_people (plus
//    a lead of 10 ids not yet created) and auctions among the last
//    num_in_flight_auctions (plus a lead of 10);
//  - hot keys: with probability 1 - 1/ratio a bid goes to the hot auction (the first of
//    the last group of 100 auctions), a bid comes from the hot bidder (the second person
//    of the last group of 100 people), an auction comes from the hot seller (the first
//    person of that group);
//  - prices are round(10^(6u) * 100) cents, u uniform in [0, 1);
//  - `extra` pads each row to the configured average byte size (+-20%, uniform),
//    copied from a pool of random letters.
// Deviations, all distribution-preserving: the random numbers come from wyrand seeded
// per event (so any event can be generated directly: Seek is O(1)); random strings draw
// their characters from a byte table (special character with probability 20/256 instead
// of 1/13); event times are in microseconds; bidder ids get FIRST_PERSON_ID added once
// (Beam) rather than twice (a known slip in Flink's copy).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "connectors/event_generator.h"
#include "connectors/generator_random.h"

namespace sluice::connectors {

// The Nexmark knobs, with the reference defaults.
struct NexmarkConfig {
  int64_t num_active_people = 1000;
  int64_t num_in_flight_auctions = 100;
  int64_t hot_auction_ratio = 2;
  int64_t hot_seller_ratio = 4;
  int64_t hot_bidder_ratio = 4;
  int64_t avg_person_byte_size = 200;
  int64_t avg_auction_byte_size = 500;
  int64_t avg_bid_byte_size = 100;
  int64_t person_proportion = 1;
  int64_t auction_proportion = 3;
  int64_t bid_proportion = 46;
};

class NexmarkGenerator : public EventGenerator {
 public:
  static constexpr int64_t kFirstPersonId = 1000;
  static constexpr int64_t kFirstAuctionId = 1000;
  static constexpr int64_t kFirstCategoryId = 10;
  static constexpr int64_t kNumCategories = 5;
  static constexpr int64_t kPersonIdLead = 10;
  static constexpr int64_t kAuctionIdLead = 10;
  static constexpr int64_t kHotGroup = 100;  // hot keys are the first of each group of 100

  // Stream indexes.
  static constexpr int kPerson = 0;
  static constexpr int kAuction = 1;
  static constexpr int kBid = 2;

  // Precondition: proportions >= 0 with a positive sum, ratios >= 1, counts >= 1.
  NexmarkGenerator(const NexmarkConfig& config, uint64_t seed, EventTimeline timeline);

  const std::vector<StreamInfo>& streams() const override { return streams_; }
  Status Seek(int64_t index) override;
  void Generate(int64_t count, std::vector<SourceBatch>* out) override;
  // Unread streams are skipped whole: every event is a function of (seed, index), so
  // skipping one changes nothing else.
  void SetStreamsRead(const std::vector<bool>& read) override;

  // The reference id arithmetic, base 0 (add kFirstPersonId / kFirstAuctionId).
  // The last person (auction) id that exists at event `event`; the current one when
  // `event` is itself a person (auction). -1 before the first.
  int64_t LastBase0PersonId(int64_t event) const;
  int64_t LastBase0AuctionId(int64_t event) const;
  // Fixed part of each row's size, as the reference counts it (extra pads the rest).
  static int64_t BidFixedSize() { return 32; }

 private:
  struct StringTable {  // many short strings in one block
    std::string bytes;
    std::vector<int32_t> offsets{0};
    void Add(std::string_view s) {
      bytes.append(s);
      offsets.push_back(static_cast<int32_t>(bytes.size()));
    }
    std::string_view Get(size_t i) const {
      return std::string_view(bytes.data() + offsets[i],
                              static_cast<size_t>(offsets[i + 1] - offsets[i]));
    }
  };

  // Event i as (epoch, offset) = (i / total, i % total); tracked incrementally by
  // Generate so the hot loop divides by nothing but constants.
  struct EventPos {
    int64_t epoch;
    int64_t offset;
    int64_t time;
  };
  int64_t LastPerson(const EventPos& e) const {
    return e.epoch * config_.person_proportion +
           std::min(e.offset, config_.person_proportion - 1);
  }
  int64_t LastAuction(const EventPos& e) const;

  void BuildTables(uint64_t seed);
  std::string BaseUrl(gen::Rng& rng) const;
  int64_t NextBase0PersonId(const EventPos& e, gen::Rng& rng) const;
  int64_t NextBase0AuctionId(const EventPos& e, gen::Rng& rng) const;
  // A random string of 3..max_len-1 characters with spaces trimmed (special = ' ') or
  // with `special` kept; written at out, returns the length.
  int RandomString(gen::Rng& rng, int max_len, char special, char* out) const;
  int64_t ExtraLength(gen::Rng& rng, int64_t current_size, int64_t average) const;
  void AppendExtra(gen::Rng& rng, int64_t length, StreamBuilder& b, int col) const;
  int64_t Price(gen::Rng& rng) const { return PriceOf(rng.Double()); }
  // The price for uniform u in [0, 1).
  int64_t PriceOf(double u) const;

  // A bid's random draws, made in event order by DrawBid; its row is written later by
  // WriteBids, column by column, so that the string copies (from tables larger than
  // the L1 cache) can be prefetched a few rows ahead.
  struct BidDraw {
    int64_t auction;
    int64_t bidder;
    double price_u;  // the price's uniform draw: PriceOf runs in a tight loop later
    int64_t time;
    int32_t channel;  // index into channels_ / channel_urls_ (hot channels at the end)
    int32_t extra_length;
    uint32_t extra_offset;
  };

  void WritePerson(const EventPos& e, gen::Rng& rng, StreamBuilder& b) const;
  void WriteAuction(const EventPos& e, gen::Rng& rng, StreamBuilder& b) const;
  BidDraw DrawBid(const EventPos& e, gen::Rng& rng) const;
  void WriteBids(StreamBuilder& b) const;

  NexmarkConfig config_;
  uint64_t seed_;
  EventTimeline timeline_;
  int64_t total_proportion_;
  int64_t auction_horizon_micros_;
  int64_t next_event_ = 0;

  std::vector<StreamInfo> streams_;
  std::vector<StreamBuilder> builders_;
  std::string extra_pool_;
  char string_chars_[256];   // byte -> character for random strings (0 = special)
  StringTable names_;        // "First Last"
  StringTable channels_;      // channel-0 .. channel-9999, then the hot channels
  StringTable channel_urls_;  // their urls, in the same order
  bool read_[3] = {true, true, true};  // SetStreamsRead
  std::vector<BidDraw> bids_;          // Generate's scratch, kept for its capacity
  // ExtraLength(rng, BidFixedSize(), avg_bid_byte_size) precomputed: no draw when
  // bid_extra_draws_ is false, else bid_extra_min_ + Uniform(2 * bid_extra_delta_).
  bool bid_extra_draws_ = false;
  int64_t bid_extra_min_ = 0;
  int64_t bid_extra_delta_ = 0;
  const gen::FastExp2Table& exp2_ = gen::FastExp2();
};

}  // namespace sluice::connectors
