#include "connectors/nexmark_generator.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sluice::connectors {

namespace {

// Few states and cities, as in the reference, so that queries find matches early.
constexpr std::string_view kStates[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
constexpr std::string_view kCities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise",
                                        "Portland", "Bend", "Redmond", "Seattle", "Kent",
                                        "Cheyenne"};
constexpr std::string_view kFirstNames[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                            "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
constexpr std::string_view kLastNames[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                           "Walton", "Smith",  "Jones",   "Noris"};
constexpr std::string_view kHotChannels[] = {"Google", "Facebook", "Baidu", "Apple"};
constexpr int kNumChannels = 10000;
constexpr int kHotChannelRatio = 2;
constexpr int kSpecialBytes = 20;  // of 256: probability of the special character ~ 1/13

SchemaPtr PersonSchema() {
  return MakeSchema({{"id", DataType::Int64(), false},
                     {"name", DataType::Varchar(), false},
                     {"email_address", DataType::Varchar(), false},
                     {"credit_card", DataType::Varchar(), false},
                     {"city", DataType::Varchar(), false},
                     {"state", DataType::Varchar(), false},
                     {"date_time", DataType::Timestamp(), false},
                     {"extra", DataType::Varchar(), false}});
}

SchemaPtr AuctionSchema() {
  return MakeSchema({{"id", DataType::Int64(), false},
                     {"item_name", DataType::Varchar(), false},
                     {"description", DataType::Varchar(), false},
                     {"initial_bid", DataType::Int64(), false},
                     {"reserve", DataType::Int64(), false},
                     {"date_time", DataType::Timestamp(), false},
                     {"expires", DataType::Timestamp(), false},
                     {"seller", DataType::Int64(), false},
                     {"category", DataType::Int64(), false},
                     {"extra", DataType::Varchar(), false}});
}

SchemaPtr BidSchema() {
  return MakeSchema({{"auction", DataType::Int64(), false},
                     {"bidder", DataType::Int64(), false},
                     {"price", DataType::Int64(), false},
                     {"channel", DataType::Varchar(), false},
                     {"url", DataType::Varchar(), false},
                     {"date_time", DataType::Timestamp(), false},
                     {"extra", DataType::Varchar(), false}});
}

template <size_t N>
std::string_view Pick(gen::Rng& rng, const std::string_view (&table)[N]) {
  return table[rng.Uniform(N)];
}

}  // namespace

NexmarkGenerator::NexmarkGenerator(const NexmarkConfig& config, uint64_t seed,
                                   EventTimeline timeline)
    : config_(config), seed_(seed), timeline_(timeline) {
  total_proportion_ =
      config_.person_proportion + config_.auction_proportion + config_.bid_proportion;
  // How far ahead (in event time) the auction num_in_flight_auctions from now will be
  // created; auction lengths average this horizon.
  const int64_t horizon_events =
      config_.auction_proportion > 0
          ? config_.num_in_flight_auctions * total_proportion_ / config_.auction_proportion
          : 0;
  auction_horizon_micros_ =
      static_cast<int64_t>(static_cast<double>(horizon_events) * timeline_.delay_micros);
  streams_ = {{"person", PersonSchema()}, {"auction", AuctionSchema()}, {"bid", BidSchema()}};
  for (const auto& s : streams_) builders_.emplace_back(s.schema);
  BuildTables(seed);
  // As ExtraLength(rng, BidFixedSize(), avg_bid_byte_size) computes it.
  bid_extra_draws_ = BidFixedSize() <= config_.avg_bid_byte_size;
  if (bid_extra_draws_) {
    const int64_t wanted = config_.avg_bid_byte_size - BidFixedSize();
    bid_extra_delta_ = static_cast<int64_t>(std::llround(static_cast<double>(wanted) * 0.2));
    bid_extra_min_ = wanted - bid_extra_delta_;
  }
}

void NexmarkGenerator::BuildTables(uint64_t seed) {
  for (int b = 0; b < 256; ++b) {
    string_chars_[b] = b < kSpecialBytes ? 0 : static_cast<char>('a' + (b - kSpecialBytes) % 26);
  }
  gen::Rng rng(gen::SeedFor(seed, 0x6e65786d61726bULL));  // "nexmark"
  const int64_t max_avg = std::max({config_.avg_person_byte_size, config_.avg_auction_byte_size,
                                    config_.avg_bid_byte_size});
  const size_t pool = std::max<size_t>(size_t{1} << 16, static_cast<size_t>(max_avg) * 3);
  extra_pool_.resize(pool);
  for (char& c : extra_pool_) c = static_cast<char>('a' + rng.Uniform(26));

  for (auto first : kFirstNames) {
    for (auto last : kLastNames) names_.Add(std::string(first) + " " + std::string(last));
  }
  std::vector<std::string> hot_urls;
  for (size_t i = 0; i < std::size(kHotChannels); ++i) hot_urls.push_back(BaseUrl(rng));
  for (int i = 0; i < kNumChannels; ++i) {
    channels_.Add("channel-" + std::to_string(i));
    std::string url = BaseUrl(rng);
    if (rng.Uniform(10) > 0) {
      // The reference appends abs(Integer.reverse(i)): the channel number's bits reversed.
      uint32_t v = static_cast<uint32_t>(i), r = 0;
      for (int bit = 0; bit < 32; ++bit) r |= ((v >> bit) & 1u) << (31 - bit);
      const int64_t signed_r = static_cast<int32_t>(r);
      url += "&channel_id=" + std::to_string(signed_r < 0 ? -signed_r : signed_r);
    }
    channel_urls_.Add(url);
  }
  for (size_t i = 0; i < std::size(kHotChannels); ++i) {
    channels_.Add(kHotChannels[i]);
    channel_urls_.Add(hot_urls[i]);
  }
}

std::string NexmarkGenerator::BaseUrl(gen::Rng& rng) const {
  char part[8];
  std::string url = "https://www.nexmark.com/";
  for (int i = 0; i < 3; ++i) {
    url.append(part, static_cast<size_t>(RandomString(rng, 5, '_', part)));
    url += '/';
  }
  url += "item.htm?query=1";
  return url;
}

int NexmarkGenerator::RandomString(gen::Rng& rng, int max_len, char special, char* out) const {
  const int len = 3 + static_cast<int>(rng.Uniform(static_cast<uint64_t>(max_len - 3)));
  uint64_t bits = 0;
  for (int i = 0; i < len; ++i) {
    if ((i & 7) == 0) bits = rng.Next();
    const char c = string_chars_[bits & 0xff];
    bits >>= 8;
    out[i] = c != 0 ? c : special;
  }
  if (special != ' ') return len;
  int begin = 0, end = len;  // trim, as the reference does
  while (begin < end && out[begin] == ' ') ++begin;
  while (end > begin && out[end - 1] == ' ') --end;
  if (begin > 0) std::memmove(out, out + begin, static_cast<size_t>(end - begin));
  return end - begin;
}

int64_t NexmarkGenerator::ExtraLength(gen::Rng& rng, int64_t current_size,
                                      int64_t average) const {
  if (current_size > average) return 0;
  const int64_t wanted = average - current_size;
  const int64_t delta = static_cast<int64_t>(std::llround(static_cast<double>(wanted) * 0.2));
  const int64_t min_size = wanted - delta;
  return min_size + (delta == 0 ? 0 : static_cast<int64_t>(rng.Uniform(
                                           static_cast<uint64_t>(2 * delta))));
}

void NexmarkGenerator::AppendExtra(gen::Rng& rng, int64_t length, StreamBuilder& b,
                                   int col) const {
  const uint64_t room = extra_pool_.size() - static_cast<uint64_t>(length) + 1;
  const size_t offset = static_cast<size_t>(rng.Uniform(room));
  b.AppendString(col, std::string_view(extra_pool_.data() + offset, static_cast<size_t>(length)));
}

// Inlined: a chain of dependent floating-point operations that the processor overlaps
// with other rows' when it runs in a loop of its own (see WriteBids).
[[gnu::always_inline]] inline int64_t NexmarkGenerator::PriceOf(double u) const {
  // round(10^(6u) * 100), u uniform in [0, 1): cents from 1.00 to 1,000,000.00.
  constexpr double kSixLog2Of10 = 6.0 * 3.321928094887362348;
  return static_cast<int64_t>(exp2_(u * kSixLog2Of10) * 100.0 + 0.5);
}

int64_t NexmarkGenerator::LastBase0PersonId(int64_t event) const {
  return LastPerson(EventPos{event / total_proportion_, event % total_proportion_, 0});
}

int64_t NexmarkGenerator::LastBase0AuctionId(int64_t event) const {
  return LastAuction(EventPos{event / total_proportion_, event % total_proportion_, 0});
}

int64_t NexmarkGenerator::LastAuction(const EventPos& e) const {
  if (e.offset < config_.person_proportion) {
    // A person: the last auction is the previous epoch's last.
    return (e.epoch - 1) * config_.auction_proportion + config_.auction_proportion - 1;
  }
  const int64_t offset = e.offset - config_.person_proportion;
  // An auction: this one; a bid: this epoch's last.
  return e.epoch * config_.auction_proportion + std::min(offset, config_.auction_proportion - 1);
}

inline int64_t NexmarkGenerator::NextBase0PersonId(const EventPos& e, gen::Rng& rng) const {
  // Any of the active people, or one of the next few not created yet (so that new
  // person and bid events look swapped in time, as in the reference).
  const int64_t num_people = LastPerson(e) + 1;
  const int64_t active = std::min(num_people, config_.num_active_people);
  const int64_t n = static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(active + kPersonIdLead)));
  return num_people - active + n;
}

