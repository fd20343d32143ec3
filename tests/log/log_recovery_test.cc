// Crash recovery and damage: torn tails are cut off on open, damage elsewhere is an
// error at read time naming the file and position, never silently skipped data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "log/log.h"
#include "log/log_reader.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using testing::AppendRange;
using testing::MakeRecord;
using testing::ReadAll;
using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string SegmentPath(const TempDir& dir, int64_t base) {
  return Segment::FileName(dir.path(), base, ".log");
}

class TornTailTest : public ::testing::TestWithParam<Codec> {};

// The last frame cut at every byte: every earlier batch survives, nothing of the torn one
// is visible, the report says how much was dropped, and appends continue after it.
TEST_P(TornTailTest, TruncatedAtEveryByteOfTheLastFrame) {
  TempDir dir;
  LogOptions o;
  o.codec = GetParam();
  o.index_interval_bytes = 200;  // index entries before and possibly at the last frame
  o.fsync = FsyncPolicy::kNever;
  int64_t last_start = 0;
  {
    auto log = Log::Open(dir.path(), o);
    ASSERT_TRUE(log.ok());
    for (int64_t i = 0; i < 60; i += 6) ASSERT_TRUE(AppendRange(log->get(), i, 6).ok());
    last_start = (*log)->size_bytes();
    ASSERT_TRUE(AppendRange(log->get(), 60, 2).ok());
  }
  const std::string path = SegmentPath(dir, 0);
  const std::string original = ReadFile(path);
  const std::string index = ReadFile(Segment::FileName(dir.path(), 0, ".index"));
  ASSERT_GT(original.size(), static_cast<size_t>(last_start) + kFrameHeaderSize);
  for (size_t len = static_cast<size_t>(last_start); len < original.size(); ++len) {
    SCOPED_TRACE("cut at " + std::to_string(len));
    WriteFile(path, std::string_view(original).substr(0, len));
    WriteFile(Segment::FileName(dir.path(), 0, ".index"), index);
    auto log = Log::Open(dir.path(), o);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    const RecoveryReport& report = (*log)->recovery_report();
    EXPECT_EQ(report.bytes_truncated, static_cast<int64_t>(len) - last_start);
    EXPECT_EQ(report.indexes_rebuilt, 0) << "a torn tail leaves a good index alone";
    if (len > static_cast<size_t>(last_start)) {
      EXPECT_EQ(report.truncated_segment, path);
      EXPECT_EQ(report.truncated_at, last_start);
      EXPECT_FALSE(report.reason.empty());
    }
    EXPECT_EQ((*log)->next_offset(), 60);
    EXPECT_EQ(std::filesystem::file_size(path), static_cast<uintmax_t>(last_start));
    std::vector<std::string> got;
    ASSERT_TRUE(ReadAll(**log, 0, &got).ok());
    ASSERT_EQ(got.size(), 60u);
    for (int64_t i = 0; i < 60; ++i) ASSERT_EQ(got[i], MakeRecord(i));
    auto r = AppendRange(log->get(), 60, 3);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 60);
    got.clear();
    ASSERT_TRUE(ReadAll(**log, 58, &got).ok());
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(got[4], MakeRecord(62));
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, TornTailTest,
                         ::testing::Values(Codec::kNone, Codec::kLz4, Codec::kZstd),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

// A crash right after a roll leaves an empty last segment; it reopens as the active one.
TEST(LogRecoveryTest, EmptyLastSegmentAfterRoll) {
  TempDir dir;
  LogOptions o;
  o.segment_bytes = 1024;
  o.fsync = FsyncPolicy::kNever;
  {
    auto log = Log::Open(dir.path(), o);
    ASSERT_TRUE(log.ok());
    for (int64_t i = 0; i < 40; i += 4) ASSERT_TRUE(AppendRange(log->get(), i, 4).ok());
  }
  auto log = Log::Open(dir.path(), o);
  ASSERT_TRUE(log.ok());
  const int64_t next = (*log)->next_offset();
  ASSERT_EQ(next, 40);
  // Simulate the crash: an empty segment named after the next offset.
  WriteFile(SegmentPath(dir, next), "");
  log->reset();
  log = Log::Open(dir.path(), o);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ((*log)->next_offset(), 40);
  EXPECT_EQ((*log)->recovery_report().bytes_truncated, 0);
  ASSERT_TRUE(AppendRange(log->get(), 40, 4).ok());
  std::vector<std::string> got;
  ASSERT_TRUE(ReadAll(**log, 0, &got).ok());
  ASSERT_EQ(got.size(), 44u);
  EXPECT_EQ(got[43], MakeRecord(43));
}

// Frame headers with any field out of place are rejected, not trusted.
TEST(LogRecoveryTest, FrameHeaderValidation) {
  FrameEncoder enc;
  const std::string rec = "hello";
  std::string_view view = rec;
  ASSERT_TRUE(enc.Encode({&view, 1}, 7, 123, Codec::kNone, 1).ok());
  const std::string good(enc.header());
  auto ok = DecodeFrameHeader(reinterpret_cast<const uint8_t*>(good.data()));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->base_offset, 7);
  EXPECT_EQ(ok->record_count, 1u);
  EXPECT_EQ(ok->first_timestamp, 123);
  for (size_t byte : {0u, 4u, 5u, 6u, 16u, 20u, 24u, 28u}) {
    std::string bad = good;
    bad[byte] = static_cast<char>(bad[byte] ^ 0x40);
    EXPECT_FALSE(DecodeFrameHeader(reinterpret_cast<const uint8_t*>(bad.data())).ok()) << byte;
  }
  // Incompressible data falls back to codec none.
  std::string noise;
  uint64_t x = 7;
  for (int i = 0; i < 4096; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    noise.push_back(static_cast<char>(x >> 56));
  }
  view = noise;
  ASSERT_TRUE(enc.Encode({&view, 1}, 0, 0, Codec::kZstd, 1).ok());
  auto h = DecodeFrameHeader(reinterpret_cast<const uint8_t*>(enc.header().data()));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->codec, Codec::kNone);
  FrameDecoder dec;
  std::string out;
  std::vector<std::string_view> records;
  ASSERT_TRUE(dec.Decode(*h, reinterpret_cast<const uint8_t*>(enc.header().data()), enc.payload(),
                         &out, &records)
                  .ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0], noise);
}

