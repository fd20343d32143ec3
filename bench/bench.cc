#include "bench.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace sluice::bench {

namespace {
std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}
}  // namespace

std::string ToJson(const BenchResult& r) {
  std::ostringstream o;
  o << "{\"name\":\"" << r.name << "\",\"events\":" << r.events << ",\"bytes\":" << r.bytes
    << ",\"seconds\":" << Num(r.seconds) << ",\"" << r.rate_unit << "\":" << Num(r.per_core_rate)
    << ",\"peak_rss_bytes\":" << r.peak_rss_bytes;
  for (const auto& [k, v] : r.extra) o << ",\"" << k << "\":" << Num(v);
  o << "}";
  return o.str();
}

std::string ToText(const BenchResult& r) {
  std::ostringstream o;
  o << r.name << ": " << Num(r.per_core_rate) << " " << r.rate_unit << " (" << r.events
    << " events, " << r.bytes << " bytes, " << Num(r.seconds) << " s, peak RSS "
    << r.peak_rss_bytes / (1024 * 1024) << " MiB)";
  for (const auto& [k, v] : r.extra) o << " " << k << "=" << Num(v);
  return o.str();
}

int64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return 0;
}

void ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  if (out) out << "5";  // 5 = reset the peak RSS (VmHWM) to the current RSS
}

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

void Summarize(const std::vector<Repetition>& reps, double units, int64_t bytes,
               BenchResult* r) {
  std::vector<double> wall, cpu, rate, wall_rate, reference, ratio;
  const double mb = static_cast<double>(bytes) / 1e6;
  for (const Repetition& rep : reps) {
    wall.push_back(rep.wall_seconds);
    cpu.push_back(rep.cpu_seconds);
    rate.push_back(rep.cpu_seconds > 0 ? units / rep.cpu_seconds : 0);
    wall_rate.push_back(rep.wall_seconds > 0 ? units / rep.wall_seconds : 0);
    reference.push_back(rep.reference_cpu_seconds > 0 ? mb / rep.reference_cpu_seconds : 0);
    ratio.push_back(rep.cpu_seconds > 0 ? rep.reference_cpu_seconds / rep.cpu_seconds : 0);
  }
  r->seconds = Median(wall);
  r->per_core_rate = Median(rate);
  r->extra.emplace_back("repeat", static_cast<double>(reps.size()));
  r->extra.emplace_back("cpu_seconds", Median(cpu));
  r->extra.emplace_back("rate_min", rate.empty() ? 0 : *std::min_element(rate.begin(), rate.end()));
  r->extra.emplace_back("rate_max", rate.empty() ? 0 : *std::max_element(rate.begin(), rate.end()));
  r->extra.emplace_back("wall_rate", Median(wall_rate));
  r->extra.emplace_back("reference_mb_per_sec", Median(reference));
  r->extra.emplace_back("ratio_vs_reference", Median(ratio));
}

}  // namespace sluice::bench