inline int64_t NexmarkGenerator::NextBase0AuctionId(const EventPos& e, gen::Rng& rng) const {
  const int64_t max_auction = LastAuction(e);
  const int64_t min_auction = std::max<int64_t>(max_auction - config_.num_in_flight_auctions, 0);
  return min_auction + static_cast<int64_t>(rng.Uniform(
                           static_cast<uint64_t>(max_auction - min_auction + 1 + kAuctionIdLead)));
}

void NexmarkGenerator::WritePerson(const EventPos& e, gen::Rng& rng, StreamBuilder& b) const {
  const std::string_view name = names_.Get(rng.Uniform(names_.offsets.size() - 1));
  char email[16];
  int email_len = RandomString(rng, 7, ' ', email);
  email[email_len++] = '@';
  email_len += RandomString(rng, 5, ' ', email + email_len);
  std::memcpy(email + email_len, ".com", 4);
  email_len += 4;
  char card[19];
  for (int g = 0; g < 4; ++g) {
    gen::WriteDigits(card + g * 5, rng.Uniform(10000), 4);
    if (g < 3) card[g * 5 + 4] = ' ';
  }
  const std::string_view city = Pick(rng, kCities);
  const std::string_view state = Pick(rng, kStates);
  const int64_t size = 8 + static_cast<int64_t>(name.size() + city.size() + state.size()) +
                       email_len + static_cast<int64_t>(sizeof(card));
  b.Append<int64_t>(0, LastPerson(e) + kFirstPersonId);
  b.AppendString(1, name);
  b.AppendString(2, std::string_view(email, static_cast<size_t>(email_len)));
  b.AppendString(3, std::string_view(card, sizeof(card)));
  b.AppendString(4, city);
  b.AppendString(5, state);
  b.Append<int64_t>(6, e.time);
  AppendExtra(rng, ExtraLength(rng, size, config_.avg_person_byte_size), b, 7);
}

