#include "observe/standard_metrics.h"

namespace sluice::observe {

namespace {

MetricsRegistry* Or(MetricsRegistry* registry) {
  return registry != nullptr ? registry : DiscardRegistry();
}

}  // namespace

SourceMetrics SourceMetrics::Make(MetricsRegistry* registry, const std::string& source) {
  MetricsRegistry* r = Or(registry);
  const Labels labels = {{"source", source}};
  SourceMetrics m;
  m.records = r->GetCounter("sluice_source_records_total", "Records read from the source.",
                            labels);
  m.bytes = r->GetCounter("sluice_source_bytes_total",
                          "Bytes of the columnar batches read from the source.", labels);
  m.errors = r->GetCounter("sluice_source_errors_total",
                           "Bad records in the source's data: unreadable input and rows a query or sink rejected.",
                           labels);
  return m;
}

OperatorMetrics OperatorMetrics::Make(MetricsRegistry* registry, const std::string& pipeline,
                                      const std::string& op) {
  MetricsRegistry* r = Or(registry);
  const Labels labels = {{"pipeline", pipeline}, {"operator", op}};
  OperatorMetrics m;
  m.records_in = r->GetCounter("sluice_operator_records_in_total",
                               "Records given to the operator.", labels);
  m.records_out = r->GetCounter("sluice_operator_records_out_total",
                                "Records the operator produced.", labels);
  m.bytes_in = r->GetCounter("sluice_operator_bytes_in_total",
                             "Bytes of the batches given to the operator.", labels);
  m.bytes_out = r->GetCounter("sluice_operator_bytes_out_total",
                              "Bytes of the batches the operator produced.", labels);
  m.errors = r->GetCounter("sluice_operator_errors_total",
                           "Records the operator could not process (sent to bad records).",
                           labels);
  return m;
}

SinkMetrics SinkMetrics::Make(MetricsRegistry* registry, const std::string& sink) {
  MetricsRegistry* r = Or(registry);
  const Labels labels = {{"sink", sink}};
  SinkMetrics m;
  m.records = r->GetCounter("sluice_sink_records_total", "Records written to the sink.", labels);
  m.bytes = r->GetCounter("sluice_sink_bytes_total",
                          "Bytes of the columnar batches written to the sink.", labels);
  m.errors = r->GetCounter("sluice_sink_errors_total", "Writes to the sink that failed.", labels);
  return m;
}

Histogram* BatchLatencyHistogram(MetricsRegistry* registry, const std::string& pipeline) {
  return Or(registry)->GetHistogram(
      "sluice_batch_latency_seconds",
      "Seconds from a batch leaving the source to its results being written by the sinks.",
      {{"pipeline", pipeline}});
}

}  // namespace sluice::observe