// Garbage after the last frame (a preallocated or half-written tail) is cut off too.
TEST(LogRecoveryTest, GarbageTailIsTruncated) {
  TempDir dir;
  LogOptions o;
  {
    auto log = Log::Open(dir.path(), o);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(AppendRange(log->get(), 0, 10).ok());
  }
  const std::string path = SegmentPath(dir, 0);
  const std::string good = ReadFile(path);
  WriteFile(path, good + std::string(1000, '\0'));
  auto log = Log::Open(dir.path(), o);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->recovery_report().bytes_truncated, 1000);
  EXPECT_EQ((*log)->next_offset(), 10);
}

class DamagedLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    o_.segment_bytes = 4096;
    o_.index_interval_bytes = 300;
    o_.fsync = FsyncPolicy::kNever;
    auto log = Log::Open(dir_.path(), o_);
    ASSERT_TRUE(log.ok());
    for (int64_t i = 0; i < 200; i += 2) ASSERT_TRUE(AppendRange(log->get(), i, 2).ok());
    ASSERT_GE((*log)->segment_count(), 3u);
  }

  // Flips one bit at `position` of the first segment file.
  void FlipBit(int64_t position) {
    const std::string path = SegmentPath(dir_, 0);
    std::string bytes = ReadFile(path);
    ASSERT_LT(static_cast<size_t>(position), bytes.size());
    bytes[static_cast<size_t>(position)] ^= 0x10;
    WriteFile(path, bytes);
  }

  // Opens the log and reads from 0; expects the records before the damaged batch, then an
  // IOError naming the first segment and the byte position `frame`.
  void ExpectDamageAt(int64_t frame) {
    auto log = Log::Open(dir_.path(), o_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ((*log)->recovery_report().bytes_truncated, 0) << "older segments are not cut";
    EXPECT_EQ((*log)->next_offset(), 200);
    auto reader = (*log)->NewReader(0);
    ASSERT_TRUE(reader.ok());
    std::vector<std::string_view> records;
    int64_t next = 0;
    Status st;
    for (int guard = 0; guard < 1000; ++guard) {
      auto n = (*reader)->Read(&records, 1);
      if (!n.ok()) {
        st = n.status();
        break;
      }
      ASSERT_GT(*n, 0u) << "reached the end without seeing the damage";
      for (auto r : records) ASSERT_EQ(r, MakeRecord(next++));
    }
    ASSERT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
    EXPECT_NE(st.message().find(SegmentPath(dir_, 0)), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find("at byte " + std::to_string(frame)), std::string::npos)
        << st.ToString();
    // The reader stays before the damage: it fails again, it does not skip ahead.
    EXPECT_FALSE((*reader)->Read(&records, 1).ok());
    EXPECT_EQ((*reader)->offset(), next);
    // Records in later segments are still readable from there.
    const int64_t later = 199;
    std::vector<std::string> got;
    ASSERT_TRUE(ReadAll(**log, later, &got).ok());
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], MakeRecord(later));
  }

  TempDir dir_;
  LogOptions o_;
};