void NexmarkGenerator::WriteAuction(const EventPos& e, gen::Rng& rng, StreamBuilder& b) const {
  const int64_t time = e.time;
  int64_t seller;
  if (rng.Uniform(static_cast<uint64_t>(config_.hot_seller_ratio)) > 0) {
    seller = (LastPerson(e) / kHotGroup) * kHotGroup;  // the hot seller
  } else {
    seller = NextBase0PersonId(e, rng);
  }
  const int64_t category = kFirstCategoryId + static_cast<int64_t>(rng.Uniform(kNumCategories));
  const int64_t initial_bid = Price(rng);
  const int64_t expires =
      time + 1000 +
      static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(std::max<int64_t>(
          2 * auction_horizon_micros_, 1))));
  char item[24];
  char desc[104];
  const int item_len = RandomString(rng, 20, ' ', item);
  const int desc_len = RandomString(rng, 100, ' ', desc);
  const int64_t reserve = initial_bid + Price(rng);
  const int64_t size = 8 + item_len + desc_len + 40;
  b.Append<int64_t>(0, LastAuction(e) + kFirstAuctionId);
  b.AppendString(1, std::string_view(item, static_cast<size_t>(item_len)));
  b.AppendString(2, std::string_view(desc, static_cast<size_t>(desc_len)));
  b.Append<int64_t>(3, initial_bid);
  b.Append<int64_t>(4, reserve);
  b.Append<int64_t>(5, time);
  b.Append<int64_t>(6, expires);
  b.Append<int64_t>(7, seller + kFirstPersonId);
  b.Append<int64_t>(8, category);
  AppendExtra(rng, ExtraLength(rng, size, config_.avg_auction_byte_size), b, 9);
}

