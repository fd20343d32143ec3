#include "connectors/shop_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace sluice::connectors {
namespace {

using G = ShopGenerator;

EventTimeline Timeline() { return EventTimeline{1704067200000000, 100.0}; }

// Rows per stream as text, in order.
std::vector<std::string> Text(G& g, int64_t count, int64_t chunk) {
  std::vector<SourceBatch> out;
  for (int64_t done = 0; done < count; done += chunk) g.Generate(std::min(chunk, count - done), &out);
  std::vector<std::string> text(G::kNumStreams);
  for (const auto& b : out) text[static_cast<size_t>(b.stream)] += b.batch->ToString();
  return text;
}

std::string Str(const RecordBatch& b, const char* col) {
  return std::string(b.column(b.schema()->FieldIndex(col)).GetString(0));
}
int64_t Int(const RecordBatch& b, const char* col) {
  const Column& c = b.column(b.schema()->FieldIndex(col));
  return c.type() == DataType::Int32() ? c.Get<int32_t>(0) : c.Get<int64_t>(0);
}
// The row's event time: its first TIMESTAMP column (order_items has none: -1).
int64_t TimeOf(const RecordBatch& b) {
  for (int c = 0; c < b.num_columns(); ++c) {
    if (b.column(c).type() == DataType::Timestamp()) return b.column(c).Get<int64_t>(0);
  }
  return -1;
}
bool IsNull(const RecordBatch& b, const char* col) {
  return b.column(b.schema()->FieldIndex(col)).IsNull(0);
}

// Checks the world event by event (one event per Generate, so rows come in global
// order): every reference points at something emitted before, money adds up, stock
// moves consistently, and event times are late by at most max_lateness.
struct WorldCheck {
  std::set<std::string> customers, products;
  std::map<std::string, int64_t> price;  // latest catalog price
  struct Order {
    int64_t total, item_count, lines = 0, items_sum = 0, qty_sum = 0;
    std::string status;
    bool paid = false;
  };
  std::map<int64_t, Order> orders;
  std::map<std::string, int64_t> stock;  // product|warehouse -> stock after
  std::map<std::string, int64_t> product_views;
  std::set<std::string> ordering_customers;
  int64_t rows[G::kNumStreams] = {};
  int64_t late_rows = 0, max_time = 0, page_views = 0;

  void Row(int stream, const RecordBatch& b, int64_t max_lateness) {
    ++rows[stream];
    const int64_t t = TimeOf(b);
    const bool timed = stream != G::kOrderItems;
    switch (stream) {
      case G::kCustomers:
        EXPECT_TRUE(customers.insert(Str(b, "customer_id")).second) << "signed up twice";
        EXPECT_NE(Str(b, "email").find('@'), std::string::npos);
        break;
      case G::kProducts:
        products.insert(Str(b, "product_id"));
        price[Str(b, "product_id")] = Int(b, "price");
        EXPECT_GT(Int(b, "price"), 0);
        break;
      case G::kPageViews:
        ++page_views;
        if (!IsNull(b, "customer_id")) {
          EXPECT_TRUE(customers.count(Str(b, "customer_id")));
        }
        if (!IsNull(b, "product_id")) {
          EXPECT_TRUE(products.count(Str(b, "product_id")));
          EXPECT_EQ(Str(b, "url"), "/products/" + Str(b, "product_id"));
          ++product_views[Str(b, "product_id")];
        }
        break;
      case G::kCartEvents:
        if (!IsNull(b, "customer_id")) {
          EXPECT_TRUE(customers.count(Str(b, "customer_id")));
        }
        EXPECT_TRUE(products.count(Str(b, "product_id")));
        EXPECT_GE(Int(b, "quantity"), 1);
        break;
      case G::kOrders: {
        const int64_t id = Int(b, "order_id");
        EXPECT_TRUE(customers.count(Str(b, "customer_id"))) << "order by unknown customer";
        ordering_customers.insert(Str(b, "customer_id"));
        EXPECT_TRUE(orders.emplace(id, Order{Int(b, "total"), Int(b, "item_count"), 0, 0, 0, "", false}).second);
        orders[id].status = Str(b, "status");
        break;
      }
      case G::kOrderItems: {
        auto it = orders.find(Int(b, "order_id"));
        ASSERT_NE(it, orders.end()) << "item of an order not emitted";
        const std::string product = Str(b, "product_id");
        ASSERT_TRUE(products.count(product));
        EXPECT_EQ(Int(b, "unit_price"), price[product]) << "item not at the current price";
        EXPECT_EQ(Int(b, "line_no"), ++it->second.lines);
        it->second.items_sum += Int(b, "quantity") * Int(b, "unit_price") - Int(b, "discount");
        it->second.qty_sum += Int(b, "quantity");
        break;
      }
      case G::kPayments: {
        auto it = orders.find(Int(b, "order_id"));
        ASSERT_NE(it, orders.end()) << "payment of an order not emitted";
        EXPECT_EQ(Int(b, "amount"), it->second.total);
        EXPECT_EQ(it->second.items_sum, it->second.total) << "total is not the sum of items";
        EXPECT_EQ(it->second.qty_sum, it->second.item_count);
        const std::string status = Str(b, "status");
        const std::string& order_status = it->second.status;
        EXPECT_TRUE((status == "captured" && order_status == "paid") ||
                    (status == "pending" && order_status == "placed") ||
                    (status == "failed" && order_status == "cancelled"))
            << status << " / " << order_status;
        it->second.paid = true;
        break;
      }
      case G::kInventory: {
        const std::string key = Str(b, "product_id") + "|" + Str(b, "warehouse");
        EXPECT_TRUE(products.count(Str(b, "product_id")));
        const int64_t after = Int(b, "stock_after"), delta = Int(b, "delta");
        const std::string reason = Str(b, "reason");
        EXPECT_GE(after, 0);
        EXPECT_TRUE(reason == "sale" ? delta < 0 : delta > 0) << reason << " " << delta;
        auto it = stock.find(key);
        if (it != stock.end()) {
          EXPECT_EQ(it->second + delta, after) << key;
        }
        stock[key] = after;
        break;
      }
    }
    if (timed) {
      if (t < max_time) ++late_rows;
      EXPECT_GE(t, max_time - max_lateness);
      max_time = std::max(max_time, t);
    }
  }
};

TEST(ShopGeneratorTest, CatalogComesFirst) {
  ShopConfig config;
  config.products = 300;
  G g(config, 1, Timeline());
  std::vector<SourceBatch> out;
  g.Generate(300, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].stream, G::kProducts);
  EXPECT_EQ(out[0].batch->num_rows(), 300);
  std::set<std::string> ids;
  for (int64_t i = 0; i < 300; ++i) ids.insert(std::string(out[0].batch->column(0).GetString(i)));
  EXPECT_EQ(ids.size(), 300u);
  EXPECT_EQ(*ids.begin(), "P00001");
}

