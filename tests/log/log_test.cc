#include "log/log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "log/log_reader.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using testing::AppendRange;
using testing::MakeRecord;
using testing::ReadAll;
using testing::TempDir;

LogOptions SmallOptions(Codec codec = Codec::kNone) {
  LogOptions o;
  o.segment_bytes = 4096;
  o.index_interval_bytes = 256;
  o.codec = codec;
  o.fsync = FsyncPolicy::kNever;
  return o;
}

// Appends batches of 1..12 records until `total` records; returns the batch starts.
std::vector<int64_t> Fill(Log* log, int64_t total) {
  std::vector<int64_t> starts;
  int64_t i = log->next_offset();
  int64_t k = 0;
  while (i < total) {
    const int64_t n = std::min<int64_t>(1 + (k++ * 5) % 12, total - i);
    Result<int64_t> r = AppendRange(log, i, n);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, i);
    starts.push_back(i);
    i += n;
  }
  return starts;
}

void ExpectRecordsFrom(const Log& log, int64_t from, int64_t total, size_t max_bytes = 1000) {
  std::vector<std::string> got;
  Status st = ReadAll(log, from, &got, max_bytes);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(static_cast<int64_t>(got.size()), total - from) << "from " << from;
  for (int64_t i = from; i < total; ++i) ASSERT_EQ(got[i - from], MakeRecord(i)) << i;
}

TEST(LogTest, EmptyLog) {
  TempDir dir;
  auto log = Log::Open(dir.path(), SmallOptions());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->next_offset(), 0);
  EXPECT_EQ((*log)->start_offset(), 0);
  auto reader = (*log)->NewReader(0);
  ASSERT_TRUE(reader.ok());
  std::vector<std::string_view> records;
  auto n = (*reader)->Read(&records, 1000);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ((*log)->NewReader(1).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ((*log)->NewReader(-1).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ((*log)->Append({}).status().code(), StatusCode::kInvalid);
  log->reset();
  auto again = Log::Open(dir.path(), SmallOptions());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->next_offset(), 0);
  EXPECT_EQ((*again)->recovery_report().bytes_truncated, 0);
}

TEST(LogTest, RejectsBadOptionsAndSecondOpen) {
  TempDir dir;
  LogOptions bad = SmallOptions();
  bad.segment_bytes = 10;
  EXPECT_EQ(Log::Open(dir.path(), bad).status().code(), StatusCode::kInvalid);
  bad = SmallOptions();
  bad.index_interval_bytes = 0;
  EXPECT_EQ(Log::Open(dir.path(), bad).status().code(), StatusCode::kInvalid);
  auto first = Log::Open(dir.path(), SmallOptions());
  ASSERT_TRUE(first.ok());
  auto second = Log::Open(dir.path(), SmallOptions());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("already open"), std::string::npos);
  EXPECT_FALSE(ParseCodec("gzip").ok());
  EXPECT_FALSE(ParseFsyncPolicy("sometimes").ok());
}

class LogCodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(LogCodecTest, RoundTripFromEveryOffsetAcrossSegments) {
  TempDir dir;
  constexpr int64_t kTotal = 400;
  {
    auto log = Log::Open(dir.path(), SmallOptions(GetParam()));
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    Fill(log->get(), kTotal);
    EXPECT_EQ((*log)->next_offset(), kTotal);
    EXPECT_GE((*log)->segment_count(), 3u);
    ASSERT_TRUE((*log)->Sync().ok());
    for (int64_t from = 0; from <= kTotal; ++from) ExpectRecordsFrom(**log, from, kTotal);
    // One big read returns everything at once; a tiny max_bytes still makes progress.
    ExpectRecordsFrom(**log, 0, kTotal, 1 << 30);
    ExpectRecordsFrom(**log, 0, kTotal, 1);
  }
  // Reopen after a clean close: same records, appends continue the offsets.
  auto log = Log::Open(dir.path(), SmallOptions(GetParam()));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->next_offset(), kTotal);
  EXPECT_EQ((*log)->recovery_report().bytes_truncated, 0);
  EXPECT_EQ((*log)->recovery_report().indexes_rebuilt, 0);
  Fill(log->get(), kTotal + 50);
  for (int64_t from = 0; from <= kTotal + 50; from += 7)
    ExpectRecordsFrom(**log, from, kTotal + 50);
}