// Inlined into Generate's loop, so that one event's draws overlap the next one's.
[[gnu::always_inline]] inline NexmarkGenerator::BidDraw NexmarkGenerator::DrawBid(
    const EventPos& e, gen::Rng& rng) const {
  BidDraw d;
  int64_t auction;
  if (rng.Uniform(static_cast<uint64_t>(config_.hot_auction_ratio)) > 0) {
    auction = (LastAuction(e) / kHotGroup) * kHotGroup;  // the hot auction
  } else {
    auction = NextBase0AuctionId(e, rng);
  }
  int64_t bidder;
  if (rng.Uniform(static_cast<uint64_t>(config_.hot_bidder_ratio)) > 0) {
    // The second person of the group, so hot bidders and hot sellers differ.
    bidder = (LastPerson(e) / kHotGroup) * kHotGroup + 1;
  } else {
    bidder = NextBase0PersonId(e, rng);
  }
  d.auction = auction + kFirstAuctionId;
  d.bidder = bidder + kFirstPersonId;
  d.price_u = rng.Double();
  d.time = e.time;
  if (rng.Uniform(kHotChannelRatio) > 0) {
    d.channel = kNumChannels + static_cast<int32_t>(rng.Uniform(std::size(kHotChannels)));
  } else {
    d.channel = static_cast<int32_t>(rng.Uniform(kNumChannels));
  }
  // The extra: as ExtraLength and AppendExtra draw it.
  const int64_t length =
      !bid_extra_draws_ ? 0
      : bid_extra_delta_ == 0
          ? bid_extra_min_
          : bid_extra_min_ + static_cast<int64_t>(
                                 rng.Uniform(static_cast<uint64_t>(2 * bid_extra_delta_)));
  const uint64_t room = extra_pool_.size() - static_cast<uint64_t>(length) + 1;
  d.extra_length = static_cast<int32_t>(length);
  d.extra_offset = static_cast<uint32_t>(rng.Uniform(room));
  return d;
}

