// ConsoleSink: the `console` sink. Prints rows to stdout (or any std::ostream) as NDJSON
// lines (`format: ndjson`, the default) or as aligned text with a header line per batch
// (`format: table`). After `max_rows` rows (default: no limit) it prints one line
// "... further rows not shown" and nothing more.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>

#include "connectors/connector.h"
#include "core/config.h"

namespace sluice::connectors {

struct ConsoleSinkOptions {
  bool table = false;      // aligned columns instead of NDJSON
  int64_t max_rows = -1;   // rows printed at most; -1 = unlimited
};

class ConsoleSink final : public Sink {
 public:
  // `out` (borrowed, must outlive the sink) receives the text; nullptr means std::cout.
  explicit ConsoleSink(ConsoleSinkOptions options, std::ostream* out = nullptr);

  Status Open(const ConnectorContext& ctx, const SchemaPtr& schema) override;
  Status Write(const RecordBatch& batch) override;
  Status Flush() override;
  Status Close() override;

  int64_t rows_printed() const { return printed_; }

 private:
  void WriteTable(const RecordBatch& batch, int64_t rows);

  ConsoleSinkOptions options_;
  std::ostream* out_;
  int64_t printed_ = 0;
  bool truncated_ = false;
};

std::unique_ptr<Sink> MakeConsoleSink(OptionReader& options, const ConnectorContext& ctx);

}  // namespace sluice::connectors
