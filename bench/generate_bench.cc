#include "generate_bench.h"

#include <vector>

#include "connectors/generator_source.h"
#include "core/config.h"
#include "core/time.h"

namespace sluice::bench {

Result<BenchResult> RunGenerateBench(const std::string& generator, int64_t events,
                                     uint64_t seed) {
  if (generator != "shop" && generator != "nexmark") {
    return Status::Invalid("unknown generator '" + generator + "'; use shop or nexmark");
  }
  if (events <= 0) return Status::Invalid("the number of events must be positive");
  ConfigValue opts = ConfigValue::Map();
  opts.Set("generator", ConfigValue::Scalar(generator));
  opts.Set("seed", ConfigValue::Scalar(std::to_string(static_cast<int64_t>(seed))));
  opts.Set("max_events", ConfigValue::Scalar(std::to_string(events)));
  Diagnostics diag;
  OptionReader reader(opts, &diag);
  connectors::ConnectorContext ctx;
  ctx.name = "bench";
  std::unique_ptr<connectors::Source> source = connectors::MakeGeneratorSource(reader, ctx);
  reader.Finish();
  if (!source || diag.has_errors()) return diag.ToStatus();
  SLUICE_RETURN_NOT_OK(source->Open(ctx));

  BenchResult r;
  r.name = "generate/" + generator;
  std::vector<connectors::SourceBatch> batches;
  const int64_t start = MonotonicNanos();
  while (r.events < events) {
    batches.clear();
    SLUICE_ASSIGN_OR_RETURN(connectors::ReadState state, source->Next(&batches, connectors::kNoRecordLimit));
    for (const auto& b : batches) {
      r.events += b.batch->num_rows();
      r.bytes += b.batch->ByteSize();
    }
    if (state == connectors::ReadState::kEnd) break;
  }
  r.seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
  SLUICE_RETURN_NOT_OK(source->Close());
  r.per_core_rate = r.seconds > 0 ? static_cast<double>(r.events) / r.seconds : 0;
  r.rate_unit = "events_per_sec_per_core";
  r.peak_rss_bytes = PeakRssBytes();
  return r;
}

}  // namespace sluice::bench
