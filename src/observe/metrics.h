// Metrics: counters, gauges and histograms kept in a MetricsRegistry and exported in the
// Prometheus text exposition format (version 0.0.4).
//
// Registration (GetCounter, GetGauge, ...) takes a lock and is meant for set-up time; the
// returned objects are updated on hot paths without any lock (relaxed atomics).
//
// Metric names are chosen by sluice's code, never by users, so an invalid name is a bug:
// it is reported on stderr (and in registration_errors()) and the caller gets a working
// metric that is not exported, so the program keeps running. Label *values* may come from
// users (source and sink names) and are escaped on output.
#pragma once

#include <atomic>
#include <cstdint>
#include <concepts>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace sluice::observe {

// Label name/value pairs, e.g. {{"source", "shop"}}. Order does not matter: label sets
// are identified and rendered sorted by label name.
using Labels = std::vector<std::pair<std::string, std::string>>;

// A monotonic counter. Thread-safe, lock-free.
class alignas(64) Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Adds v. Negative and NaN values are ignored (a counter never goes down). Integral
  // values (the common case: records, bytes) take an exact integer fast path.
  void Add(double v);
  template <std::integral T>
  void Add(T v) {
    if (v > 0) ints_.fetch_add(static_cast<int64_t>(v), std::memory_order_relaxed);
  }
  void Increment() { ints_.fetch_add(1, std::memory_order_relaxed); }

  // The current total.
  double value() const;

 private:
  std::atomic<int64_t> ints_{0};
  std::atomic<double> fractions_{0.0};
};

// A value that goes up and down. Thread-safe, lock-free.
class alignas(64) Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Default histogram buckets for latencies in seconds: 0.5 ms .. 10 s.
std::vector<double> DefaultLatencyBuckets();
// `count` buckets start, start*factor, start*factor^2, ... (start > 0, factor > 1).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

// A histogram of observations with fixed upper bounds (Prometheus "le" semantics: an
// observation v falls into every bucket whose bound is >= v; +Inf is implicit).
// Observe is thread-safe and lock-free.
class Histogram {
 public:
  // `bounds` must be finite and strictly increasing (MetricsRegistry checks this).
  explicit Histogram(std::vector<double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Records one observation. NaN is ignored (it would poison the sum forever).
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations in bucket i alone (not cumulative); i == bounds().size() is the +Inf
  // bucket (observations above the last bound).
  uint64_t bucket_count(size_t i) const {
    return counts_[i].value.load(std::memory_order_relaxed);
  }
  // Number of observations (the sum of every bucket).
  uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) Cell {
    std::atomic<uint64_t> value{0};
  };
  std::vector<double> bounds_;
  std::unique_ptr<Cell[]> counts_;  // bounds_.size() + 1 cells
  std::atomic<double> sum_{0.0};
};

enum class MetricType { kCounter, kGauge, kHistogram };
const char* MetricTypeName(MetricType type);  // "counter", "gauge", "histogram"

// One exported sample, as it appears in the exposition: histograms give one sample per
// bucket (name_bucket with an "le" label), plus name_sum and name_count.
struct Sample {
  std::string name;
  Labels labels;  // sorted by label name; "le" last for buckets
  double value = 0;
};

// Owns metrics by (name, labels). Thread-safe: every method may be called from any thread.
// Metric objects live as long as the registry; their pointers are stable.
class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Returns the metric for (name, labels), creating it on first use; the same name and
  // labels always return the same object. Never returns null: on a programming error
  // (invalid name or label name, name already registered with another type or other
  // buckets, counter name not ending in _total, ...) the error is logged and an unexported
  // metric is returned. `help` is taken from the first registration of the name.
  Counter* GetCounter(std::string name, std::string help, Labels labels = {});
  Gauge* GetGauge(std::string name, std::string help, Labels labels = {});
  Histogram* GetHistogram(std::string name, std::string help, Labels labels = {},
                          std::vector<double> buckets = DefaultLatencyBuckets());

  // A gauge whose value is read from `read` each time metrics are rendered or
  // snapshotted (e.g. consumer lag). Registering the same name and labels again replaces
  // the callback. `read` runs with the registry's lock held: it must be fast and must not
  // call into this registry. Returns false (and logs) on a programming error as above.
  bool RegisterCallbackGauge(std::string name, std::string help, Labels labels,
                             std::function<double()> read);
  // Removes a callback gauge (call it before whatever `read` uses is destroyed).
  void RemoveCallbackGauge(const std::string& name, Labels labels);

  // The Prometheus text exposition (format 0.0.4): families sorted by name, series sorted
  // by labels, each family with "# HELP" and "# TYPE"; ends with a newline (or is empty).
  std::string RenderPrometheus() const;

  // Every exported sample, in the same order as RenderPrometheus().
  std::vector<Sample> Snapshot() const;

  // Messages for every rejected registration so far (also logged when they happen).
  std::vector<std::string> registration_errors() const;

 private:
  struct Series;
  struct Family;

  // Finds or creates the series; null (after recording the error) when invalid.
  Series* FindOrCreate(std::string name, std::string help, MetricType type, Labels labels,
                       const std::vector<double>* buckets, bool callback);
  void RecordError(std::string message) const;
  std::vector<std::pair<const Family*, std::vector<Sample>>> CollectLocked() const;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
  std::vector<std::unique_ptr<Counter>> unexported_counters_;
  std::vector<std::unique_ptr<Gauge>> unexported_gauges_;
  std::vector<std::unique_ptr<Histogram>> unexported_histograms_;
  mutable std::vector<std::string> errors_;
};

// A process-wide registry that nobody exports: what components record into when they
// were given no registry (unit tests), so they never need to null-check metrics.
MetricsRegistry* DiscardRegistry();

// Formats a sample value the way the exposition does: "42", "0.25", "+Inf", "-Inf", "NaN".
std::string FormatMetricValue(double v);

}  // namespace sluice::observe
