#include "observe/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "observe/log.h"

namespace sluice::observe {

// ---------------------------------------------------------------------------------------
// Metric types

void Counter::Add(double v) {
  if (!(v > 0)) return;  // also drops NaN
  constexpr double kExactLimit = 9007199254740992.0;  // 2^53
  if (v < kExactLimit && v == std::floor(v)) {
    ints_.fetch_add(static_cast<int64_t>(v), std::memory_order_relaxed);
  } else {
    fractions_.fetch_add(v, std::memory_order_relaxed);
  }
}

double Counter::value() const {
  return static_cast<double>(ints_.load(std::memory_order_relaxed)) +
         fractions_.load(std::memory_order_relaxed);
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  if (!(start > 0) || !(factor > 1)) return out;
  double b = start;
  for (int i = 0; i < count; ++i) {
    out.push_back(b);
    b *= factor;
  }
  return out;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new Cell[bounds_.size() + 1]) {}

void Histogram::Observe(double v) {
  if (std::isnan(v)) return;
  // The first bound >= v; bounds_.size() (the +Inf bucket) when v is above them all.
  const size_t i =
      static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  counts_[i].value.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

uint64_t Histogram::count() const {
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) total += bucket_count(i);
  return total;
}

const char* MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Like Go's strconv.FormatFloat(v, 'g', -1, 64), which Prometheus clients use: the
  // shortest exact digits, in plain notation for exponents from -4 to 20.
  char buf[400];
  auto sci = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  if (sci.ec != std::errc()) return "NaN";
  const char* e = std::find(buf, sci.ptr, 'e');
  int exponent = 0;
  if (e != sci.ptr) {
    const char* digits = e + 1 < sci.ptr && e[1] == '+' ? e + 2 : e + 1;
    std::from_chars(digits, sci.ptr, exponent);
  }
  if (exponent < -4 || exponent >= 21) return std::string(buf, static_cast<size_t>(sci.ptr - buf));
  auto fixed = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  if (fixed.ec != std::errc()) return "NaN";
  return std::string(buf, static_cast<size_t>(fixed.ptr - buf));
}

// ---------------------------------------------------------------------------------------
// Validation

namespace {

bool IsNameChar(char c, bool first, bool allow_colon) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (allow_colon && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(),
                                                suffix.data(), suffix.size()) == 0;
}

// Returns why `name` is not a valid sluice metric name of `type`, or "" when it is.
std::string CheckMetricName(const std::string& name, MetricType type) {
  if (name.rfind("sluice_", 0) != 0) return "metric names start with 'sluice_'";
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, /*allow_colon=*/true)) {
      return "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*";
    }
  }
  const bool total = EndsWith(name, "_total");
  if (type == MetricType::kCounter && !total) return "counter names end in '_total'";
  if (type != MetricType::kCounter && total) return "only counter names end in '_total'";
  if (type == MetricType::kHistogram &&
      (EndsWith(name, "_bucket") || EndsWith(name, "_sum") || EndsWith(name, "_count"))) {
    return "histogram names must not end in _bucket, _sum or _count";
  }
  // Prometheus wants base units: seconds and bytes.
  static constexpr std::string_view kNonBaseUnits[] = {
      "_milliseconds", "_microseconds", "_nanoseconds", "_ms",      "_minutes",
      "_hours",        "_kilobytes",    "_megabytes",   "_gigabytes"};
  for (std::string_view unit : kNonBaseUnits) {
    const size_t pos = name.find(unit);
    if (pos != std::string::npos &&
        (pos + unit.size() == name.size() || name[pos + unit.size()] == '_')) {
      return "use base units (_seconds, _bytes), not '" + std::string(unit.substr(1)) + "'";
    }
  }
  return "";
}

std::string CheckLabels(const Labels& sorted, MetricType type) {
  for (size_t i = 0; i < sorted.size(); ++i) {
    const std::string& n = sorted[i].first;
    bool ok = !n.empty();
    for (size_t j = 0; ok && j < n.size(); ++j) ok = IsNameChar(n[j], j == 0, false);
    if (!ok) return "label name '" + n + "' does not match [a-zA-Z_][a-zA-Z0-9_]*";
    if (n.rfind("__", 0) == 0) return "label names starting with '__' are reserved";
    if (type == MetricType::kHistogram && n == "le") return "'le' is reserved for histograms";
    if (i > 0 && sorted[i - 1].first == n) return "label '" + n + "' given twice";
  }
  return "";
}

