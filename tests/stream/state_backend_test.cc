// StateBackend (RocksDB): puts, deletes, batched lookups, iteration in key order, and
// clear errors for a directory that cannot hold a store or holds a corrupt one.
#include "stream/state_backend.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sluice::stream {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("sluice_state_backend_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  return dir.string();
}

TEST(StateBackendTest, PutsDeletesLooksUpAndIterates) {
  const std::string dir = TempDir("basic");
  auto store = StateBackend::Open(dir + "/nested/store");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StateBackend::WriteBatch batch;
  batch.Put("b", "two");
  batch.Put("a", "one");
  batch.Put(std::string("c\0x", 3), std::string("three\0", 6));
  EXPECT_EQ(batch.count(), 3);
  ASSERT_TRUE((*store)->Write(&batch).ok());
  EXPECT_EQ(batch.count(), 0);  // cleared
  batch.Delete("b");
  ASSERT_TRUE((*store)->Write(&batch).ok());

  std::vector<std::string> values;
  std::vector<uint8_t> found;
  const std::string c_key("c\0x", 3);
  ASSERT_TRUE((*store)->MultiGet({"a", "b", c_key, "zzz"}, &values, &found).ok());
  ASSERT_EQ(found, (std::vector<uint8_t>{1, 0, 1, 0}));
  EXPECT_EQ(values[0], "one");
  EXPECT_EQ(values[2], std::string("three\0", 6));

  std::vector<std::string> keys;
  auto it = (*store)->NewIterator();
  for (; it->Valid(); it->Next()) keys.emplace_back(it->key());
  ASSERT_TRUE(it->status().ok());
  it.reset();
  EXPECT_EQ(keys, (std::vector<std::string>{"a", c_key}));

  // Through the files, and reopened without wiping.
  ASSERT_TRUE((*store)->Flush().ok());
  ASSERT_TRUE((*store)->Close().ok());
  EXPECT_FALSE((*store)->MultiGet({"a"}, &values, &found).ok());  // closed
  StateBackendOptions keep;
  keep.wipe = false;
  auto again = StateBackend::Open(dir + "/nested/store", keep);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE((*again)->MultiGet({"a", "b"}, &values, &found).ok());
  EXPECT_EQ(found, (std::vector<uint8_t>{1, 0}));
  again->reset();
  // Opening with wipe (the default) starts empty.
  auto wiped = StateBackend::Open(dir + "/nested/store");
  ASSERT_TRUE(wiped.ok());
  ASSERT_TRUE((*wiped)->MultiGet({"a"}, &values, &found).ok());
  EXPECT_EQ(found, (std::vector<uint8_t>{0}));
  wiped->reset();
  fs::remove_all(dir);
}

TEST(StateBackendTest, ADirectoryThatCannotBeCreatedIsAClearError) {
  const std::string dir = TempDir("blocked");
  fs::create_directories(dir);
  std::ofstream(dir + "/file") << "not a directory";
  auto store = StateBackend::Open(dir + "/file/store");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIOError);
  EXPECT_NE(store.status().message().find(dir + "/file/store"), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("cannot create the directory"), std::string::npos);
  // The path itself a file.
  auto file = StateBackend::Open(dir + "/file", StateBackendOptions{64 << 20, false});
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find(dir + "/file"), std::string::npos);
  fs::remove_all(dir);
}

TEST(StateBackendTest, ACorruptStoreIsAClearError) {
  const std::string dir = TempDir("corrupt");
  {
    auto store = StateBackend::Open(dir);
    ASSERT_TRUE(store.ok());
    StateBackend::WriteBatch batch;
    for (int i = 0; i < 1000; ++i) batch.Put("key" + std::to_string(i), std::string(100, 'v'));
    ASSERT_TRUE((*store)->Write(&batch).ok());
    ASSERT_TRUE((*store)->Flush().ok());
  }
  // Garbage over every table and manifest file.
  int damaged = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".sst" && name.rfind("MANIFEST", 0) != 0) continue;
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << std::string(4096, '\x5a');
    ++damaged;
  }
  ASSERT_GE(damaged, 2);
  auto store = StateBackend::Open(dir, StateBackendOptions{64 << 20, false});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIOError);
  EXPECT_NE(store.status().message().find("state store " + dir), std::string::npos)
      << store.status().message();
  // The normal open wipes scratch state and starts over.
  auto fresh = StateBackend::Open(dir);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  fresh->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sluice::stream
