#include "observe/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <thread>
#include <vector>

#include "observe/log.h"
#include "observe/standard_metrics.h"

namespace sluice::observe {
namespace {

// Captures log output so rejected registrations do not clutter the test output and can
// be checked.
class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LogOptions opts;
    opts.format = LogFormat::kJson;
    opts.stream = &log_;
    ASSERT_TRUE(InitLogging(opts).ok());
  }
  void TearDown() override { ASSERT_TRUE(InitLogging(LogOptions{}).ok()); }

  std::ostringstream log_;
};

TEST_F(MetricsTest, CounterAddsAndNeverGoesDown) {
  Counter c;
  c.Add(1);
  c.Add(int64_t{41});
  c.Add(size_t{2});
  c.Add(0.5);
  c.Increment();
  c.Add(-5);
  c.Add(-0.5);
  c.Add(std::nan(""));
  EXPECT_DOUBLE_EQ(c.value(), 45.5);
}

TEST_F(MetricsTest, GaugeSetAndAdd) {
  Gauge g;
  g.Set(10);
  g.Add(-2.5);
  EXPECT_DOUBLE_EQ(g.value(), 7.5);
}

TEST_F(MetricsTest, SameNameAndLabelsGiveTheSameObject) {
  MetricsRegistry r;
  Counter* a = r.GetCounter("sluice_x_total", "X.", {{"a", "1"}, {"b", "2"}});
  Counter* b = r.GetCounter("sluice_x_total", "X.", {{"b", "2"}, {"a", "1"}});
  Counter* other = r.GetCounter("sluice_x_total", "X.", {{"a", "1"}, {"b", "3"}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  EXPECT_EQ(r.GetGauge("sluice_g", "G."), r.GetGauge("sluice_g", "G."));
  EXPECT_EQ(r.GetHistogram("sluice_h_seconds", "H."), r.GetHistogram("sluice_h_seconds", "H."));
  EXPECT_TRUE(r.registration_errors().empty());
}

TEST_F(MetricsTest, ConcurrentIncrementsGiveTheExactTotal) {
  MetricsRegistry r;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&r] {
      // Each thread looks the metric up itself: registration is thread-safe too.
      Counter* c = r.GetCounter("sluice_hits_total", "Hits.");
      Counter* f = r.GetCounter("sluice_halves_total", "Halves.");
      Histogram* h = r.GetHistogram("sluice_lat_seconds", "Latency.", {}, {1, 2});
      for (int i = 0; i < kPerThread; ++i) {
        c->Increment();
        f->Add(0.25);
        h->Observe(i % 3);  // 0, 1, 2
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(r.GetCounter("sluice_hits_total", "Hits.")->value(), kThreads * kPerThread);
  EXPECT_EQ(r.GetCounter("sluice_halves_total", "Halves.")->value(), kThreads * kPerThread / 4);
  Histogram* h = r.GetHistogram("sluice_lat_seconds", "Latency.", {}, {1, 2});
  EXPECT_EQ(h->count(), static_cast<uint64_t>(kThreads * kPerThread));
  // 100000 = 33334 zeros + 33333 ones + 33333 twos per thread.
  EXPECT_EQ(h->bucket_count(0), 4u * (33334 + 33333));
  EXPECT_EQ(h->bucket_count(1), 4u * 33333);
  EXPECT_EQ(h->bucket_count(2), 0u);
  EXPECT_DOUBLE_EQ(h->sum(), 4.0 * (33333 + 2 * 33333));
}

TEST_F(MetricsTest, HistogramBucketsUseLessOrEqual) {
  Histogram h({0.25, 1});
  h.Observe(0.125);
  h.Observe(0.25);  // exactly on a bound: counts in that bucket
  h.Observe(0.5);
  h.Observe(4);     // above every bound: +Inf
  h.Observe(-1);    // below every bound: first bucket
  h.Observe(std::nan(""));
  EXPECT_EQ(h.bucket_count(0), 3u);
  EXPECT_EQ(h.bucket_count(1), 1u);
  EXPECT_EQ(h.bucket_count(2), 1u);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.sum(), 3.875);
}

TEST_F(MetricsTest, RendersTheExpositionFormatExactly) {
  MetricsRegistry r;
  r.GetCounter("sluice_c_total", "Counts things.", {{"source", "b"}, {"sink", "x"}})->Add(2);
  r.GetCounter("sluice_c_total", "Counts things.", {{"source", "a"}, {"sink", "x"}})->Add(1);
  r.GetGauge("sluice_a_bytes", "A gauge.")->Set(3.5);
  Histogram* h = r.GetHistogram("sluice_b_seconds", "Latency.", {{"pipeline", "p"}}, {0.25, 1});
  for (double v : {0.125, 0.25, 0.5, 4.0}) h->Observe(v);
  const std::string expected =
      "# HELP sluice_a_bytes A gauge.\n"
      "# TYPE sluice_a_bytes gauge\n"
      "sluice_a_bytes 3.5\n"
      "# HELP sluice_b_seconds Latency.\n"
      "# TYPE sluice_b_seconds histogram\n"
      "sluice_b_seconds_bucket{pipeline=\"p\",le=\"0.25\"} 2\n"
      "sluice_b_seconds_bucket{pipeline=\"p\",le=\"1\"} 3\n"
      "sluice_b_seconds_bucket{pipeline=\"p\",le=\"+Inf\"} 4\n"
      "sluice_b_seconds_sum{pipeline=\"p\"} 4.875\n"
      "sluice_b_seconds_count{pipeline=\"p\"} 4\n"
      "# HELP sluice_c_total Counts things.\n"
      "# TYPE sluice_c_total counter\n"
      "sluice_c_total{sink=\"x\",source=\"a\"} 1\n"
      "sluice_c_total{sink=\"x\",source=\"b\"} 2\n";
  EXPECT_EQ(r.RenderPrometheus(), expected);
  EXPECT_EQ(MetricsRegistry().RenderPrometheus(), "");
}

TEST_F(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry r;
  r.GetCounter("sluice_e_total", "Line one\nback\\slash \"quotes\" stay.",
               {{"source", "a\"b\\c\nd"}})
      ->Increment();
  EXPECT_EQ(r.RenderPrometheus(),
            "# HELP sluice_e_total Line one\\nback\\\\slash \"quotes\" stay.\n"
            "# TYPE sluice_e_total counter\n"
            "sluice_e_total{source=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST_F(MetricsTest, FormatsValues) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(0.0005), "0.0005");
  EXPECT_EQ(FormatMetricValue(0.00005), "5e-05");
  EXPECT_EQ(FormatMetricValue(123456789012), "123456789012");
  EXPECT_EQ(FormatMetricValue(1e20), "100000000000000000000");
  EXPECT_EQ(FormatMetricValue(1e21), "1e+21");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(-2.5), "-2.5");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
}

TEST_F(MetricsTest, InvalidRegistrationsReturnWorkingUnexportedMetrics) {
  MetricsRegistry r;
  r.GetCounter("sluice_ok_total", "Fine.")->Increment();
  r.GetHistogram("sluice_ok_seconds", "Fine.", {}, {1, 2});
  const std::string before = r.RenderPrometheus();

  std::vector<Counter*> bad_counters = {
      r.GetCounter("records_total", "No prefix."),
      r.GetCounter("sluice_records", "No _total."),
      r.GetCounter("sluice_bad-name_total", "Dash."),
      r.GetCounter("sluice_x_total", "Bad label.", {{"0abc", "v"}}),
      r.GetCounter("sluice_x_total", "Reserved label.", {{"__name", "v"}}),
      r.GetCounter("sluice_x_total", "Twice.", {{"a", "1"}, {"a", "2"}}),
  };
  Gauge* bad_gauge = r.GetGauge("sluice_g_total", "Gauge with _total.");
  Gauge* ms = r.GetGauge("sluice_wait_milliseconds", "Not a base unit.");
  Gauge* clash = r.GetGauge("sluice_ok_seconds", "Type clash.");
  Histogram* le = r.GetHistogram("sluice_h_seconds", "le label.", {{"le", "1"}});
  Histogram* order = r.GetHistogram("sluice_h2_seconds", "Bad bounds.", {}, {2, 1, 3});
  Histogram* other = r.GetHistogram("sluice_ok_seconds", "Other bounds.", {}, {1, 5});
  EXPECT_FALSE(r.RegisterCallbackGauge("sluice_ok_total", "Clash.", {}, [] { return 1.0; }));

  for (Counter* c : bad_counters) {
    ASSERT_NE(c, nullptr);
    c->Add(3);
    EXPECT_EQ(c->value(), 3);
  }
  for (Gauge* g : {bad_gauge, ms, clash}) {
    ASSERT_NE(g, nullptr);
    g->Set(1);
  }
  for (Histogram* h : {le, order, other}) {
    ASSERT_NE(h, nullptr);
    h->Observe(1.5);
    EXPECT_EQ(h->count(), 1u);
  }
  // The invalid bounds were reduced to a valid prefix: {2, 3}.
  EXPECT_EQ(order->bounds(), (std::vector<double>{2, 3}));

  EXPECT_EQ(r.RenderPrometheus(), before);  // nothing invalid is exported
  const std::vector<std::string> errors = r.registration_errors();
  ASSERT_EQ(errors.size(), 13u);
  EXPECT_NE(errors[0].find("start with 'sluice_'"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("end in '_total'"), std::string::npos) << errors[1];
  EXPECT_NE(errors[5].find("given twice"), std::string::npos) << errors[5];
  EXPECT_NE(errors[6].find("only counter names"), std::string::npos) << errors[6];
  EXPECT_NE(errors[7].find("base units"), std::string::npos) << errors[7];
  EXPECT_NE(errors[8].find("already registered as a histogram"), std::string::npos) << errors[8];
  EXPECT_NE(errors[9].find("'le' is reserved"), std::string::npos) << errors[9];
  EXPECT_NE(errors[10].find("strictly increasing"), std::string::npos) << errors[10];
  EXPECT_NE(errors[11].find("other buckets"), std::string::npos) << errors[11];
  EXPECT_NE(log_.str().find("metric registration rejected"), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find("sluice_records"), std::string::npos) << log_.str();
}

TEST_F(MetricsTest, CallbackGaugesAreReadAtRenderTime) {
  MetricsRegistry r;
  double lag = 5;
  ASSERT_TRUE(r.RegisterCallbackGauge("sluice_lag_records", "Lag.", {{"source", "s"}},
                                      [&lag] { return lag; }));
  EXPECT_NE(r.RenderPrometheus().find("sluice_lag_records{source=\"s\"} 5\n"), std::string::npos);
  lag = 7;
  EXPECT_NE(r.RenderPrometheus().find("sluice_lag_records{source=\"s\"} 7\n"), std::string::npos);
  // Registering again replaces the callback.
  ASSERT_TRUE(r.RegisterCallbackGauge("sluice_lag_records", "Lag.", {{"source", "s"}},
                                      [] { return 1.0; }));
  EXPECT_NE(r.RenderPrometheus().find("sluice_lag_records{source=\"s\"} 1\n"), std::string::npos);
  // A plain gauge cannot share the series.
  Gauge* g = r.GetGauge("sluice_lag_records", "Lag.", {{"source", "s"}});
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(r.registration_errors().size(), 1u);
  r.RemoveCallbackGauge("sluice_lag_records", {{"source", "s"}});
  EXPECT_EQ(r.RenderPrometheus(), "");
}

TEST_F(MetricsTest, SnapshotListsEverySample) {
  MetricsRegistry r;
  r.GetCounter("sluice_n_total", "N.", {{"k", "v"}})->Add(3);
  r.GetHistogram("sluice_t_seconds", "T.", {}, {1})->Observe(0.5);
  const std::vector<Sample> s = r.Snapshot();
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].name, "sluice_n_total");
  EXPECT_EQ(s[0].labels, (Labels{{"k", "v"}}));
  EXPECT_EQ(s[0].value, 3);
  EXPECT_EQ(s[1].name, "sluice_t_seconds_bucket");
  EXPECT_EQ(s[1].labels, (Labels{{"le", "1"}}));
  EXPECT_EQ(s[1].value, 1);
  EXPECT_EQ(s[2].labels, (Labels{{"le", "+Inf"}}));
  EXPECT_EQ(s[3].name, "sluice_t_seconds_sum");
  EXPECT_EQ(s[3].value, 0.5);
  EXPECT_EQ(s[4].name, "sluice_t_seconds_count");
  EXPECT_EQ(s[4].value, 1);
}

TEST_F(MetricsTest, StandardMetricSetsUseTheDocumentedNames) {
  MetricsRegistry r;
  SourceMetrics src = SourceMetrics::Make(&r, "shop");
  OperatorMetrics op = OperatorMetrics::Make(&r, "shop", "orders");
  SinkMetrics sink = SinkMetrics::Make(&r, "orders");
  Histogram* lat = BatchLatencyHistogram(&r, "shop");
  src.records->Add(10);
  src.bytes->Add(100);
  src.errors->Add(1);
  op.records_in->Add(10);
  op.records_out->Add(9);
  op.errors->Add(1);
  sink.records->Add(9);
  sink.bytes->Add(90);
  sink.errors->Add(0);
  lat->Observe(0.002);
  const std::string text = r.RenderPrometheus();
  for (const char* line : {
           "sluice_source_records_total{source=\"shop\"} 10\n",
           "sluice_source_bytes_total{source=\"shop\"} 100\n",
           "sluice_source_errors_total{source=\"shop\"} 1\n",
           "sluice_operator_records_in_total{operator=\"orders\",pipeline=\"shop\"} 10\n",
           "sluice_operator_records_out_total{operator=\"orders\",pipeline=\"shop\"} 9\n",
           "sluice_operator_errors_total{operator=\"orders\",pipeline=\"shop\"} 1\n",
           "sluice_sink_records_total{sink=\"orders\"} 9\n",
           "sluice_sink_bytes_total{sink=\"orders\"} 90\n",
           "sluice_sink_errors_total{sink=\"orders\"} 0\n",
           "sluice_batch_latency_seconds_bucket{pipeline=\"shop\",le=\"0.0025\"} 1\n",
           "sluice_batch_latency_seconds_count{pipeline=\"shop\"} 1\n",
           "# TYPE sluice_batch_latency_seconds histogram\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  EXPECT_TRUE(r.registration_errors().empty());
  // The same component asking again gets the same counters.
  EXPECT_EQ(SourceMetrics::Make(&r, "shop").records, src.records);
}

TEST_F(MetricsTest, StandardMetricSetsWorkWithoutARegistry) {
  SourceMetrics src = SourceMetrics::Make(nullptr, "metrics_test_null");
  OperatorMetrics op = OperatorMetrics::Make(nullptr, "p", "q");
  SinkMetrics sink = SinkMetrics::Make(nullptr, "s");
  Histogram* lat = BatchLatencyHistogram(nullptr, "p");
  ASSERT_NE(src.records, nullptr);
  ASSERT_NE(op.errors, nullptr);
  ASSERT_NE(sink.bytes, nullptr);
  ASSERT_NE(lat, nullptr);
  // The discard registry is process-wide: compare with the value before.
  const double before = src.records->value();
  src.records->Add(5);
  EXPECT_EQ(src.records->value(), before + 5);
  lat->Observe(1);
  EXPECT_GE(lat->count(), 1u);
}

TEST_F(MetricsTest, BucketHelpers) {
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_TRUE(ExponentialBuckets(0, 2, 4).empty());
  const std::vector<double> d = DefaultLatencyBuckets();
  ASSERT_FALSE(d.empty());
  for (size_t i = 1; i < d.size(); ++i) EXPECT_LT(d[i - 1], d[i]);
}

}  // namespace
}  // namespace sluice::observe
