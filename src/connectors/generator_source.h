// The `generator` source: deterministic synthetic data for demos, tests and benchmarks.
// Two worlds: `shop` (an e-commerce site, eight streams; shop_generator.h) and
// `nexmark` (the Nexmark benchmark's person/auction/bid; nexmark_generator.h).
// Options and streams are documented in docs/connectors/generator.md.
//
// Determinism: the same options (seed included) give byte-identical batches, batch for
// batch, when rate is 0; with a rate, batch sizes follow the clock but event i is still
// the same. Position: {"", index of the next event}; Seek reproduces exactly what a
// continuous run produces from that index (nexmark: directly, shop: by replaying).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "connectors/event_generator.h"
#include "connectors/nexmark_generator.h"
#include "connectors/shop_generator.h"
#include "core/config.h"

namespace sluice::connectors {

struct GeneratorOptions {
  std::string generator;          // "shop" or "nexmark" (required)
  uint64_t seed = 42;             // same seed, same data
  double rate = 0;                // events per second of wall clock; 0 = as fast as possible
  double event_rate = 10000;      // events per second of event time (default: rate if > 0)
  int64_t start_time_micros = 0;  // event time of event 0 (default 2024-01-01T00:00:00Z)
  int64_t max_events = -1;        // after this many events Next returns kEnd; -1 = never
  int64_t batch_size = 2048;      // rows per Next at most, over all streams (1..65536)
  ShopConfig shop;
  NexmarkConfig nexmark;
};

// Reads the options (the caller has consumed `name` and `type`; Finish is the caller's).
// Reports every problem to the reader's diagnostics with its location and returns false
// if there was any.
bool ReadGeneratorOptions(OptionReader& options, GeneratorOptions* out);

// Monotonic clock in microseconds; injectable so tests can drive rate control.
using MicrosClock = std::function<int64_t()>;

class GeneratorSource : public Source {
 public:
  // Precondition: `options` passed ReadGeneratorOptions (or are otherwise valid).
  explicit GeneratorSource(const GeneratorOptions& options);

  // Replaces the clock used for rate control (default: the monotonic clock).
  void SetClock(MicrosClock clock) { clock_ = std::move(clock); }

  const std::vector<StreamInfo>& streams() const override { return generator_->streams(); }
  Status Open(const ConnectorContext& ctx) override;
  // Fails when `pos` has no offset for partition "" (not a generator position).
  Status Seek(const Position& pos) override;
  // kData with up to batch_size events (one batch per stream that got rows); kIdle when
  // rate control says wait (never sleeps or spins itself); kEnd after max_events.
  // With a rate, batches hold about 10 ms of events (at least 1 event) and the schedule
  // catches up at most 100 ms of delay in the consumer: smooth, never second-long bursts.
  Result<ReadState> Next(std::vector<SourceBatch>* out, int64_t max_records) override;
  Position CurrentPosition() const override;
  Status Close() override { return Status::OK(); }

  int64_t next_event() const { return next_event_; }
  // Projection pushdown: which streams (one flag each, in streams() order) the consumer
  // reads. Batches of unread streams may then be left out of Next's output (the nexmark
  // world skips them); read streams get exactly the same rows. Default: all read.
  void SetStreamsRead(const std::vector<bool>& read) { generator_->SetStreamsRead(read); }

 private:
  GeneratorOptions options_;
  std::unique_ptr<EventGenerator> generator_;
  MicrosClock clock_;
  int64_t next_event_ = 0;
  // Token bucket for `rate`.
  bool pacing_started_ = false;
  double tokens_ = 0;
  int64_t last_refill_micros_ = 0;
  int64_t min_chunk_ = 1;
  double max_tokens_ = 1;
};

// The registry's factory for type `generator`; nullptr when the options are unusable
// (problems are in the reader's diagnostics).
std::unique_ptr<Source> MakeGeneratorSource(OptionReader& options, const ConnectorContext& ctx);

}  // namespace sluice::connectors
