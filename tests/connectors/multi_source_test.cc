#include "connectors/multi_source.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/record_batch.h"

namespace sluice::connectors {
namespace {

// A source of `batches` one-row batches on its streams in turn; idle every other call
// when `idle` (as a rate-limited source); optionally reports a bad record and fails.
class ScriptSource : public Source {
 public:
  ScriptSource(std::vector<std::string> stream_names, int64_t batches, bool idle = false)
      : batches_(batches), idle_(idle) {
    for (const std::string& n : stream_names) {
      streams_.push_back({n, MakeSchema({{"v", DataType::Int64()}})});
    }
  }
  const std::vector<StreamInfo>& streams() const override { return streams_; }
  Status Open(const ConnectorContext& ctx) override {
    ctx_ = ctx;
    opened_name = ctx.name;
    return Status::OK();
  }
  Status Seek(const Position& pos) override {
    sought = pos;
    next_ = pos.OffsetOf("part");
    if (next_ < 0) next_ = 0;
    return Status::OK();
  }
  Result<ReadState> Next(std::vector<SourceBatch>* out, int64_t max_records) override {
    if (fail) return Status::IOError("disk gone");
    if (next_ >= batches_) return ReadState::kEnd;
    if (idle_ && (calls_++ % 2 == 0)) return ReadState::kIdle;
    EXPECT_GE(max_records, 1);
    if (report_bad && ctx_.on_bad_record) ctx_.on_bad_record(BadRecord{"", "here", "raw", "bad"});
    BatchBuilder b(streams_[0].schema);
    b.column(0)->Append<int64_t>(next_);
    out->push_back({static_cast<int>(next_ % static_cast<int64_t>(streams_.size())), b.Finish()});
    ++next_;
    return ReadState::kData;
  }
  Position CurrentPosition() const override {
    Position p;
    p.Set("part", next_);
    return p;
  }
  int64_t Lag() const override { return batches_ - next_; }
  Status Close() override {
    closed = true;
    return Status::OK();
  }

  std::string opened_name;
  Position sought;
  bool closed = false;
  bool fail = false;
  bool report_bad = false;

