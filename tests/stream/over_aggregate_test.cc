// OverAggregate against a brute-force recomputation: random changelogs (inserts,
// retractions, ties, NULL partition and order keys) under every frame kind, checking
// the final state of the changelog after every batch, that state is freed, and that a
// snapshot restored mid-stream continues identically.
#include "stream/over_aggregate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "stream/state_codec.h"

namespace sluice::stream {
namespace {

using warehouse::ChangeOp;

using Cell = std::optional<int64_t>;
struct Row {
  Cell p, o, v;
  bool operator==(const Row& r) const { return p == r.p && o == r.o && v == r.v; }
};

std::string Fmt(const Cell& c) { return c ? std::to_string(*c) : "NULL"; }
std::string FmtDouble(std::optional<double> d) {
  if (!d) return "NULL";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", *d);
  return buf;
}

SchemaPtr InputSchema() {
  return MakeSchema({Field{"p", DataType::Int64(), true}, Field{"o", DataType::Int64(), true},
                     Field{"v", DataType::Int64(), true}});
}

struct Collector final : ChangeSink {
  std::map<std::string, int64_t> state;
  std::vector<std::string> log;
  bool check = true;  // retractions must match earlier rows
  Status Emit(const warehouse::ChangeBatch& changes) override {
    const RecordBatch& b = *changes.rows;
    for (int64_t i = 0; i < b.num_rows(); ++i) {
      std::string row;
      for (int c = 0; c < b.num_columns(); ++c) {
        const Column& col = b.column(c);
        if (c) row += "|";
        if (col.IsNull(i)) {
          row += "NULL";
        } else if (col.type().id == TypeId::kDouble) {
          row += FmtDouble(col.values<double>()[i]);
        } else {
          row += std::to_string(col.values<int64_t>()[i]);
        }
      }
      const ChangeOp op = changes.ops[static_cast<size_t>(i)];
      log.push_back(std::string(warehouse::ChangeOpName(op)) + " " + row);
      int64_t& n = state[row];
      n += warehouse::IsRemoval(op) ? -1 : 1;
      if (check) {
        EXPECT_GE(n, 0) << "retraction of a row not in the result: " << row;
      }
      if (n == 0) state.erase(row);
    }
    return Status::OK();
  }
};

// count(*), sum(v), min(v), max(v), avg(v), count(v) over the frame.
std::map<std::string, int64_t> BruteForce(const std::vector<Row>& live, int64_t preceding,
                                          bool range_peers, bool partitioned) {
  std::map<std::string, int64_t> out;
  std::map<std::string, std::vector<size_t>> parts;  // by partition key, arrival order
  for (size_t i = 0; i < live.size(); ++i) parts[partitioned ? Fmt(live[i].p) : ""].push_back(i);
  for (auto& [key, idx] : parts) {
    // ASC NULLS LAST, ties by arrival (stable).
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      const Cell& x = live[a].o;
      const Cell& y = live[b].o;
      if (x.has_value() != y.has_value()) return x.has_value();
      return x && *x < *y;
    });
    for (size_t j = 0; j < idx.size(); ++j) {
      size_t lo = 0;
      size_t hi = j;
      if (preceding >= 0) lo = j > static_cast<size_t>(preceding) ? j - static_cast<size_t>(preceding) : 0;
      if (range_peers) {
        while (hi + 1 < idx.size() && live[idx[hi + 1]].o == live[idx[j]].o) ++hi;
      }
      int64_t rows = 0, count = 0, sum = 0, mn = 0, mx = 0;
      for (size_t k = lo; k <= hi; ++k) {
        ++rows;
        const Cell& v = live[idx[k]].v;
        if (!v) continue;
        mn = count == 0 ? *v : std::min(mn, *v);
        mx = count == 0 ? *v : std::max(mx, *v);
        sum += *v;
        ++count;
      }
      const Row& r = live[idx[j]];
      std::string row = Fmt(r.p) + "|" + Fmt(r.o) + "|" + Fmt(r.v) + "|" + std::to_string(rows);
      if (count == 0) {
        row += "|NULL|NULL|NULL|NULL";
      } else {
        row += "|" + std::to_string(sum) + "|" + std::to_string(mn) + "|" + std::to_string(mx) + "|" +
               FmtDouble(static_cast<double>(sum) / static_cast<double>(count));
      }
      row += "|" + std::to_string(count);
      ++out[row];
    }
  }
  return out;
}