std::string CheckBuckets(const std::vector<double>& buckets) {
  for (size_t i = 0; i < buckets.size(); ++i) {
    if (!std::isfinite(buckets[i])) return "bucket bounds must be finite (+Inf is implicit)";
    if (i > 0 && !(buckets[i - 1] < buckets[i])) {
      return "bucket bounds must be strictly increasing";
    }
  }
  return "";
}

void AppendEscapedHelp(std::string* out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

void AppendLabelValue(std::string* out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '"') {
      out->append("\\\"");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Registry

struct MetricsRegistry::Series {
  Labels labels;
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
  std::function<double()> read;  // callback gauges only
};

struct MetricsRegistry::Family {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;
  std::vector<double> buckets;  // histograms only
  std::map<Labels, std::unique_ptr<Series>> series;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

void MetricsRegistry::RecordError(std::string message) const {
  LogError("metric registration rejected (a bug in sluice; the metric is not exported)",
           {{"error", message}});
  errors_.push_back(std::move(message));
}

MetricsRegistry::Series* MetricsRegistry::FindOrCreate(std::string name, std::string help,
                                                       MetricType type, Labels labels,
                                                       const std::vector<double>* buckets,
                                                       bool callback) {
  std::sort(labels.begin(), labels.end());
  auto fail = [&](const std::string& why) -> Series* {
    RecordError("metric '" + name + "': " + why);
    return nullptr;
  };
  std::string why = CheckMetricName(name, type);
  if (why.empty()) why = CheckLabels(labels, type);
  if (why.empty() && buckets != nullptr) why = CheckBuckets(*buckets);
  if (!why.empty()) return fail(why);

  auto it = families_.find(name);
  if (it == families_.end()) {
    auto family = std::make_unique<Family>();
    family->name = name;
    family->help = std::move(help);
    family->type = type;
    if (buckets != nullptr) family->buckets = *buckets;
    it = families_.emplace(name, std::move(family)).first;
  }
  Family& family = *it->second;
  if (family.type != type) {
    return fail(std::string("already registered as a ") + MetricTypeName(family.type) +
                ", not a " + MetricTypeName(type));
  }
  if (buckets != nullptr && family.buckets != *buckets) {
    return fail("already registered with other buckets");
  }
  auto sit = family.series.find(labels);
  if (sit != family.series.end()) {
    Series* s = sit->second.get();
    if (static_cast<bool>(s->read) != callback) {
      return fail(callback ? "already registered as a plain gauge"
                           : "already registered as a callback gauge");
    }
    return s;
  }
  auto series = std::make_unique<Series>();
  series->labels = labels;
  switch (type) {
    case MetricType::kCounter: series->counter = std::make_unique<Counter>(); break;
    case MetricType::kGauge:
      if (!callback) series->gauge = std::make_unique<Gauge>();
      break;
    case MetricType::kHistogram:
      series->histogram = std::make_unique<Histogram>(family.buckets);
      break;
  }
  Series* raw = series.get();
  family.series.emplace(std::move(labels), std::move(series));
  return raw;
}

Counter* MetricsRegistry::GetCounter(std::string name, std::string help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Series* s = FindOrCreate(std::move(name), std::move(help), MetricType::kCounter,
                           std::move(labels), nullptr, false);
  if (s != nullptr) return s->counter.get();
  unexported_counters_.push_back(std::make_unique<Counter>());
  return unexported_counters_.back().get();
}

Gauge* MetricsRegistry::GetGauge(std::string name, std::string help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Series* s = FindOrCreate(std::move(name), std::move(help), MetricType::kGauge,
                           std::move(labels), nullptr, false);
  if (s != nullptr) return s->gauge.get();
  unexported_gauges_.push_back(std::make_unique<Gauge>());
  return unexported_gauges_.back().get();
}

Histogram* MetricsRegistry::GetHistogram(std::string name, std::string help, Labels labels,
                                         std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  Series* s = FindOrCreate(std::move(name), std::move(help), MetricType::kHistogram,
                           std::move(labels), &buckets, false);
  if (s != nullptr) return s->histogram.get();
  // Keep only valid bounds so the unexported histogram still works.
  std::vector<double> usable;
  for (double b : buckets) {
    if (std::isfinite(b) && (usable.empty() || usable.back() < b)) usable.push_back(b);
  }
  unexported_histograms_.push_back(std::make_unique<Histogram>(std::move(usable)));
  return unexported_histograms_.back().get();
}

bool MetricsRegistry::RegisterCallbackGauge(std::string name, std::string help, Labels labels,
                                            std::function<double()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!read) {
    RecordError("metric '" + name + "': callback gauge without a callback");
    return false;
  }
  Series* s = FindOrCreate(std::move(name), std::move(help), MetricType::kGauge,
                           std::move(labels), nullptr, true);
  if (s == nullptr) return false;
  s->read = std::move(read);
  return true;
}

void MetricsRegistry::RemoveCallbackGauge(const std::string& name, Labels labels) {
  std::sort(labels.begin(), labels.end());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return;
  auto sit = it->second->series.find(labels);
  if (sit == it->second->series.end() || !sit->second->read) return;
  it->second->series.erase(sit);
  if (it->second->series.empty()) families_.erase(it);
}

std::vector<std::pair<const MetricsRegistry::Family*, std::vector<Sample>>>
MetricsRegistry::CollectLocked() const {
  std::vector<std::pair<const Family*, std::vector<Sample>>> out;
  out.reserve(families_.size());
  for (const auto& [name, family] : families_) {
    std::vector<Sample> samples;
    for (const auto& [labels, s] : family->series) {
      switch (family->type) {
        case MetricType::kCounter: samples.push_back({name, labels, s->counter->value()}); break;
        case MetricType::kGauge:
          samples.push_back({name, labels, s->read ? s->read() : s->gauge->value()});
          break;
        case MetricType::kHistogram: {
          const Histogram& h = *s->histogram;
          uint64_t cumulative = 0;
          for (size_t i = 0; i <= h.bounds().size(); ++i) {
            cumulative += h.bucket_count(i);
            Labels with_le = labels;
            with_le.emplace_back("le", i < h.bounds().size() ? FormatMetricValue(h.bounds()[i])
                                                             : "+Inf");
            samples.push_back({name + "_bucket", std::move(with_le),
                               static_cast<double>(cumulative)});
          }
          samples.push_back({name + "_sum", labels, h.sum()});
          // The count is the +Inf bucket, so the two always agree in one scrape.
          samples.push_back({name + "_count", labels, static_cast<double>(cumulative)});
          break;
        }
      }
    }
    out.emplace_back(family.get(), std::move(samples));
  }
  return out;
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [family, samples] : CollectLocked()) {
    out.append("# HELP ").append(family->name).push_back(' ');
    AppendEscapedHelp(&out, family->help);
    out.append("\n# TYPE ").append(family->name).push_back(' ');
    out.append(MetricTypeName(family->type)).push_back('\n');
    for (const Sample& s : samples) {
      out.append(s.name);
      if (!s.labels.empty()) {
        out.push_back('{');
        for (size_t i = 0; i < s.labels.size(); ++i) {
          if (i > 0) out.push_back(',');
          out.append(s.labels[i].first).append("=\"");
          AppendLabelValue(&out, s.labels[i].second);
          out.push_back('"');
        }
        out.push_back('}');
      }
      out.push_back(' ');
      out.append(FormatMetricValue(s.value)).push_back('\n');
    }
  }
  return out;
}

std::vector<Sample> MetricsRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Sample> out;
  for (auto& [family, samples] : CollectLocked()) {
    for (Sample& s : samples) out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::string> MetricsRegistry::registration_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

MetricsRegistry* DiscardRegistry() {
  static MetricsRegistry* registry = new MetricsRegistry();  // leaked: used until exit
  return registry;
}

}  // namespace sluice::observe