void NexmarkGenerator::WriteBids(StreamBuilder& b) const {
  constexpr size_t kAhead = 32;  // rows between a prefetch and the copy it is for
  const BidDraw* d = bids_.data();
  const size_t n = bids_.size();
  if (n == 0) return;
  int64_t* auction = b.AppendSlots<int64_t>(0, n);
  for (size_t k = 0; k < n; ++k) auction[k] = d[k].auction;
  int64_t* bidder = b.AppendSlots<int64_t>(1, n);
  for (size_t k = 0; k < n; ++k) bidder[k] = d[k].bidder;
  int64_t* price = b.AppendSlots<int64_t>(2, n);
  for (size_t k = 0; k < n; ++k) price[k] = PriceOf(d[k].price_u);
  for (size_t k = 0; k < n; ++k) {
    if (k + kAhead < n) {
      const size_t next = static_cast<size_t>(d[k + kAhead].channel);
      __builtin_prefetch(channels_.bytes.data() + channels_.offsets[next]);
    }
    b.AppendString(3, channels_.Get(static_cast<size_t>(d[k].channel)));
  }
  for (size_t k = 0; k < n; ++k) {
    if (k + kAhead < n) {
      const char* next = channel_urls_.bytes.data() +
                         channel_urls_.offsets[static_cast<size_t>(d[k + kAhead].channel)];
      __builtin_prefetch(next);
      __builtin_prefetch(next + 64);
    }
    b.AppendString(4, channel_urls_.Get(static_cast<size_t>(d[k].channel)));
  }
  int64_t* time = b.AppendSlots<int64_t>(5, n);
  for (size_t k = 0; k < n; ++k) time[k] = d[k].time;
  for (size_t k = 0; k < n; ++k) {
    if (k + kAhead < n) {
      const char* next = extra_pool_.data() + d[k + kAhead].extra_offset;
      __builtin_prefetch(next);
      __builtin_prefetch(next + 64);
    }
    b.AppendString(6, std::string_view(extra_pool_.data() + d[k].extra_offset,
                                       static_cast<size_t>(d[k].extra_length)));
  }
}

Status NexmarkGenerator::Seek(int64_t index) {
  if (index < 0) return Status::Invalid("nexmark: negative event index " + std::to_string(index));
  next_event_ = index;  // every event is a function of (seed, index): nothing to replay
  return Status::OK();
}

void NexmarkGenerator::Generate(int64_t count, std::vector<SourceBatch>* out) {
  const int64_t total = total_proportion_;
  const int64_t rows[3] = {count * config_.person_proportion / total + 1,
                           count * config_.auction_proportion / total + 1,
                           count * config_.bid_proportion / total + 1};
  if (read_[kPerson]) builders_[kPerson].Start(rows[0], rows[0] * config_.avg_person_byte_size);
  if (read_[kAuction]) builders_[kAuction].Start(rows[1], rows[1] * config_.avg_auction_byte_size);
  if (read_[kBid]) builders_[kBid].Start(rows[2], rows[2] * (config_.avg_bid_byte_size + 16));
  EventPos pos{next_event_ / total, next_event_ % total, 0};
  const int64_t person_end = config_.person_proportion;
  const int64_t auction_end = person_end + config_.auction_proportion;
  bids_.clear();
  for (int64_t e = next_event_; e < next_event_ + count; ++e) {
    const int kind = pos.offset < person_end ? kPerson : pos.offset < auction_end ? kAuction : kBid;
    if (read_[kind]) {
      gen::Rng rng(gen::SeedFor(seed_, static_cast<uint64_t>(e)));
      pos.time = timeline_.At(e);
      if (kind == kPerson) {
        WritePerson(pos, rng, builders_[kPerson]);
      } else if (kind == kAuction) {
        WriteAuction(pos, rng, builders_[kAuction]);
      } else {
        bids_.push_back(DrawBid(pos, rng));
      }
    }
    if (++pos.offset == total) {
      pos.offset = 0;
      ++pos.epoch;
    }
  }
  next_event_ += count;
  WriteBids(builders_[kBid]);
  for (int s = 0; s < 3; ++s) builders_[static_cast<size_t>(s)].Finish(s, out);
}

void NexmarkGenerator::SetStreamsRead(const std::vector<bool>& read) {
  for (size_t s = 0; s < 3; ++s) read_[s] = s >= read.size() || read[s];
}

}  // namespace sluice::connectors
