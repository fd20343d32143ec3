#include "connectors/shop_generator.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "connectors/shop_world.h"

// Row fields per stream (ShopGenerator::Row):
//   customers    a customer
//   products     a product, b price cents
//   page_views   a session, b customer (-1 = anonymous), c product (-1 = none),
//                d device, e referrer, f page when no product (0 home, 1..n category,
//                n+1 search, n+2 deals)
//   cart_events  a session, b customer (-1), c product, d action, e quantity
//   orders       a order id, b customer, c total cents, d status, e channel,
//                f item count, g country
//   order_items  a order id, b unit price cents, c product, g discount cents,
//                d line number, e quantity
//   payments     a payment id, b order id, c amount cents, d method, e status
//   inventory    c product, d warehouse, e delta, f reason, g stock after

namespace sluice::connectors {

using namespace shop;  // NOLINT: the world's vocabulary

namespace {

constexpr double kGuestShare = 0.2;        // visitors who never sign up or buy
constexpr int kMaxViews = 12;
constexpr double kAnotherView = 0.72;      // geometric number of views, mean ~3.4
constexpr double kProductPageShare = 0.7;  // views of a product page
constexpr double kCartShare = 0.35;        // sessions with products that add to cart
constexpr double kCheckoutShare = 0.55;    // carts that become orders (if not a guest)
constexpr double kSignupWithoutOrder = 0.04;
constexpr int kMaxLines = 4;
constexpr int32_t kReorderPoint = 10;
constexpr size_t kRecentSales = 256;
constexpr int kCatalogChunk = 256;
constexpr std::string_view kProductsPrefix = "/products/";

SchemaPtr Schema(std::vector<Field> f) { return MakeSchema(std::move(f)); }

std::vector<StreamInfo> ShopStreams() {
  const DataType str = DataType::Varchar(), ts = DataType::Timestamp(),
                 money = DataType::Decimal(12, 2), i32 = DataType::Int32(),
                 i64 = DataType::Int64();
  return {
      {"customers", Schema({{"customer_id", str, false}, {"name", str, false},
                            {"email", str, false}, {"country", str, false},
                            {"signup_time", ts, false}, {"segment", str, false}})},
      {"products", Schema({{"product_id", str, false}, {"name", str, false},
                           {"category", str, false}, {"price", money, false},
                           {"updated_at", ts, false}})},
      {"page_views", Schema({{"session_id", str, false}, {"customer_id", str, true},
                             {"product_id", str, true}, {"url", str, false},
                             {"referrer", str, false}, {"device", str, false},
                             {"view_time", ts, false}})},
      {"cart_events", Schema({{"session_id", str, false}, {"customer_id", str, true},
                              {"product_id", str, false}, {"action", str, false},
                              {"quantity", i32, false}, {"event_time", ts, false}})},
      {"orders", Schema({{"order_id", i64, false}, {"customer_id", str, false},
                         {"order_time", ts, false}, {"status", str, false},
                         {"channel", str, false}, {"country", str, false},
                         {"item_count", i32, false}, {"total", money, false},
                         {"currency", str, false}})},
      {"order_items", Schema({{"order_id", i64, false}, {"line_no", i32, false},
                              {"product_id", str, false}, {"quantity", i32, false},
                              {"unit_price", money, false}, {"discount", money, false}})},
      {"payments", Schema({{"payment_id", i64, false}, {"order_id", i64, false},
                           {"method", str, false}, {"amount", money, false},
                           {"status", str, false}, {"paid_at", ts, false}})},
      {"inventory", Schema({{"product_id", str, false}, {"warehouse", str, false},
                            {"delta", i32, false}, {"reason", str, false},
                            {"stock_after", i32, false}, {"changed_at", ts, false}})},
  };
}

// A customer's fixed attributes, a function of (seed, customer).
struct CustomerInfo {
  int first, last, domain, country, segment;
};

CustomerInfo CustomerAttributes(uint64_t seed, int64_t customer) {
  uint64_t h = gen::SeedFor(seed ^ 0x637573746f6d6572ULL, static_cast<uint64_t>(customer));
  CustomerInfo c;
  c.first = static_cast<int>(h % std::size(kFirstNames));
  h /= std::size(kFirstNames);
  c.last = static_cast<int>(h % std::size(kLastNames));
  h /= std::size(kLastNames);
  c.domain = static_cast<int>(h % std::size(kEmailDomains));
  h /= std::size(kEmailDomains);
  int weights[std::size(kCountries)];
  for (size_t i = 0; i < std::size(kCountries); ++i) weights[i] = kCountries[i].weight;
  c.country = PickWeighted(h % 100, weights);
  h /= 100;
  c.segment = PickWeighted(h % 100, kSegmentWeights);
  return c;
}

char* Put(char* out, std::string_view s) {
  std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

char* PutLower(char* out, std::string_view s) {
  for (char c : s) *out++ = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

// The url of a page view that shows no product: 0 home, 1..n a category, n+1 search,
// n+2 deals.
std::string_view CategoryUrl(int32_t page) {
  static constexpr std::string_view kCategoryUrls[] = {
      "/c/electronics", "/c/books", "/c/clothing", "/c/home",
      "/c/toys",        "/c/sports", "/c/beauty", "/c/grocery"};
  static_assert(std::size(kCategoryUrls) == kNumCategories);
  static_assert([] {
    for (int i = 0; i < kNumCategories; ++i) {
      if (kCategoryUrls[i].substr(3) != kCategories[i].name) return false;
    }
    return true;
  }(), "category urls must follow kCategories");
  if (page == 0) return "/";
  if (page <= kNumCategories) return kCategoryUrls[page - 1];
  return page == kNumCategories + 1 ? "/search" : "/deals";
}

std::string_view View(const char* begin, const char* end) {
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

}  // namespace

ShopGenerator::ShopGenerator(const ShopConfig& config, uint64_t seed, EventTimeline timeline)
    : config_(config),
      seed_(seed),
      timeline_(timeline),
      customer_rank_(static_cast<uint64_t>(config.customers), 8.0),
      product_rank_(static_cast<uint64_t>(config.products), 2.0),
      customer_of_rank_(static_cast<uint64_t>(config.customers), seed ^ 0x51),
      product_of_rank_(static_cast<uint64_t>(config.products), seed ^ 0x52),
      customer_digits_(std::max(7, gen::DigitCount(static_cast<uint64_t>(config.customers)))),
      product_digits_(std::max(5, gen::DigitCount(static_cast<uint64_t>(config.products)))),
      streams_(ShopStreams()) {
  for (const auto& s : streams_) builders_.emplace_back(s.schema);
  const size_t n = static_cast<size_t>(config_.products);
  // "/products/P00042" for every product, fixed width: ids and urls are then copies of
  // ready bytes instead of digit loops on every row.
  product_url_len_ = kProductsPrefix.size() + 1 + static_cast<size_t>(product_digits_);
  product_urls_.resize(n * product_url_len_);
  for (size_t p = 0; p < n; ++p) {
    char* out = product_urls_.data() + p * product_url_len_;
    out = Put(out, kProductsPrefix);
    *out++ = 'P';
    gen::WriteDigits(out, p + 1, product_digits_);
  }
  product_names_.resize(n);
  product_category_.resize(n);
  initial_price_.resize(n);
  for (size_t p = 0; p < n; ++p) {
    gen::Rng rng(gen::SeedFor(seed ^ 0x70726f64756374ULL, p));
    const int cat = static_cast<int>(rng.Uniform(kNumCategories));
    const Category& c = kCategories[cat];
    std::string name(kAdjectives[rng.Uniform(std::size(kAdjectives))]);
    name += ' ';
    name += c.nouns[rng.Uniform(std::size(c.nouns))];
    name += ' ';
    name += static_cast<char>('A' + rng.Uniform(26));
    name += static_cast<char>('1' + rng.Uniform(9));
    // Log-uniform between the category's bounds, priced at whole dollars minus a cent.
    const double dollars =
        c.min_dollars * std::pow(static_cast<double>(c.max_dollars) / c.min_dollars, rng.Double());
    product_names_[p] = std::move(name);
    product_category_[p] = cat;
    initial_price_[p] = static_cast<int64_t>(std::llround(dollars)) * 100 - 1;
  }
  Reset();
}

void ShopGenerator::Reset() {
  session_cached_ = customer_cached_ = -1;
  next_event_ = episodes_ = catalog_planned_ = sessions_ = orders_ = payments_ = 0;
  registered_.assign(static_cast<size_t>((config_.customers + 63) / 64), 0);
  price_ = initial_price_;
  stock_.resize(static_cast<size_t>(config_.products) * kNumWarehouses);
  for (size_t i = 0; i < stock_.size(); ++i) {
    stock_[i] = 20 + static_cast<int32_t>(gen::SeedFor(seed_ ^ 0x73746f636bULL, i) % 200);
  }
  recent_sales_.clear();
  recent_next_ = 0;
  queue_.clear();
  queue_head_ = 0;
}

ShopGenerator::Row& ShopGenerator::Push(int32_t stream, int64_t shift) {
  Row& r = queue_.emplace_back();
  r.stream = stream;
  r.shift = shift;
  return r;
}

void ShopGenerator::PlanEpisode() {
  gen::Rng rng(gen::SeedFor(seed_, static_cast<uint64_t>(episodes_++)));
  if (catalog_planned_ < config_.products) {
    PlanCatalog();
    return;
  }
  const uint64_t kind = rng.Uniform(1000);
  if (kind < 8) {
    PlanPriceChange(rng);
  } else if (kind < 14 && !recent_sales_.empty()) {
    PlanReturn(rng);
  } else {
    PlanSession(rng);
  }
}

void ShopGenerator::PlanCatalog() {
  const int64_t end = std::min<int64_t>(config_.products, catalog_planned_ + kCatalogChunk);
  for (; catalog_planned_ < end; ++catalog_planned_) {
    Row& r = Push(kProducts, 0);
    r.a = catalog_planned_;
    r.b = price_[static_cast<size_t>(catalog_planned_)];
  }
}

void ShopGenerator::PlanPriceChange(gen::Rng& rng) {
  const int64_t p = static_cast<int64_t>(product_of_rank_(product_rank_(rng)));
  int64_t& price = price_[static_cast<size_t>(p)];
  const double factor = 0.85 + 0.3 * rng.Double();
  const int64_t dollars = std::max<int64_t>(1, std::llround(static_cast<double>(price + 1) *
                                                            factor / 100.0));
  price = dollars * 100 - 1;
  Row& r = Push(kProducts, 0);
  r.a = p;
  r.b = price;
}

void ShopGenerator::PlanReturn(gen::Rng& rng) {
  const Sale s = recent_sales_[rng.Uniform(recent_sales_.size())];
  MoveStock(s.product, s.warehouse, s.quantity, kReturn, 0);
}

void ShopGenerator::MoveStock(int64_t product, int32_t warehouse, int32_t delta, int32_t reason,
                              int64_t shift) {
  int32_t& stock = stock_[static_cast<size_t>(product * kNumWarehouses + warehouse)];
  stock += delta;
  Row& r = Push(kInventory, shift);
  r.c = product;
  r.d = warehouse;
  r.e = delta;
  r.f = reason;
  r.g = stock;
}

void ShopGenerator::PlanSession(gen::Rng& rng) {
  const int64_t session = sessions_++;
  int64_t shift = 0;
  if (config_.max_lateness_micros > 0 && rng.Chance(config_.late_fraction)) {
    shift = 1 + static_cast<int64_t>(rng.Uniform(static_cast<uint64_t>(config_.max_lateness_micros)));
  }
  int64_t person = -1;  // a guest who never signs up
  if (!rng.Chance(kGuestShare)) person = static_cast<int64_t>(customer_of_rank_(customer_rank_(rng)));
  int64_t shown = (person >= 0 && IsRegistered(person)) ? person : -1;
  const int32_t device = PickWeighted(rng, kDeviceWeights);
  const int32_t referrer = PickWeighted(rng, kReferrerWeights);

  int views = 1;
  while (views < kMaxViews && rng.Chance(kAnotherView)) ++views;
  int64_t viewed[kMaxViews];
  int num_viewed = 0;
  for (int v = 0; v < views; ++v) {
    Row& r = Push(kPageViews, shift);
    r.a = session;
    r.b = shown;
    r.d = device;
    r.e = referrer;
    if (rng.Chance(kProductPageShare)) {
      r.c = static_cast<int64_t>(product_of_rank_(product_rank_(rng)));
      viewed[num_viewed++] = r.c;
    } else {
      r.c = -1;
      r.f = static_cast<int32_t>(rng.Uniform(kNumCategories + 3));
    }
  }

  if (num_viewed == 0 || !rng.Chance(kCartShare)) {
    if (person >= 0 && shown < 0 && rng.Chance(kSignupWithoutOrder)) {
      Push(kCustomers, shift).a = person;
      registered_[static_cast<size_t>(person >> 6)] |= uint64_t{1} << (person & 63);
    }
    return;
  }
  int64_t lines[kMaxLines];
  int32_t quantities[kMaxLines];
  int num_lines = 0;
  for (int i = 0; i < num_viewed && num_lines < kMaxLines; ++i) {
    const int64_t p = viewed[i];
    if (std::find(lines, lines + num_lines, p) != lines + num_lines) continue;
    if (num_lines > 0 && !rng.Chance(0.4)) continue;
    const int32_t q = 1 + (rng.Chance(0.25) ? 1 : 0) + (rng.Chance(0.08) ? 1 : 0);
    Row& r = Push(kCartEvents, shift);
    r.a = session;
    r.b = shown;
    r.c = p;
    r.d = 0;  // add
    r.e = q;
    lines[num_lines] = p;
    quantities[num_lines++] = q;
  }
  if (num_lines >= 2 && rng.Chance(0.15)) {
    const int drop = static_cast<int>(rng.Uniform(static_cast<uint64_t>(num_lines)));
    Row& r = Push(kCartEvents, shift);
    r.a = session;
    r.b = shown;
    r.c = lines[drop];
    r.d = 1;  // remove
    r.e = quantities[drop];
    for (int i = drop; i + 1 < num_lines; ++i) {
      lines[i] = lines[i + 1];
      quantities[i] = quantities[i + 1];
    }
    --num_lines;
  }
  if (person < 0 || !rng.Chance(kCheckoutShare)) return;
  if (shown < 0) {  // checkout needs an account: the visitor signs up first
    Push(kCustomers, shift).a = person;
    registered_[static_cast<size_t>(person >> 6)] |= uint64_t{1} << (person & 63);
  }
  PlanOrder(rng, person, device, shift, lines, quantities, num_lines);
}

void ShopGenerator::PlanOrder(gen::Rng& rng, int64_t customer, int32_t device, int64_t shift,
                              const int64_t* products, const int32_t* quantities, int lines) {
  const int64_t order_id = ++orders_;
  const int country = CustomerAttributes(seed_, customer).country;
  const int32_t warehouse = kCountries[country].warehouse;
  int32_t channel = (device == kMobile && rng.Chance(0.7)) ? 1 : 0;
  if (rng.Chance(0.08)) channel = 2;  // marketplace
  int64_t unit[kMaxLines], discount[kMaxLines];
  int64_t total = 0;
  int32_t item_count = 0;
  for (int i = 0; i < lines; ++i) {
    unit[i] = price_[static_cast<size_t>(products[i])];
    const int64_t gross = unit[i] * quantities[i];
    discount[i] = rng.Chance(0.12) ? gross * static_cast<int64_t>(5 * (1 + rng.Uniform(4))) / 100 : 0;
    total += gross - discount[i];
    item_count += quantities[i];
  }
  const int32_t method = PickWeighted(rng, kPaymentMethodWeights);
  const int32_t status =
      method == kBankTransfer ? kPending : (rng.Chance(0.04) ? kFailed : kCaptured);

  Row& o = Push(kOrders, shift);
  o.a = order_id;
  o.b = customer;
  o.c = total;
  o.d = status;
  o.e = channel;
  o.f = item_count;
  o.g = country;
  for (int i = 0; i < lines; ++i) {
    Row& r = Push(kOrderItems, shift);
    r.a = order_id;
    r.b = unit[i];
    r.c = products[i];
    r.g = discount[i];
    r.d = i + 1;
    r.e = quantities[i];
  }
  Row& pay = Push(kPayments, shift);
  pay.a = ++payments_;
  pay.b = order_id;
  pay.c = total;
  pay.d = method;
  pay.e = status;
  if (status == kFailed) return;  // cancelled: no goods move
  for (int i = 0; i < lines; ++i) {
    MoveStock(products[i], warehouse, -quantities[i], kSale, shift);
    const Sale sale{products[i], warehouse, quantities[i]};
    if (recent_sales_.size() < kRecentSales) {
      recent_sales_.push_back(sale);
    } else {
      recent_sales_[recent_next_] = sale;
    }
    recent_next_ = (recent_next_ + 1) % kRecentSales;
    const int32_t stock = stock_[static_cast<size_t>(products[i] * kNumWarehouses + warehouse)];
    if (stock < kReorderPoint) {
      MoveStock(products[i], warehouse, 50 + static_cast<int32_t>(rng.Uniform(200)), kRestock,
                shift);
    }
  }
}

Status ShopGenerator::Seek(int64_t index) {
  if (index < 0) return Status::Invalid("shop: negative event index " + std::to_string(index));
  if (index < next_event_) Reset();
  while (next_event_ < index) {  // replay the plan, build no columns
    if (queue_head_ == queue_.size()) {
      queue_.clear();
      queue_head_ = 0;
      while (queue_.empty()) PlanEpisode();
    }
    const int64_t take = std::min<int64_t>(index - next_event_,
                                           static_cast<int64_t>(queue_.size() - queue_head_));
    queue_head_ += static_cast<size_t>(take);
    next_event_ += take;
  }
  return Status::OK();
}

void ShopGenerator::Generate(int64_t count, std::vector<SourceBatch>* out) {
  // Size each stream's buffers from its share of the previous call's rows, with room to
  // spare: a buffer that has to grow is copied, and a much too large one touches more
  // fresh memory than needed (both showed up in profiles).
  for (int s = 0; s < kNumStreams; ++s) {
    const double expected = rows_per_event_[s] * static_cast<double>(count);
    builders_[static_cast<size_t>(s)].StartSized(static_cast<int64_t>(expected * 1.125) + 16);
  }
  for (int64_t k = 0; k < count; ++k) {
    if (queue_head_ == queue_.size()) {
      queue_.clear();
      queue_head_ = 0;
      while (queue_.empty()) PlanEpisode();
    }
    Emit(queue_[queue_head_++], next_event_++);
  }
  for (int s = 0; s < kNumStreams; ++s) {
    StreamBuilder& b = builders_[static_cast<size_t>(s)];
    rows_per_event_[s] = static_cast<double>(b.rows()) / static_cast<double>(count);
    b.Finish(s, out);
  }
}

void ShopGenerator::AppendCustomerId(StreamBuilder& b, int col, int64_t customer) {
  if (customer < 0) {
    b.AppendNull(col);
    return;
  }
  if (customer != customer_cached_) {
    customer_cached_ = customer;
    customer_text_[0] = 'C';
    customer_text_len_ = static_cast<int>(
        gen::WriteDigits(customer_text_ + 1, static_cast<uint64_t>(customer + 1),
                         customer_digits_) -
        customer_text_);
  }
  b.AppendString(col, std::string_view(customer_text_, static_cast<size_t>(customer_text_len_)));
}

std::string_view ShopGenerator::ProductUrl(int64_t product) const {
  return std::string_view(product_urls_.data() + static_cast<size_t>(product) * product_url_len_,
                          product_url_len_);
}

void ShopGenerator::AppendProductId(StreamBuilder& b, int col, int64_t product) const {
  if (product < 0) {
    b.AppendNull(col);
    return;
  }
  b.AppendString(col, ProductUrl(product).substr(kProductsPrefix.size()));
}

void ShopGenerator::AppendSessionId(StreamBuilder& b, int col, int64_t session) {
  if (session != session_cached_) {
    // A bijection of the session number on 48 bits: ids look random, never collide.
    constexpr uint64_t kMask = (uint64_t{1} << 48) - 1;
    uint64_t x = (static_cast<uint64_t>(session) * 0x9E3779B97F4BULL + (seed_ & kMask)) & kMask;
    x ^= x >> 24;
    session_text_[0] = 's';
    session_text_[1] = '-';
    for (int i = 13; i >= 2; --i) {
      session_text_[i] = "0123456789abcdef"[x & 15];
      x >>= 4;
    }
    session_cached_ = session;
  }
  b.AppendString(col, std::string_view(session_text_, sizeof(session_text_)));
}

void ShopGenerator::EmitCustomer(const Row& row, int64_t time) {
  StreamBuilder& b = builders_[kCustomers];
  const CustomerInfo c = CustomerAttributes(seed_, row.a);
  AppendCustomerId(b, 0, row.a);
  char buf[96];
  char* end = Put(buf, kFirstNames[c.first]);
  *end++ = ' ';
  end = Put(end, kLastNames[c.last]);
  b.AppendString(1, View(buf, end));
  end = PutLower(buf, kFirstNames[c.first]);
  *end++ = '.';
  end = PutLower(end, kLastNames[c.last]);
  end = gen::WriteDigits(end, static_cast<uint64_t>(row.a + 1),
                         gen::DigitCount(static_cast<uint64_t>(row.a + 1)));
  *end++ = '@';
  end = Put(end, kEmailDomains[c.domain]);
  b.AppendString(2, View(buf, end));
  b.AppendString(3, kCountries[c.country].code);
  b.Append<int64_t>(4, time);
  b.AppendString(5, kSegments[c.segment]);
}

void ShopGenerator::EmitProduct(const Row& row, int64_t time) {
  StreamBuilder& b = builders_[kProducts];
  const size_t p = static_cast<size_t>(row.a);
  AppendProductId(b, 0, row.a);
  b.AppendString(1, product_names_[p]);
  b.AppendString(2, kCategories[product_category_[p]].name);
  b.Append<int64_t>(3, row.b);
  b.Append<int64_t>(4, time);
}

void ShopGenerator::EmitPageView(const Row& row, int64_t time) {
  StreamBuilder& b = builders_[kPageViews];
  AppendSessionId(b, 0, row.a);
  AppendCustomerId(b, 1, row.b);
  AppendProductId(b, 2, row.c);
  if (row.c >= 0) {
    b.AppendString(3, ProductUrl(row.c));
  } else {
    b.AppendString(3, CategoryUrl(row.f));
  }
  b.AppendString(4, kReferrers[row.e]);
  b.AppendString(5, kDevices[row.d]);
  b.Append<int64_t>(6, time);
}

void ShopGenerator::Emit(const Row& row, int64_t index) {
  const int64_t time = timeline_.At(index) - row.shift;
  switch (row.stream) {
    case kCustomers:
      EmitCustomer(row, time);
      return;
    case kProducts:
      EmitProduct(row, time);
      return;
    case kPageViews:
      EmitPageView(row, time);
      return;
    case kCartEvents: {
      StreamBuilder& b = builders_[kCartEvents];
      AppendSessionId(b, 0, row.a);
      AppendCustomerId(b, 1, row.b);
      AppendProductId(b, 2, row.c);
      b.AppendString(3, kCartActions[row.d]);
      b.Append<int32_t>(4, row.e);
      b.Append<int64_t>(5, time);
      return;
    }
    case kOrders: {
      StreamBuilder& b = builders_[kOrders];
      const Country& country = kCountries[row.g];
      b.Append<int64_t>(0, row.a);
      AppendCustomerId(b, 1, row.b);
      b.Append<int64_t>(2, time);
      b.AppendString(3, kOrderStatuses[row.d]);
      b.AppendString(4, kChannels[row.e]);
      b.AppendString(5, country.code);
      b.Append<int32_t>(6, row.f);
      b.Append<int64_t>(7, row.c);
      b.AppendString(8, country.currency);
      return;
    }
    case kOrderItems: {
      StreamBuilder& b = builders_[kOrderItems];
      b.Append<int64_t>(0, row.a);
      b.Append<int32_t>(1, row.d);
      AppendProductId(b, 2, row.c);
      b.Append<int32_t>(3, row.e);
      b.Append<int64_t>(4, row.b);
      b.Append<int64_t>(5, row.g);
      return;
    }
    case kPayments: {
      StreamBuilder& b = builders_[kPayments];
      b.Append<int64_t>(0, row.a);
      b.Append<int64_t>(1, row.b);
      b.AppendString(2, kPaymentMethods[row.d]);
      b.Append<int64_t>(3, row.c);
      b.AppendString(4, kPaymentStatuses[row.e]);
      b.Append<int64_t>(5, time);
      return;
    }
    case kInventory: {
      StreamBuilder& b = builders_[kInventory];
      AppendProductId(b, 0, row.c);
      b.AppendString(1, kWarehouses[row.d]);
      b.Append<int32_t>(2, row.e);
      b.AppendString(3, kInventoryReasons[row.f]);
      b.Append<int32_t>(4, static_cast<int32_t>(row.g));
      b.Append<int64_t>(5, time);
      return;
    }
    default:
      return;
  }
}

}  // namespace sluice::connectors
