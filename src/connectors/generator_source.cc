#include "connectors/generator_source.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/time.h"

namespace sluice::connectors {

namespace {

constexpr int64_t kMaxInt = std::numeric_limits<int64_t>::max();

void ReadNexmarkOptions(OptionReader& o, NexmarkConfig* c) {
  c->num_active_people = o.Int("num_active_people", c->num_active_people, 1, 1000000000);
  c->num_in_flight_auctions =
      o.Int("num_in_flight_auctions", c->num_in_flight_auctions, 1, 1000000000);
  c->hot_auction_ratio = o.Int("hot_auction_ratio", c->hot_auction_ratio, 1, 1000000);
  c->hot_seller_ratio = o.Int("hot_seller_ratio", c->hot_seller_ratio, 1, 1000000);
  c->hot_bidder_ratio = o.Int("hot_bidder_ratio", c->hot_bidder_ratio, 1, 1000000);
  c->avg_person_byte_size = o.Int("avg_person_byte_size", c->avg_person_byte_size, 0, 1 << 20);
  c->avg_auction_byte_size = o.Int("avg_auction_byte_size", c->avg_auction_byte_size, 0, 1 << 20);
  c->avg_bid_byte_size = o.Int("avg_bid_byte_size", c->avg_bid_byte_size, 0, 1 << 20);
  // Bids need auctions and people to refer to: those two proportions must be positive.
  c->person_proportion = o.Int("person_proportion", c->person_proportion, 1, 1000000);
  c->auction_proportion = o.Int("auction_proportion", c->auction_proportion, 1, 1000000);
  c->bid_proportion = o.Int("bid_proportion", c->bid_proportion, 0, 1000000);
}

void ReadShopOptions(OptionReader& o, ShopConfig* c) {
  c->customers = o.Int("customers", c->customers, 1, 100000000);
  c->products = o.Int("products", c->products, 1, 1000000);
  c->late_fraction = o.Double("late_fraction", c->late_fraction, 0.0, 1.0);
  c->max_lateness_micros = o.Duration("max_lateness", c->max_lateness_micros);
  if (c->max_lateness_micros < 0) {
    o.Error("max_lateness", "'max_lateness' must not be negative", "write e.g. 5s or 500ms");
    c->max_lateness_micros = 0;
  }
}

}  // namespace

bool ReadGeneratorOptions(OptionReader& o, GeneratorOptions* out) {
  Diagnostics* diag = o.diagnostics();
  const size_t errors_before = diag->items().size();
  const std::vector<std::string> kinds = {"shop", "nexmark"};
  if (o.Has("generator")) {
    out->generator = o.Enum("generator", "", kinds);
  } else {
    o.RequiredString("generator", "set it to shop or nexmark");
  }
  out->seed = static_cast<uint64_t>(
      o.Int("seed", 42, std::numeric_limits<int64_t>::min(), kMaxInt));
  out->rate = o.Double("rate", 0, 0, 1e10);
  out->event_rate = o.Double("event_rate", out->rate > 0 ? out->rate : 10000, 0.001, 1e10);
  ParseTimestamp("2024-01-01T00:00:00Z", &out->start_time_micros);
  if (auto text = o.OptionalString("start_time")) {
    if (!ParseTimestamp(*text, &out->start_time_micros)) {
      o.Error("start_time", "'start_time' is not a timestamp: '" + *text + "'",
              "write it as 2024-01-01T00:00:00Z");
    }
  }
  out->max_events = o.Int("max_events", -1, 0, kMaxInt);
  out->batch_size = o.Int("batch_size", out->batch_size, 1, 65536);
  // Read the knobs of the chosen world only, so the other world's knobs are reported as
  // unknown keys; when the world itself is unknown, read both to avoid piling on.
  if (out->generator != "nexmark") ReadShopOptions(o, &out->shop);
  if (out->generator != "shop") ReadNexmarkOptions(o, &out->nexmark);
  return diag->items().size() == errors_before && !out->generator.empty();
}

GeneratorSource::GeneratorSource(const GeneratorOptions& options)
    : options_(options), clock_([] { return MonotonicNanos() / 1000; }) {
  const EventTimeline timeline{options_.start_time_micros, 1e6 / options_.event_rate};
  if (options_.generator == "nexmark") {
    generator_ = std::make_unique<NexmarkGenerator>(options_.nexmark, options_.seed, timeline);
  } else {
    generator_ = std::make_unique<ShopGenerator>(options_.shop, options_.seed, timeline);
  }
  if (options_.rate > 0) {
    min_chunk_ = std::clamp<int64_t>(static_cast<int64_t>(options_.rate / 100), 1,
                                     options_.batch_size);
    max_tokens_ = std::max(static_cast<double>(min_chunk_), options_.rate * 0.1);
  }
}

Status GeneratorSource::Open(const ConnectorContext&) {
  pacing_started_ = false;
  return Status::OK();
}

Status GeneratorSource::Seek(const Position& pos) {
  int64_t index = pos.OffsetOf("");
  if (index < 0) {
    return Status::Invalid("generator source: position '" + pos.ToString() +
                           "' has no event index; it was not written by a generator source");
  }
  if (options_.max_events >= 0) index = std::min(index, options_.max_events);
  SLUICE_RETURN_NOT_OK(generator_->Seek(index));
  next_event_ = index;
  return Status::OK();
}

Result<ReadState> GeneratorSource::Next(std::vector<SourceBatch>* out, int64_t max_records) {
  int64_t n = std::min<int64_t>(options_.batch_size, std::max<int64_t>(max_records, 1));
  if (options_.max_events >= 0) {
    n = std::min(n, options_.max_events - next_event_);
    if (n <= 0) return ReadState::kEnd;
  }
  if (options_.rate > 0) {
    const int64_t now = clock_();
    if (!pacing_started_) {
      pacing_started_ = true;
      tokens_ = static_cast<double>(min_chunk_);
    } else {
      const double earned = static_cast<double>(std::max<int64_t>(now - last_refill_micros_, 0)) *
                            options_.rate / 1e6;
      tokens_ = std::min(max_tokens_, tokens_ + earned);
    }
    last_refill_micros_ = now;
    if (tokens_ < static_cast<double>(std::min(n, min_chunk_))) return ReadState::kIdle;
    n = std::min(n, static_cast<int64_t>(tokens_));
    tokens_ -= static_cast<double>(n);
  }
  generator_->Generate(n, out);
  next_event_ += n;
  return ReadState::kData;
}

Position GeneratorSource::CurrentPosition() const {
  Position p;
  p.Set("", next_event_);
  return p;
}

std::unique_ptr<Source> MakeGeneratorSource(OptionReader& options, const ConnectorContext& ctx) {
  GeneratorOptions o;
  o.batch_size = std::clamp<int64_t>(ctx.batch_size, 1, 65536);
  if (!ReadGeneratorOptions(options, &o)) return nullptr;
  return std::make_unique<GeneratorSource>(o);
}

}  // namespace sluice::connectors
