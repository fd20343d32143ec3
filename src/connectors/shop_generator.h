// ShopGenerator: a deterministic e-commerce world with eight streams (customers,
// products, page_views, cart_events, orders, order_items, payments, inventory); every
// stream and column is described in docs/connectors/generator.md.
//
// The world is a sequence of episodes. The product catalog comes first; then each
// episode is a visitor session (page views, maybe cart events, maybe a sign-up and an
// order with its items, payment and inventory movements), or now and then a price
// change or a return. Episode k draws its random numbers from (seed, k); what carries
// over between episodes is the world's state: who has signed up, current prices,
// stock per product and warehouse, order and payment counters, recent sales (for
// returns). Planning an episode writes compact row records into a queue; Generate
// turns queued records into columns, so a batch boundary may fall inside a session.
//
// Seek(i) replays the planning of events 0..i-1 without building columns (several
// million events per second); this is how a checkpointed position is restored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/event_generator.h"
#include "connectors/generator_random.h"

namespace sluice::connectors {

struct ShopConfig {
  int64_t customers = 10000;   // the population of potential customers
  int64_t products = 1000;     // catalog size
  double late_fraction = 0.02;  // share of sessions whose rows are emitted out of order
  int64_t max_lateness_micros = 5 * 1000000;  // how far back a late session's times go
};

class ShopGenerator : public EventGenerator {
 public:
  enum StreamIndex {
    kCustomers,
    kProducts,
    kPageViews,
    kCartEvents,
    kOrders,
    kOrderItems,
    kPayments,
    kInventory,
    kNumStreams
  };

  // Precondition: customers >= 1, products >= 1, 0 <= late_fraction <= 1,
  // max_lateness_micros >= 0.
  ShopGenerator(const ShopConfig& config, uint64_t seed, EventTimeline timeline);

  const std::vector<StreamInfo>& streams() const override { return streams_; }
  Status Seek(int64_t index) override;
  void Generate(int64_t count, std::vector<SourceBatch>* out) override;

  // One planned row; fields are interpreted per stream (see shop_generator.cc).
  struct Row {
    int64_t a = 0, b = 0, c = 0, g = 0;
    int64_t shift = 0;  // micros subtracted from the row's event time (late sessions)
    int32_t d = 0, e = 0, f = 0;
    int32_t stream = 0;
  };

 private:
  struct Sale {
    int64_t product;
    int32_t warehouse;
    int32_t quantity;
  };

  void Reset();
  // Appends the next episode's rows to the queue.
  void PlanEpisode();
  void PlanCatalog();
  void PlanSession(gen::Rng& rng);
  void PlanOrder(gen::Rng& rng, int64_t customer, int32_t device, int64_t shift,
                 const int64_t* products, const int32_t* quantities, int lines);
  void PlanPriceChange(gen::Rng& rng);
  void PlanReturn(gen::Rng& rng);
  void MoveStock(int64_t product, int32_t warehouse, int32_t delta, int32_t reason,
                 int64_t shift);
  Row& Push(int32_t stream, int64_t shift);
  bool IsRegistered(int64_t customer) const {
    return (registered_[static_cast<size_t>(customer >> 6)] >> (customer & 63)) & 1;
  }

  // Writing one queued row as event `index` into the builders.
  void Emit(const Row& row, int64_t index);
  void EmitCustomer(const Row& row, int64_t time);
  void EmitProduct(const Row& row, int64_t time);
  void EmitPageView(const Row& row, int64_t time);
  void AppendCustomerId(StreamBuilder& b, int col, int64_t customer);  // -1 = NULL
  void AppendProductId(StreamBuilder& b, int col, int64_t product) const;
  std::string_view ProductUrl(int64_t product) const;  // "/products/P00042"
  void AppendSessionId(StreamBuilder& b, int col, int64_t session);

  ShopConfig config_;
  uint64_t seed_;
  EventTimeline timeline_;
  gen::ZipfSampler customer_rank_;
  gen::ZipfSampler product_rank_;
  gen::Scatter customer_of_rank_;
  gen::Scatter product_of_rank_;
  int customer_digits_;
  int product_digits_;
  std::vector<StreamInfo> streams_;
  std::vector<StreamBuilder> builders_;
  // Each stream's share of the rows of the previous Generate call (buffer sizing only).
  double rows_per_event_[kNumStreams] = {0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25};
  // Per product, fixed: name and category.
  std::vector<std::string> product_names_;
  std::vector<int32_t> product_category_;
  std::vector<int64_t> initial_price_;
  std::string product_urls_;  // products * product_url_len_ bytes; the id is the tail
  size_t product_url_len_ = 0;

  // --- world state (rebuilt by Reset + replay) ---
  int64_t next_event_ = 0;  // index of the next row Generate emits
  int64_t episodes_ = 0;    // episodes planned so far
  int64_t catalog_planned_ = 0;
  int64_t sessions_ = 0;
  int64_t orders_ = 0;
  int64_t payments_ = 0;
  std::vector<uint64_t> registered_;  // bitset over customers
  std::vector<int64_t> price_;        // current price per product, cents
  std::vector<int32_t> stock_;        // product * kWarehouses + warehouse
  std::vector<Sale> recent_sales_;    // ring, for returns
  size_t recent_next_ = 0;
  std::vector<Row> queue_;
  size_t queue_head_ = 0;

  // Consecutive rows of a session repeat its ids: format each once.
  int64_t session_cached_ = -1;
  char session_text_[14];
  int64_t customer_cached_ = -1;
  char customer_text_[24];
  int customer_text_len_ = 0;
};

}  // namespace sluice::connectors
