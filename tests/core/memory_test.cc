// Buffer, Arena and hashing.
#include <gtest/gtest.h>

#include <set>

#include "core/arena.h"
#include "core/buffer.h"
#include "core/hash.h"

namespace sluice {
namespace {

TEST(BufferTest, GrowsAlignedAndMoves) {
  Buffer b;
  for (int i = 0; i < 10000; ++i) b.AppendValue<int32_t>(i);
  EXPECT_EQ(b.size(), 40000u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % Buffer::kAlignment, 0u);
  EXPECT_EQ(b.data_as<int32_t>()[9999], 9999);
  Buffer moved = std::move(b);
  EXPECT_EQ(moved.size(), 40000u);
  EXPECT_EQ(b.size(), 0u);  // NOLINT: checking moved-from state on purpose
  Buffer copy = moved.Copy();
  EXPECT_NE(copy.data(), moved.data());
  EXPECT_EQ(copy.data_as<int32_t>()[123], 123);
}

TEST(BufferTest, BorrowKeepsOwnerAliveAndCopiesOnGrow) {
  auto owner = std::make_shared<std::vector<int64_t>>(std::vector<int64_t>{1, 2, 3});
  std::weak_ptr<std::vector<int64_t>> weak = owner;
  {
    Buffer b = Buffer::Borrow(owner->data(), 24, owner);
    owner.reset();
    EXPECT_FALSE(weak.expired());
    EXPECT_TRUE(b.borrowed());
    EXPECT_EQ(b.data_as<int64_t>()[2], 3);
    b.AppendValue<int64_t>(4);  // grows: now an owned copy
    EXPECT_EQ(b.data_as<int64_t>()[3], 4);
    EXPECT_EQ(b.data_as<int64_t>()[0], 1);
  }
  EXPECT_TRUE(weak.expired());
}

TEST(ArenaTest, AllocatesAlignedAndResets) {
  Arena a(128);
  std::string_view s1 = a.CopyString("hello");
  void* p = a.Allocate(16, 16);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u);
  std::string big(1000, 'x');
  std::string_view s2 = a.CopyString(big);
  EXPECT_EQ(s1, "hello");
  EXPECT_EQ(s2, big);
  EXPECT_GE(a.bytes_used(), 1021u);
  a.Reset();
  EXPECT_EQ(a.bytes_used(), 0u);
  EXPECT_EQ(a.CopyString("again"), "again");
  EXPECT_EQ(a.CopyString(""), "");
}

TEST(HashTest, StableAndSpread) {
  EXPECT_EQ(HashString("sluice"), HashString("sluice"));
  EXPECT_NE(HashString("sluice"), HashString("sluicf"));
  EXPECT_NE(HashString("a", 1), HashString("a", 2));
  std::set<uint64_t> buckets;
  for (uint64_t i = 0; i < 1000; ++i) buckets.insert(HashInt64(i) % 64);
  EXPECT_EQ(buckets.size(), 64u);
}

TEST(HashTest, ColumnHashingCombinesAndHandlesNulls) {
  Column a(DataType::Int64()), b(DataType::Varchar());
  a.Append<int64_t>(1);
  a.Append<int64_t>(1);
  a.AppendNull();
  b.AppendString("x");
  b.AppendString("y");
  b.AppendString("x");
  uint64_t h[3];
  HashColumn(a, h, false);
  EXPECT_EQ(h[0], h[1]);
  HashColumn(b, h, true);
  EXPECT_NE(h[0], h[1]);
  uint64_t again[3];
  HashColumn(a, again, false);
  HashColumn(b, again, true);
  EXPECT_EQ(h[2], again[2]);
  Column c(DataType::Int64());
  c.AppendNull();
  uint64_t n1, n2;
  HashColumn(c, &n1, false);
  Column d(DataType::Varchar());
  d.AppendNull();
  HashColumn(d, &n2, false);
  EXPECT_EQ(n1, n2) << "NULL hashes the same whatever the type";
}

// Kernels leave computed bytes in NULL slots (b + c with c NULL keeps b): a NULL must
// hash the same whatever its slot holds, in a combined (multi-column) key too.
TEST(HashTest, NullSlotBytesDoNotChangeTheHash) {
  Column k1(DataType::Int64()), k2(DataType::Int64()), s(DataType::Varchar());
  k1.Append<int64_t>(1);
  k1.Append<int64_t>(1);
  k2.Append<int64_t>(5);
  k2.Append<int64_t>(7);
  k2.SetNull(0);
  k2.SetNull(1);
  s.AppendString("left over");
  s.AppendString("other");
  s.SetNull(0);
  s.SetNull(1);
  uint64_t h[2];
  HashColumn(k1, h, false);
  HashColumn(k2, h, true);
  EXPECT_EQ(h[0], h[1]);
  HashColumn(s, h, true);
  EXPECT_EQ(h[0], h[1]);
  uint64_t alone[2];
  HashColumn(k2, alone, false);
  EXPECT_EQ(alone[0], alone[1]);
}

}  // namespace
}  // namespace sluice
