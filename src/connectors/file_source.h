// FileSource: the `file` source. Reads CSV or NDJSON files named by a path or glob,
// in sorted path order, optionally following them (new data appended to files and new
// files matching the glob). See docs/connectors/file.md for the options.
//
// Position: one partition per file (its path as matched, relative to the project), with
// the byte offset just after the last record returned. Seek resumes every listed file
// at its offset (a file whose offset equals its size is skipped).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "connectors/csv_reader.h"
#include "connectors/record_reader.h"
#include "core/config.h"

namespace sluice::connectors {

struct FileSourceOptions {
  std::string path;                      // file or glob, relative to project_dir
  std::string project_dir;               // absolute
  std::string format = "csv";            // "csv" or "ndjson"
  CsvOptions csv;                        // format: csv only
  bool follow = false;                   // keep watching for appended data and new files
  int64_t poll_interval_micros = 500000;  // follow: how often to look for new data
  int64_t batch_size = kDefaultBatchRows;  // rows per batch at most
  int64_t read_chunk_bytes = 4 << 20;     // bytes read per system call
};

class FileSource final : public Source {
 public:
  // `schema` is the declared or inferred schema; no I/O happens here.
  FileSource(FileSourceOptions options, SchemaPtr schema);
  ~FileSource() override;

  const std::vector<StreamInfo>& streams() const override { return streams_; }
  // Lists the matching files. Fails when none matches and not following.
  Status Open(const ConnectorContext& ctx) override;
  Status Seek(const Position& pos) override;
  // Returns at most one batch per call (batch_size rows, or fewer at the end of the
  // available data). kIdle in follow mode when nothing new is there yet; kEnd otherwise.
  Result<ReadState> Next(std::vector<SourceBatch>* out, int64_t max_records) override;
  Position CurrentPosition() const override;
  // Bytes of the matching files (as of the last look) not yet consumed.
  int64_t Lag() const override;
  Status Close() override;

  // Bad records reported so far.
  int64_t bad_record_count() const { return reporter_ ? reporter_->count() : 0; }

 private:
  struct FileState {
    std::string name;       // as matched (relative to the project); the partition
    std::string abs_path;
    FileCursor cursor;
    int64_t size = 0;       // as of the last stat
    int64_t read_to = 0;    // follow: bytes up to here have been read already
    bool restore = false;   // cursor.offset came from Seek: rebuild the rest of the cursor
    bool done = false;      // not following: fully consumed
  };

  Status Refresh(bool initial);  // lists files (again) and updates their sizes
  FileState* PickFile();
  Status OpenFile(FileState* f);
  Status RestoreCursor(FileState* f);
  Status ReadMore();
  void CloseFile();
  std::string NoMatchMessage() const;

  FileSourceOptions options_;
  std::vector<StreamInfo> streams_;
  std::unique_ptr<BadRecordReporter> reporter_;
  std::unique_ptr<RecordReader> reader_;
  std::vector<std::unique_ptr<FileState>> files_;  // sorted by name
  Position seek_;
  bool opened_ = false;
  int64_t last_poll_nanos_ = 0;

  // The file being read and its buffer: bytes [begin_, end_) of buf_ are the file's
  // bytes from current_->cursor.offset; file_pos_ is the file offset of end_.
  FileState* current_ = nullptr;
  int fd_ = -1;
  std::unique_ptr<char[]> buf_;
  int64_t capacity_ = 0;
  int64_t begin_ = 0, end_ = 0, file_pos_ = 0;
  bool eof_ = false;
};

// The `file` source factory (see registry.h). Reads path, format, columns, header,
// delimiter, quote, null_string, skip_rows, follow, poll_interval and batch_size; infers
// the schema from the first matching file when `columns` is absent.
std::unique_ptr<Source> MakeFileSource(OptionReader& options, const ConnectorContext& ctx);

// Parses a `columns` option: a map `name: TYPE` or a list of {name, type, nullable}.
// Reports problems to `diag` at their location and returns nullptr then.
SchemaPtr ParseColumnsOption(const ConfigValue& node, Diagnostics* diag);

// "csv" or "ndjson" from a path's extension (.csv/.tsv, .ndjson/.jsonl/.json), or "".
std::string FormatFromExtension(const std::string& path);

}  // namespace sluice::connectors
