// FileSink: the `file` sink. Writes batches to one CSV or NDJSON file, in the text forms
// of text_value.h, so that the file source reads the file back to equal batches.
//
// Options: path (relative to the project; parent folders are created), format csv|ndjson
// (default from the extension), header (CSV, default true; written only when the file is
// new or empty), mode append|overwrite (default append).
// Write buffers bytes in memory (written out past 1 MiB); Flush writes and fsyncs.
#pragma once

#include <memory>
#include <string>

#include "connectors/connector.h"
#include "core/config.h"

namespace sluice::connectors {

struct FileSinkOptions {
  std::string path;           // absolute, or relative to the project dir given to Open
  std::string format = "csv";  // "csv" or "ndjson"
  bool header = true;          // CSV: write a header line to a new or empty file
  bool overwrite = false;      // truncate the file at Open instead of appending
  char delimiter = ',';        // CSV
};

class FileSink final : public Sink {
 public:
  explicit FileSink(FileSinkOptions options);
  ~FileSink() override;

  Status Open(const ConnectorContext& ctx, const SchemaPtr& schema) override;
  // Fails when the batch's column count differs from the schema given to Open.
  Status Write(const RecordBatch& batch) override;
  Status Flush() override;
  Status Close() override;

 private:
  Status WriteOut();

  FileSinkOptions options_;
  std::string abs_path_;
  SchemaPtr schema_;
  std::string buffer_;
  int fd_ = -1;
};

std::unique_ptr<Sink> MakeFileSink(OptionReader& options, const ConnectorContext& ctx);

// Appends rows [begin, end) of `batch` as NDJSON lines (keys in schema order, NULL as
// null) or CSV lines (LF line ends) to *out.
void AppendNdjsonRows(const RecordBatch& batch, int64_t begin, int64_t end, std::string* out);
void AppendCsvRows(const RecordBatch& batch, int64_t begin, int64_t end, char delimiter,
                   std::string* out);

}  // namespace sluice::connectors