INSTANTIATE_TEST_SUITE_P(Codecs, LogCodecTest,
                         ::testing::Values(Codec::kNone, Codec::kLz4, Codec::kZstd),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

TEST(LogTest, CompressionShrinksSegments) {
  TempDir plain_dir, zstd_dir;
  int64_t sizes[2];
  for (int k = 0; k < 2; ++k) {
    LogOptions o = SmallOptions(k == 0 ? Codec::kNone : Codec::kZstd);
    o.segment_bytes = 1 << 20;
    auto log = Log::Open(k == 0 ? plain_dir.path() : zstd_dir.path(), o);
    ASSERT_TRUE(log.ok());
    for (int64_t i = 0; i < 1000; i += 50) ASSERT_TRUE(AppendRange(log->get(), i, 50).ok());
    sizes[k] = (*log)->size_bytes();
  }
  EXPECT_LT(sizes[1] * 3, sizes[0]);
}

TEST(LogTest, MissingAndStaleIndexesAreRebuilt) {
  TempDir dir;
  constexpr int64_t kTotal = 300;
  size_t segments = 0;
  {
    auto log = Log::Open(dir.path(), SmallOptions());
    ASSERT_TRUE(log.ok());
    Fill(log->get(), kTotal);
    segments = (*log)->segment_count();
  }
  std::vector<std::filesystem::path> indexes;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().extension() == ".index") indexes.push_back(e.path());
  }
  ASSERT_EQ(indexes.size(), segments);
  std::sort(indexes.begin(), indexes.end());
  ASSERT_GT(std::filesystem::file_size(indexes[0]), 0u) << "the sparse index has entries";
  std::filesystem::remove(indexes[0]);
  {  // an index whose last entry points at the wrong place
    FILE* f = std::fopen(indexes[1].c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    const int64_t bogus[2] = {5, 100};
    ASSERT_EQ(std::fwrite(bogus, 8, 2, f), 2u);
    std::fclose(f);
  }
  {  // a malformed (not a multiple of 16 bytes) index
    FILE* f = std::fopen(indexes[2].c_str(), "ab");
    ASSERT_NE(f, nullptr);
    std::fputc('x', f);
    std::fclose(f);
  }
  auto log = Log::Open(dir.path(), SmallOptions());
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->recovery_report().indexes_rebuilt, 3);
  EXPECT_EQ((*log)->recovery_report().bytes_truncated, 0);
  EXPECT_GT(std::filesystem::file_size(indexes[0]), 0u);
  for (int64_t from = 0; from <= kTotal; from += 3) ExpectRecordsFrom(**log, from, kTotal);
}

TEST(LogTest, HugeRecordGetsItsOwnSegment) {
  TempDir dir;
  LogOptions o = SmallOptions();
  o.segment_bytes = 1024;
  auto log = Log::Open(dir.path(), o);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(AppendRange(log->get(), 0, 2).ok());
  const std::string huge(10000, 'h');
  std::string_view view = huge;
  auto r = (*log)->Append({&view, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  EXPECT_EQ((*log)->segment_count(), 2u);
  ASSERT_TRUE(AppendRange(log->get(), 3, 2).ok());
  EXPECT_EQ((*log)->segment_count(), 3u);
  std::vector<std::string> got;
  ASSERT_TRUE(ReadAll(**log, 0, &got, 1).ok());
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[2], huge);
  EXPECT_EQ(got[3], MakeRecord(3));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/00000000000000000002.log"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/00000000000000000003.log"));
}

TEST(LogTest, RetentionBySize) {
  TempDir dir;
  LogOptions o = SmallOptions();
  o.retention_bytes = 10000;
  auto log = Log::Open(dir.path(), o);
  ASSERT_TRUE(log.ok());
  Fill(log->get(), 1000);
  const size_t before = (*log)->segment_count();
  ASSERT_GT((*log)->size_bytes(), 20000);
  ASSERT_TRUE((*log)->ApplyRetention(0).ok());
  EXPECT_LT((*log)->segment_count(), before);
  EXPECT_GE((*log)->size_bytes(), 10000);
  EXPECT_LT((*log)->size_bytes(), 10000 + o.segment_bytes + 1000);
  const int64_t start = (*log)->start_offset();
  EXPECT_GT(start, 0);
  EXPECT_EQ((*log)->NewReader(start - 1).status().code(), StatusCode::kOutOfRange);
  ExpectRecordsFrom(**log, start, 1000);
  // The deleted segments' files are gone; a reopen agrees on the start.
  log->reset();
  auto again = Log::Open(dir.path(), o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->start_offset(), start);
  EXPECT_EQ((*again)->next_offset(), 1000);
}