OverAggregateOptions Options(int64_t preceding, bool range_peers, bool partitioned = true) {
  OverAggregateOptions o;
  o.input_schema = InputSchema();
  if (partitioned) o.partition_keys = {0};
  o.order = {{1, false, false}};
  o.preceding = preceding;
  o.range_peers = range_peers;
  o.aggregates = {{OverFunction::kCountStar, -1, "n"}, {OverFunction::kSum, 2, "s"},
                  {OverFunction::kMin, 2, "lo"},       {OverFunction::kMax, 2, "hi"},
                  {OverFunction::kAvg, 2, "a"},        {OverFunction::kCount, 2, "c"}};
  o.append_only_input = false;
  return o;
}

warehouse::ChangeBatch MakeBatch(const std::vector<Row>& rows, const std::vector<ChangeOp>& ops) {
  std::vector<ColumnPtr> cols;
  for (int c = 0; c < 3; ++c) {
    auto col = std::make_shared<Column>(DataType::Int64());
    for (const Row& r : rows) {
      const Cell& v = c == 0 ? r.p : c == 1 ? r.o : r.v;
      if (v) {
        col->Append<int64_t>(*v);
      } else {
        col->AppendNull();
      }
    }
    cols.push_back(std::move(col));
  }
  warehouse::ChangeBatch b;
  b.rows = std::make_shared<const RecordBatch>(InputSchema(), std::move(cols),
                                               static_cast<int64_t>(rows.size()));
  b.ops = ops;
  return b;
}

Cell RandomCell(std::mt19937& rng, int range) {
  const int x = static_cast<int>(rng() % static_cast<unsigned>(range + 1));
  if (x == range) return std::nullopt;
  return x;
}

struct Frame {
  int64_t preceding;
  bool range_peers;
};

class OverAggregateRandom : public ::testing::TestWithParam<Frame> {};

