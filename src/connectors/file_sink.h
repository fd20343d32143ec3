// FileSink: the `file` sink. Writes batches to one CSV or NDJSON file, in the text forms
// of text_value.h, so that the file source reads the file back to equal batches.
//
// Options: path (relative to the project; parent folders are created), format csv|ndjson
// (default from the extension), header (CSV, default true; written only when the file is
// new or empty), mode append|overwrite (default append).
// Write buffers bytes in memory (written out past 1 MiB); Flush writes and fsyncs.
//
// Exactly-once with checkpoints (the pipeline calls LastCommittedCheckpoint and
// FlushWithCommit): the file's committed prefix is recorded in a sidecar file
// `<path>.sluice-commit` (commit key, checkpoint id, length in bytes, source position),
// replaced atomically (temp file, fsync, rename, fsync of the folder) after the data is
// fsynced. Bytes past the committed length are work in progress: LastCommittedCheckpoint
// truncates the file back to the committed length (discarding what a crashed run wrote
// after its last checkpoint), a replayed checkpoint (AlreadyExists) and Close without a
// commit truncate the same way. `mode: overwrite` empties the file only when no commit of
// this sink is recorded (a resumed run keeps what it committed). Readers that must see
// committed rows only read up to the sidecar's length.
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
  bool SupportsCommit() const override { return true; }
  Status FlushWithCommit(const std::string& commit_key, int64_t checkpoint_id,
                         const std::string& position) override;
  Result<int64_t> LastCommittedCheckpoint(const std::string& commit_key) override;
  Result<std::string> LastCommittedPosition(const std::string& commit_key) override;
  Status Close() override;

  // The sidecar of the file at `path`.
  static std::string CommitPath(const std::string& path) { return path + ".sluice-commit"; }

 private:
  struct Commit {
    std::string key;
    int64_t checkpoint_id = -1;
    int64_t length = 0;
    std::string position;
  };
  Status WriteOut();
  // The CSV header into the buffer when the file is empty.
  Status MaybeHeader();
  // Reads the sidecar into commit_ (commit_.checkpoint_id stays -1 when there is none).
  Status LoadCommit();
  Status Truncate(int64_t length);
  // Resolves a deferred `mode: overwrite` for `key` (empty: no commits will be asked).
  Status ResolveOverwrite(const std::string& key);

  FileSinkOptions options_;
  std::string abs_path_;
  SchemaPtr schema_;
  std::string buffer_;
  int fd_ = -1;
  bool commit_mode_ = false;       // checkpoints drive this sink
  bool overwrite_pending_ = false;  // overwrite deferred: a sidecar exists
  Commit commit_;
};

std::unique_ptr<Sink> MakeFileSink(OptionReader& options, const ConnectorContext& ctx);

// Appends rows [begin, end) of `batch` as NDJSON lines (keys in schema order, NULL as
// null) or CSV lines (LF line ends) to *out.
void AppendNdjsonRows(const RecordBatch& batch, int64_t begin, int64_t end, std::string* out);
void AppendCsvRows(const RecordBatch& batch, int64_t begin, int64_t end, char delimiter,
                   std::string* out);

}  // namespace sluice::connectors