// Frame k of the first segment starts at k * frame size only if all frames are the same
// size, which they are not; so the tests find frame starts by walking the headers.
std::vector<int64_t> FrameStarts(const std::string& path) {
  const std::string bytes = ReadFile(path);
  std::vector<int64_t> starts;
  size_t pos = 0;
  while (pos + kFrameHeaderSize <= bytes.size()) {
    auto h = DecodeFrameHeader(reinterpret_cast<const uint8_t*>(bytes.data() + pos));
    if (!h.ok()) break;
    starts.push_back(static_cast<int64_t>(pos));
    pos += static_cast<size_t>(h->frame_size());
  }
  return starts;
}

TEST_F(DamagedLogTest, FlippedPayloadBitInOlderSegmentIsAnError) {
  const auto starts = FrameStarts(SegmentPath(dir_, 0));
  ASSERT_GE(starts.size(), 4u);
  FlipBit(starts[2] + static_cast<int64_t>(kFrameHeaderSize) + 10);
  ExpectDamageAt(starts[2]);
}

TEST_F(DamagedLogTest, FlippedHeaderBitInOlderSegmentIsAnError) {
  const auto starts = FrameStarts(SegmentPath(dir_, 0));
  ASSERT_GE(starts.size(), 4u);
  FlipBit(starts[3] + 16);  // the record count
  ExpectDamageAt(starts[3]);
}

TEST_F(DamagedLogTest, MissingMiddleSegmentIsAnError) {
  std::vector<int64_t> bases;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    if (e.path().extension() == ".log") bases.push_back(std::stoll(e.path().stem().string()));
  }
  std::sort(bases.begin(), bases.end());
  ASSERT_GE(bases.size(), 3u);
  std::filesystem::remove(SegmentPath(dir_, bases[1]));
  auto log = Log::Open(dir_.path(), o_);
  ASSERT_TRUE(log.ok());
  std::vector<std::string> got;
  Status st = ReadAll(**log, 0, &got);
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("missing"), std::string::npos) << st.ToString();
  EXPECT_EQ(static_cast<int64_t>(got.size()), bases[1]);
}

// In the last segment, a bad frame after its last index entry (where recovery scans) is
// treated as the torn end of the log and cut off with everything after it; one before
// it is left for readers to report, like damage in older segments.
TEST_F(DamagedLogTest, DamageInLastSegment) {
  std::vector<int64_t> bases;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    if (e.path().extension() == ".log") bases.push_back(std::stoll(e.path().stem().string()));
  }
  std::sort(bases.begin(), bases.end());
  const std::string last = SegmentPath(dir_, bases.back());
  const auto starts = FrameStarts(last);
  ASSERT_GE(starts.size(), 4u);
  const std::string original = ReadFile(last);
  std::string bytes = original;
  bytes[static_cast<size_t>(starts[1]) + kFrameHeaderSize + 1] ^= 1;
  WriteFile(last, bytes);
  {
    auto log = Log::Open(dir_.path(), o_);
    ASSERT_TRUE(log.ok());
    EXPECT_EQ((*log)->recovery_report().bytes_truncated, 0);
    std::vector<std::string> got;
    Status st = ReadAll(**log, bases.back(), &got);
    EXPECT_EQ(st.code(), StatusCode::kIOError);
    EXPECT_NE(st.message().find(last + ", record batch at byte " + std::to_string(starts[1])),
              std::string::npos)
        << st.ToString();
    EXPECT_EQ(got.size(), 2u);
  }
  bytes = original;
  bytes[static_cast<size_t>(starts.back()) + kFrameHeaderSize + 1] ^= 1;
  WriteFile(last, bytes);
  auto log = Log::Open(dir_.path(), o_);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->recovery_report().truncated_at, starts.back());
  EXPECT_EQ((*log)->recovery_report().bytes_truncated,
            static_cast<int64_t>(bytes.size()) - starts.back());
  EXPECT_NE((*log)->recovery_report().reason.find("checksum"), std::string::npos);
  EXPECT_EQ((*log)->next_offset(), 198);
}

}  // namespace
}  // namespace sluice::log
