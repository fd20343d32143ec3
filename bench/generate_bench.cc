#include "generate_bench.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "bench_setup.h"
#include "core/time.h"

namespace sluice::bench {

namespace {

// The measured section: pulls `events` events; records the bytes of each Next call.
Status Generate(connectors::Source* source, int64_t events, BenchResult* r,
                std::vector<int64_t>* chunks, Repetition* rep) {
  std::vector<connectors::SourceBatch> batches;
  r->events = r->bytes = 0;
  chunks->clear();
  const int64_t start = MonotonicNanos();
  const double cpu_start = ProcessCpuSeconds();
  while (r->events < events) {
    batches.clear();
    SLUICE_ASSIGN_OR_RETURN(connectors::ReadState state,
                            source->Next(&batches, connectors::kNoRecordLimit));
    int64_t chunk = 0;
    for (const auto& b : batches) {
      r->events += b.batch->num_rows();
      chunk += b.batch->ByteSize();
    }
    r->bytes += chunk;
    chunks->push_back(chunk);
    if (state == connectors::ReadState::kEnd) break;
  }
  batches.clear();  // freeing the last batches belongs to the section like the others
  rep->cpu_seconds = ProcessCpuSeconds() - cpu_start;
  rep->wall_seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
  return Status::OK();
}

// The reference: the same bytes copied once, chunk by chunk, between two reused
// buffers (which stay in cache, as a batch being built does). Returns CPU seconds.
double CopyReference(const std::vector<int64_t>& chunks) {
  const int64_t largest = chunks.empty() ? 1 : *std::max_element(chunks.begin(), chunks.end());
  std::vector<uint8_t> src(static_cast<size_t>(std::max<int64_t>(largest, 1)), 0x5A);
  std::vector<uint8_t> dst(src.size());  // value-initialized: its pages are touched here
  const double cpu_start = ProcessCpuSeconds();
  for (int64_t n : chunks) {
    std::memcpy(dst.data(), src.data(), static_cast<size_t>(n));
    asm volatile("" : : "r"(dst.data()) : "memory");  // keep every copy
  }
  return ProcessCpuSeconds() - cpu_start;
}

}  // namespace

Result<BenchResult> RunGenerateBench(const std::string& generator, int64_t events, int repeat,
                                     uint64_t seed) {
  if (generator != "shop" && generator != "nexmark") {
    return Status::Invalid("unknown generator '" + generator + "'; use shop or nexmark");
  }
  if (events <= 0) return Status::Invalid("the number of events must be positive");
  if (repeat < 1) return Status::Invalid("--repeat must be at least 1");
  ResetPeakRss();

  BenchResult r;
  r.name = "generate/" + generator;
  r.rate_unit = "events_per_sec_per_core";
  std::vector<Repetition> reps;
  std::vector<int64_t> chunks;
  chunks.reserve(static_cast<size_t>(events / 1024 + 16));
  int64_t first_events = -1, first_bytes = -1;
  std::vector<double> output_rate;
  for (int i = 0; i < repeat; ++i) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<connectors::Source> source,
                            OpenGenerator(generator, seed, events));
    Repetition rep;
    SLUICE_RETURN_NOT_OK(Generate(source.get(), events, &r, &chunks, &rep));
    SLUICE_RETURN_NOT_OK(source->Close());
    if (first_events < 0) {
      first_events = r.events;
      first_bytes = r.bytes;
    } else if (r.events != first_events || r.bytes != first_bytes) {
      return Status::Internal("generate bench: repetition " + std::to_string(i + 1) +
                              " produced " + std::to_string(r.events) + " events / " +
                              std::to_string(r.bytes) + " bytes, the first " +
                              std::to_string(first_events) + " / " +
                              std::to_string(first_bytes) + "; the generator is not deterministic");
    }
    rep.reference_cpu_seconds = CopyReference(chunks);
    if (rep.cpu_seconds > 0) {
      output_rate.push_back(static_cast<double>(r.bytes) / 1e6 / rep.cpu_seconds);
    }
    reps.push_back(rep);
  }
  Summarize(reps, static_cast<double>(r.events), r.bytes, &r);
  r.extra.emplace_back("output_mb_per_sec_per_core", Median(output_rate));
  r.peak_rss_bytes = PeakRssBytes();
  return r;
}

}  // namespace sluice::bench
