// The metric sets every component records into. Names, labels and meanings are listed in
// docs/observability.md; keep the two in step.
//
// Every Make() accepts a null registry and then records into DiscardRegistry(), so
// components never null-check their metrics. The returned pointers are owned by the
// registry and stay valid for its lifetime; updating them is lock-free.
#pragma once

#include <string>

#include "observe/metrics.h"

namespace sluice::observe {

// Per source (label source=<name>).
struct SourceMetrics {
  Counter* records = nullptr;  // sluice_source_records_total: records read
  Counter* bytes = nullptr;    // sluice_source_bytes_total: bytes of the batches read
  Counter* errors = nullptr;   // sluice_source_errors_total: bad records in its data
  static SourceMetrics Make(MetricsRegistry* registry, const std::string& source);
};

// Per operator (query) of a pipeline (labels pipeline=, operator=).
struct OperatorMetrics {
  Counter* records_in = nullptr;   // sluice_operator_records_in_total
  Counter* records_out = nullptr;  // sluice_operator_records_out_total
  Counter* bytes_in = nullptr;     // sluice_operator_bytes_in_total: bytes of its input batches
  Counter* bytes_out = nullptr;    // sluice_operator_bytes_out_total: bytes of its output batches
  Counter* errors = nullptr;       // sluice_operator_errors_total: rows it could not evaluate
  static OperatorMetrics Make(MetricsRegistry* registry, const std::string& pipeline,
                              const std::string& op);
};

// Per sink (label sink=<name>).
struct SinkMetrics {
  Counter* records = nullptr;  // sluice_sink_records_total: records written
  Counter* bytes = nullptr;    // sluice_sink_bytes_total
  Counter* errors = nullptr;   // sluice_sink_errors_total: failed writes
  static SinkMetrics Make(MetricsRegistry* registry, const std::string& sink);
};

// sluice_batch_latency_seconds{pipeline=}: seconds from a batch leaving the source to its
// results being written by the sinks (DefaultLatencyBuckets()).
Histogram* BatchLatencyHistogram(MetricsRegistry* registry, const std::string& pipeline);

}  // namespace sluice::observe