 private:
  std::vector<StreamInfo> streams_;
  int64_t batches_;
  bool idle_;
  int64_t next_ = 0;
  int64_t calls_ = 0;
  ConnectorContext ctx_;
};

struct Fixture {
  ScriptSource* a;
  ScriptSource* b;
  std::unique_ptr<MultiSource> multi;
};

Fixture Make(int64_t a_batches, int64_t b_batches, bool b_idle = false) {
  auto a = std::make_unique<ScriptSource>(std::vector<std::string>{"x", "y"}, a_batches);
  auto b = std::make_unique<ScriptSource>(std::vector<std::string>{""}, b_batches, b_idle);
  Fixture f{a.get(), b.get(), nullptr};
  std::vector<MultiSource::Member> members;
  members.push_back({"orders", std::move(a)});
  members.push_back({"payments", std::move(b)});
  f.multi = std::make_unique<MultiSource>(std::move(members));
  return f;
}

// Reads everything: (stream, value) pairs in order.
std::vector<std::pair<int, int64_t>> Drain(MultiSource* m) {
  std::vector<std::pair<int, int64_t>> out;
  for (int guard = 0; guard < 1000; ++guard) {
    std::vector<SourceBatch> batches;
    Result<ReadState> st = m->Next(&batches, 10);
    EXPECT_TRUE(st.ok()) << st.status().ToString();
    for (const auto& b : batches) out.push_back({b.stream, b.batch->column(0).values<int64_t>()[0]});
    if (!st.ok() || *st == ReadState::kEnd) break;
  }
  return out;
}

TEST(MultiSourceTest, ConcatenatesStreamsAndTakesTurns) {
  Fixture f = Make(3, 2);
  ASSERT_EQ(f.multi->streams().size(), 3u);
  EXPECT_EQ(f.multi->streams()[2].name, "");
  EXPECT_EQ(f.multi->StreamIndex(1, 0), 2);
  ConnectorContext ctx;
  ctx.name = "orders+payments";
  ASSERT_TRUE(f.multi->Open(ctx).ok());
  EXPECT_EQ(f.a->opened_name, "orders");  // each member keeps its own name
  EXPECT_EQ(f.b->opened_name, "payments");
  EXPECT_EQ(f.multi->Lag(), 5);
  // Turns: a, b, a, b, a (b ended), then the end.
  EXPECT_EQ(Drain(f.multi.get()),
            (std::vector<std::pair<int, int64_t>>{{0, 0}, {2, 0}, {1, 1}, {2, 1}, {0, 2}}));
  EXPECT_EQ(f.multi->Lag(), 0);
  ASSERT_TRUE(f.multi->Close().ok());
  EXPECT_TRUE(f.a->closed && f.b->closed);
}

TEST(MultiSourceTest, AnIdleMemberDoesNotHoldBackTheOther) {
  Fixture f = Make(4, 2, /*b_idle=*/true);
  ASSERT_TRUE(f.multi->Open(ConnectorContext{}).ok());
  const auto got = Drain(f.multi.get());
  std::vector<int64_t> from_a, from_b;
  for (const auto& [stream, v] : got) (stream == 2 ? from_b : from_a).push_back(v);
  EXPECT_EQ(from_a, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(from_b, (std::vector<int64_t>{0, 1}));
  // Both idle at once is kIdle, not kEnd.
  Fixture g = Make(0, 1, /*b_idle=*/true);
  ASSERT_TRUE(g.multi->Open(ConnectorContext{}).ok());
  std::vector<SourceBatch> batches;
  Result<ReadState> st = g.multi->Next(&batches, 10);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(*st, ReadState::kIdle);
}

TEST(MultiSourceTest, PositionsArePrefixedAndSeekHandsEachMemberItsOwn) {
  Fixture f = Make(5, 5);
  ASSERT_TRUE(f.multi->Open(ConnectorContext{}).ok());
  for (int i = 0; i < 3; ++i) {
    std::vector<SourceBatch> batches;
    ASSERT_TRUE(f.multi->Next(&batches, 10).ok());
  }
  const Position pos = f.multi->CurrentPosition();
  EXPECT_EQ(pos.OffsetOf("orders/part"), 2);
  EXPECT_EQ(pos.OffsetOf("payments/part"), 1);
  Fixture g = Make(5, 5);
  ASSERT_TRUE(g.multi->Open(ConnectorContext{}).ok());
  ASSERT_TRUE(g.multi->Seek(pos).ok());
  EXPECT_EQ(g.a->sought.OffsetOf("part"), 2);
  EXPECT_EQ(g.b->sought.OffsetOf("part"), 1);
  EXPECT_EQ(g.multi->CurrentPosition(), pos);
  // A position of another set of sources is refused, naming the partition.
  Position foreign;
  foreign.Set("customers/part", 3);
  Status st = g.multi->Seek(foreign);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'customers/part'"), std::string::npos) << st.message();
  Position bare;
  bare.Set("part", 3);
  EXPECT_FALSE(g.multi->Seek(bare).ok());
}

TEST(MultiSourceTest, BadRecordsAndErrorsNameTheMember) {
  Fixture f = Make(2, 2);
  std::vector<BadRecord> bad;
  ConnectorContext ctx;
  ctx.on_bad_record = [&bad](BadRecord r) { bad.push_back(std::move(r)); };
  f.b->report_bad = true;
  ASSERT_TRUE(f.multi->Open(ctx).ok());
  Drain(f.multi.get());
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].connector, "payments");
  Fixture g = Make(2, 2);
  ASSERT_TRUE(g.multi->Open(ConnectorContext{}).ok());
  g.a->fail = true;
  std::vector<SourceBatch> batches;
  Result<ReadState> st = g.multi->Next(&batches, 10);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("source 'orders'"), std::string::npos) << st.status().message();
}

}  // namespace
}  // namespace sluice::connectors