TEST(LogTest, RetentionByAgeKeepsActiveSegment) {
  TempDir dir;
  LogOptions o = SmallOptions();
  o.retention_age_micros = 1000;
  auto log = Log::Open(dir.path(), o);
  ASSERT_TRUE(log.ok());
  // Old batches (t = 0..99) fill several segments; new ones (t = 10000) come last.
  int64_t i = 0;
  for (int t = 0; t < 100; ++t, i += 5) ASSERT_TRUE(AppendRange(log->get(), i, 5, t).ok());
  const int64_t first_new = i;
  ASSERT_TRUE(AppendRange(log->get(), i, 5, 10000).ok());
  i += 5;
  ASSERT_TRUE((*log)->ApplyRetention(500).ok());  // nothing older than 1000 us yet at t=500
  EXPECT_EQ((*log)->start_offset(), 0);
  ASSERT_TRUE((*log)->ApplyRetention(10500).ok());
  EXPECT_EQ((*log)->segment_count(), 1u);
  EXPECT_LE((*log)->start_offset(), first_new);
  ExpectRecordsFrom(**log, (*log)->start_offset(), i);
  // Even when everything is old, the active segment stays.
  ASSERT_TRUE((*log)->ApplyRetention(1000000).ok());
  EXPECT_EQ((*log)->segment_count(), 1u);
  EXPECT_EQ((*log)->next_offset(), i);
}

TEST(LogTest, ReaderInsideDeletedSegmentFinishesIt) {
  TempDir dir;
  LogOptions o = SmallOptions();
  o.retention_bytes = 0;
  auto log = Log::Open(dir.path(), o);
  ASSERT_TRUE(log.ok());
  Fill(log->get(), 300);
  auto reader = (*log)->NewReader(0);
  ASSERT_TRUE(reader.ok());
  std::vector<std::string_view> records;
  ASSERT_TRUE((*reader)->Read(&records, 1).ok());  // positioned in the first segment
  ASSERT_TRUE((*log)->ApplyRetention(0).ok());
  EXPECT_EQ((*log)->segment_count(), 1u);
  // It finishes the (deleted) first segment, then finds the next ones gone.
  Status st;
  while (true) {
    auto n = (*reader)->Read(&records, 1000);
    if (!n.ok()) {
      st = n.status();
      break;
    }
    ASSERT_GT(*n, 0u);
  }
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange) << st.ToString();
  EXPECT_NE(st.message().find("deleted by retention"), std::string::npos) << st.ToString();
}

TEST(LogTest, ConcurrentReaderWhileAppending) {
  TempDir dir;
  LogOptions o = SmallOptions(Codec::kLz4);
  auto log = Log::Open(dir.path(), o);
  ASSERT_TRUE(log.ok());
  constexpr int64_t kTotal = 5000;
  std::atomic<bool> ok{true};
  std::thread reader_thread([&] {
    auto reader = (*log)->NewReader(0);
    if (!reader.ok()) {
      ok = false;
      return;
    }
    std::vector<std::string_view> records;
    int64_t next = 0;
    while (next < kTotal && ok) {
      auto n = (*reader)->Read(&records, 2000);
      if (!n.ok()) {
        ok = false;
        break;
      }
      for (auto r : records) {
        if (r != MakeRecord(next++)) ok = false;
      }
      if (*n == 0) std::this_thread::yield();
    }
  });
  Fill(log->get(), kTotal);
  reader_thread.join();
  EXPECT_TRUE(ok);
  EXPECT_EQ((*log)->next_offset(), kTotal);
}

TEST(LogTest, SyncAndEveryAppendPolicy) {
  TempDir dir;
  LogOptions o = SmallOptions();
  o.fsync = FsyncPolicy::kEveryAppend;
  auto log = Log::Open(dir.path(), o);
  ASSERT_TRUE(log.ok());
  Fill(log->get(), 100);
  ASSERT_TRUE((*log)->Sync().ok());
  ExpectRecordsFrom(**log, 0, 100);
}

}  // namespace
}  // namespace sluice::log