TEST(ShopGeneratorTest, TheWorldIsConsistent) {
  ShopConfig config;
  config.customers = 2000;
  config.products = 200;
  config.late_fraction = 0.05;
  G g(config, 42, Timeline());
  WorldCheck check;
  constexpr int kEvents = 30000;
  std::vector<SourceBatch> out;
  for (int i = 0; i < kEvents; ++i) {
    out.clear();
    g.Generate(1, &out);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].batch->num_rows(), 1);
    check.Row(out[0].stream, *out[0].batch, config.max_lateness_micros);
    if (testing::Test::HasFatalFailure()) return;
  }
  for (int s = 0; s < G::kNumStreams; ++s) EXPECT_GT(check.rows[s], 0) << "stream " << s;
  // Every order got its payment (the last session may be cut off by the end of the run).
  int64_t unpaid = 0;
  for (const auto& [id, o] : check.orders) unpaid += o.paid ? 0 : 1;
  EXPECT_LE(unpaid, 1);
  // Returning customers: fewer distinct buyers than orders.
  EXPECT_LT(check.ordering_customers.size(), check.orders.size() * 9 / 10);
  // Zipf: the most viewed product draws far more than a uniform share (1/200).
  int64_t top = 0, viewed = 0;
  for (const auto& [p, n] : check.product_views) {
    top = std::max(top, n);
    viewed += n;
  }
  EXPECT_GT(top * 200, viewed * 10);
  // Some rows are late, but not many more than sessions marked late.
  EXPECT_GT(check.late_rows, 0);
  EXPECT_LT(check.late_rows, kEvents / 10);
}

TEST(ShopGeneratorTest, NoLateRowsWhenLateFractionIsZero) {
  ShopConfig config;
  config.late_fraction = 0;
  G g(config, 5, Timeline());
  std::vector<SourceBatch> out;
  int64_t last = 0;
  for (int i = 0; i < 20000; ++i) {
    out.clear();
    g.Generate(1, &out);
    const RecordBatch& b = *out[0].batch;
    if (out[0].stream == G::kOrderItems) continue;
    const int64_t t = TimeOf(b);
    ASSERT_GE(t, last);
    last = t;
  }
}

TEST(ShopGeneratorTest, DeterministicAndSeekable) {
  ShopConfig config;
  config.products = 100;
  G a(config, 42, Timeline());
  G b(config, 42, Timeline());
  G c(config, 43, Timeline());
  const auto ta = Text(a, 20000, 2048);
  EXPECT_EQ(ta, Text(b, 20000, 2048));
  EXPECT_NE(ta, Text(c, 20000, 2048));

  // Events 7000.. after a seek (forward, and backward after running ahead) are the
  // same as in a continuous run, even though 7000 falls inside a session.
  G d(config, 42, Timeline());
  Text(d, 7000, 1000);
  const auto tail = Text(d, 5000, 1000);
  G e(config, 42, Timeline());
  ASSERT_TRUE(e.Seek(7000).ok());
  EXPECT_EQ(Text(e, 5000, 1000), tail);
  ASSERT_TRUE(e.Seek(7000).ok());  // backward: replays from the start
  EXPECT_EQ(Text(e, 5000, 1000), tail);
  EXPECT_FALSE(e.Seek(-5).ok());
}

}  // namespace
}  // namespace sluice::connectors
