// The fixed vocabulary of the shop generator's world: names, countries, categories,
// devices, payment methods. Internal to shop_generator.cc (and its tests).
#pragma once

#include <cstdint>
#include <string_view>

#include "connectors/generator_random.h"

namespace sluice::connectors::shop {

inline constexpr std::string_view kFirstNames[] = {
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Leon", "Sofia", "Mateo",
    "Hana", "Arjun", "Chloe", "Yuki", "Lena", "Omar", "Isla", "Finn", "Zoe", "Diego",
    "Aisha", "Jonas", "Priya", "Elias"};
inline constexpr std::string_view kLastNames[] = {
    "Smith", "Garcia", "Muller", "Martin", "Rossi", "Kowalski", "Silva", "Tanaka", "Jansen",
    "Dubois", "Patel", "Nguyen", "Brown", "Lopez", "Schmidt", "Andersson", "Wilson", "Sato",
    "Moreau", "Kumar", "Novak", "Fischer", "Costa", "Taylor"};
inline constexpr std::string_view kEmailDomains[] = {"gmail.com",  "outlook.com", "yahoo.com",
                                                    "icloud.com", "proton.me",   "example.org"};

inline constexpr std::string_view kWarehouses[] = {"us-east", "eu-central", "ap-southeast"};
inline constexpr int kNumWarehouses = 3;

struct Country {
  std::string_view code;
  std::string_view currency;
  int warehouse;
  int weight;  // share of customers, percent
};
inline constexpr Country kCountries[] = {
    {"US", "USD", 0, 30}, {"CA", "CAD", 0, 6},  {"BR", "BRL", 0, 5},  {"MX", "MXN", 0, 3},
    {"GB", "GBP", 1, 10}, {"DE", "EUR", 1, 10}, {"FR", "EUR", 1, 8},  {"NL", "EUR", 1, 4},
    {"ES", "EUR", 1, 4},  {"IT", "EUR", 1, 4},  {"SE", "SEK", 1, 3},  {"PL", "PLN", 1, 3},
    {"JP", "JPY", 2, 4},  {"AU", "AUD", 2, 3},  {"IN", "INR", 2, 3}};

inline constexpr std::string_view kSegments[] = {"consumer", "business", "vip"};
inline constexpr int kSegmentWeights[] = {80, 13, 7};

struct Category {
  std::string_view name;
  int min_dollars;
  int max_dollars;
  std::string_view nouns[6];
};
inline constexpr Category kCategories[] = {
    {"electronics", 15, 900, {"Headphones", "Speaker", "Charger", "Keyboard", "Monitor", "Smartwatch"}},
    {"books", 5, 60, {"Novel", "Cookbook", "Atlas", "Biography", "Guide", "Anthology"}},
    {"clothing", 10, 220, {"Jacket", "Sneakers", "T-Shirt", "Jeans", "Sweater", "Scarf"}},
    {"home", 8, 450, {"Lamp", "Blender", "Rug", "Kettle", "Pan Set", "Armchair"}},
    {"toys", 5, 120, {"Puzzle", "Robot Kit", "Board Game", "Plush Bear", "Train Set", "Kite"}},
    {"sports", 10, 350, {"Yoga Mat", "Dumbbells", "Tent", "Bike Helmet", "Racket", "Backpack"}},
    {"beauty", 4, 90, {"Serum", "Shampoo", "Perfume", "Lipstick", "Face Cream", "Hair Dryer"}},
    {"grocery", 2, 40, {"Coffee Beans", "Olive Oil", "Green Tea", "Dark Chocolate", "Honey", "Pasta"}}};
inline constexpr int kNumCategories = static_cast<int>(std::size(kCategories));
inline constexpr std::string_view kAdjectives[] = {"Classic", "Smart", "Ultra", "Compact",
                                                   "Eco",     "Premium", "Essential", "Pro",
                                                   "Vintage", "Everyday", "Nordic", "Urban"};

inline constexpr std::string_view kDevices[] = {"mobile", "desktop", "tablet"};
inline constexpr int kDeviceWeights[] = {55, 38, 7};
inline constexpr int kMobile = 0;
inline constexpr std::string_view kReferrers[] = {"google", "direct",   "email",  "facebook",
                                                  "instagram", "bing", "tiktok", "affiliate"};
inline constexpr int kReferrerWeights[] = {34, 25, 10, 9, 8, 5, 5, 4};

inline constexpr std::string_view kChannels[] = {"web", "mobile_app", "marketplace"};
inline constexpr std::string_view kCartActions[] = {"add", "remove"};
inline constexpr std::string_view kPaymentMethods[] = {"card", "paypal", "apple_pay",
                                                       "bank_transfer", "gift_card"};
inline constexpr int kPaymentMethodWeights[] = {62, 22, 8, 5, 3};
inline constexpr int kBankTransfer = 3;
inline constexpr std::string_view kPaymentStatuses[] = {"captured", "pending", "failed"};
inline constexpr std::string_view kOrderStatuses[] = {"paid", "placed", "cancelled"};
inline constexpr int kCaptured = 0, kPending = 1, kFailed = 2;  // index both tables
inline constexpr std::string_view kInventoryReasons[] = {"restock", "sale", "return"};
inline constexpr int kRestock = 0, kSale = 1, kReturn = 2;

// Index i with probability weights[i] / sum(weights), from a uniform draw u in [0, sum).
template <size_t N>
int PickWeighted(uint64_t u, const int (&weights)[N]) {
  for (size_t i = 0; i + 1 < N; ++i) {
    if (u < static_cast<uint64_t>(weights[i])) return static_cast<int>(i);
    u -= static_cast<uint64_t>(weights[i]);
  }
  return static_cast<int>(N - 1);
}
template <size_t N>
int PickWeighted(gen::Rng& rng, const int (&weights)[N]) {
  int sum = 0;
  for (int w : weights) sum += w;
  return PickWeighted(rng.Uniform(static_cast<uint64_t>(sum)), weights);
}

}  // namespace sluice::connectors::shop