TEST_P(OverAggregateRandom, MatchesBruteForce) {
  const Frame f = GetParam();
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    std::mt19937 rng(seed);
    auto made = OverAggregate::Make(Options(f.preceding, f.range_peers, seed % 4 != 0));
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    std::unique_ptr<OverAggregate> op = std::move(made).value();
    Collector sink;
    std::vector<Row> live;
    for (int step = 0; step < 60; ++step) {
      std::vector<Row> rows;
      std::vector<ChangeOp> ops;
      const int n = 1 + static_cast<int>(rng() % 6);
      std::vector<Row> after = live;
      for (int i = 0; i < n; ++i) {
        const bool retract = !after.empty() && rng() % 3 == 0;
        if (retract) {
          const Row r = after[rng() % after.size()];
          after.erase(std::find(after.begin(), after.end(), r));
          rows.push_back(r);
          ops.push_back(rng() % 2 ? ChangeOp::kDelete : ChangeOp::kUpdateBefore);
        } else {
          Row r{RandomCell(rng, 3), RandomCell(rng, 5), RandomCell(rng, 9)};
          after.push_back(r);
          rows.push_back(r);
          ops.push_back(rng() % 2 ? ChangeOp::kInsert : ChangeOp::kUpdateAfter);
        }
      }
      live = after;
      ASSERT_TRUE(op->ApplyChanges(0, MakeBatch(rows, ops), &sink).ok());
      ASSERT_EQ(sink.state, BruteForce(live, f.preceding, f.range_peers, seed % 4 != 0))
          << "seed " << seed << " step " << step;
    }
    // Snapshot, restore into a fresh operator, and both continue the same way.
    StateWriter w;
    ASSERT_TRUE(op->Snapshot(&w).ok());
    const std::string snap = w.Finish();
    auto reader = StateReader::Open(snap, "test");
    ASSERT_TRUE(reader.ok());
    auto copy = OverAggregate::Make(Options(f.preceding, f.range_peers, seed % 4 != 0));
    ASSERT_TRUE(copy.ok());
    ASSERT_TRUE((*copy)->Restore(&*reader).ok());
    Collector a;
    Collector b;
    a.check = b.check = false;
    std::vector<Row> rows;
    std::vector<ChangeOp> ops;
    for (const Row& r : live) {
      rows.push_back(r);
      ops.push_back(ChangeOp::kDelete);
    }
    rows.push_back(Row{1, 2, 3});
    ops.push_back(ChangeOp::kInsert);
    ASSERT_TRUE(op->ApplyChanges(0, MakeBatch(rows, ops), &a).ok());
    ASSERT_TRUE((*copy)->ApplyChanges(0, MakeBatch(rows, ops), &b).ok());
    EXPECT_EQ(a.log, b.log);
    // Everything retracted but one row: state holds one row in one partition.
    EXPECT_EQ(op->stored_rows(), 1);
    EXPECT_EQ(op->num_partitions(), 1);
    EXPECT_EQ(op->ignored_retractions(), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Frames, OverAggregateRandom,
                         ::testing::Values(Frame{0, false}, Frame{1, false}, Frame{3, false},
                                           Frame{-1, false}, Frame{-1, true}),
                         [](const auto& info) {
                           if (info.param.range_peers) return std::string("RangePeers");
                           if (info.param.preceding < 0) return std::string("RowsUnbounded");
                           return "Rows" + std::to_string(info.param.preceding);
                         });

TEST(OverAggregate, FreesRetractedRowsAndEmptyPartitions) {
  auto made = OverAggregate::Make(Options(2, false));
  ASSERT_TRUE(made.ok());
  OverAggregate& op = **made;
  Collector sink;
  for (int round = 0; round < 5; ++round) {
    std::vector<Row> rows;
    std::vector<ChangeOp> ins;
    for (int64_t i = 0; i < 2000; ++i) {
      rows.push_back(Row{i % 100, i, i});
      ins.push_back(ChangeOp::kInsert);
    }
    ASSERT_TRUE(op.ApplyChanges(0, MakeBatch(rows, ins), &sink).ok());
    EXPECT_EQ(op.num_partitions(), 100);
    std::vector<ChangeOp> del(rows.size(), ChangeOp::kDelete);
    ASSERT_TRUE(op.ApplyChanges(0, MakeBatch(rows, del), &sink).ok());
    EXPECT_EQ(op.num_partitions(), 0);
    EXPECT_EQ(op.stored_rows(), 0);
  }
  EXPECT_TRUE(sink.state.empty());
  // Compaction keeps storage proportional to what was live recently.
  EXPECT_LE(op.storage_slots(), 8000);
}

TEST(OverAggregate, UnknownRetractionIsIgnoredAndCounted) {
  auto made = OverAggregate::Make(Options(1, false));
  ASSERT_TRUE(made.ok());
  Collector sink;
  ASSERT_TRUE((*made)->ApplyChanges(0, MakeBatch({{1, 1, 1}}, {ChangeOp::kInsert}), &sink).ok());
  ASSERT_TRUE((*made)->ApplyChanges(0, MakeBatch({{1, 1, 2}, {2, 1, 1}},
                                                 {ChangeOp::kDelete, ChangeOp::kDelete}),
                                    &sink)
                  .ok());
  EXPECT_EQ((*made)->ignored_retractions(), 2);
  EXPECT_EQ(sink.state.size(), 1u);
}

TEST(OverAggregate, AppendOnlyInputRefusesRetractions) {
  OverAggregateOptions o = Options(1, false);
  o.append_only_input = true;
  auto made = OverAggregate::Make(o);
  ASSERT_TRUE(made.ok());
  Collector sink;
  const Status st = (*made)->ApplyChanges(0, MakeBatch({{1, 1, 1}}, {ChangeOp::kDelete}), &sink);
  EXPECT_EQ(st.code(), StatusCode::kNotImplemented) << st.ToString();
  EXPECT_EQ((*made)->stored_rows(), 0);
}

TEST(OverAggregate, BadOptionsAreInvalid) {
  OverAggregateOptions o = Options(1, false);
  o.order.clear();
  EXPECT_FALSE(OverAggregate::Make(o).ok());
  o = Options(1, true);
  EXPECT_FALSE(OverAggregate::Make(o).ok());  // RANGE needs UNBOUNDED PRECEDING
  o = Options(1, false);
  o.aggregates[1].arg_column = 7;
  EXPECT_FALSE(OverAggregate::Make(o).ok());
  o = Options(1, false);
  o.aggregates[1].name = "p";
  const auto r = OverAggregate::Make(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'p'"), std::string::npos) << r.status().ToString();
}

TEST(OverAggregate, RestoreRefusesAnotherFrame) {
  auto a = OverAggregate::Make(Options(1, false));
  auto b = OverAggregate::Make(Options(2, false));
  ASSERT_TRUE(a.ok() && b.ok());
  StateWriter w;
  ASSERT_TRUE((*a)->Snapshot(&w).ok());
  const std::string snap = w.Finish();
  auto reader = StateReader::Open(snap, "test");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*b)->Restore(&*reader).code(), StatusCode::kInvalid);
}

}  // namespace
}  // namespace sluice::stream
