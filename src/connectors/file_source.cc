#include "connectors/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "connectors/glob.h"
#include "connectors/ndjson_reader.h"
#include "core/time.h"

namespace sluice::connectors {

namespace {

std::string ErrnoText() { return std::strerror(errno); }

int64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_size);
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = s[s.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

// Reads up to `limit` bytes of `path` (plus padding); *complete when the file ended.
Result<std::string> ReadPrefix(const std::string& path, int64_t limit, bool* complete) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open '" + path + "': " + ErrnoText());
  std::string data(static_cast<size_t>(limit), '\0');
  int64_t n = 0;
  *complete = false;
  while (n < limit) {
    const ssize_t r = ::pread(fd, data.data() + n, static_cast<size_t>(limit - n), n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const std::string err = ErrnoText();
      ::close(fd);
      return Status::IOError("cannot read '" + path + "': " + err);
    }
    if (r == 0) {
      *complete = true;
      break;
    }
    n += r;
  }
  ::close(fd);
  data.resize(static_cast<size_t>(n));
  return data;
}

}  // namespace

std::string FormatFromExtension(const std::string& path) {
  if (EndsWith(path, ".csv") || EndsWith(path, ".tsv")) return "csv";
  if (EndsWith(path, ".ndjson") || EndsWith(path, ".jsonl") || EndsWith(path, ".json")) {
    return "ndjson";
  }
  return "";
}

FileSource::FileSource(FileSourceOptions options, SchemaPtr schema)
    : options_(std::move(options)) {
  streams_.push_back(StreamInfo{"", std::move(schema)});
}

FileSource::~FileSource() { CloseFile(); }

std::string FileSource::NoMatchMessage() const {
  return "no file matches '" + options_.path + "' (relative to " + options_.project_dir + ")";
}

Status FileSource::Open(const ConnectorContext& ctx) {
  reporter_ = std::make_unique<BadRecordReporter>(ctx.name, ctx.on_bad_record);
  const SchemaPtr& schema = streams_[0].schema;
  if (options_.format == "ndjson") {
    reader_ = std::make_unique<NdjsonReader>(schema, reporter_.get(), options_.batch_size);
  } else {
    reader_ = std::make_unique<CsvReader>(schema, options_.csv, reporter_.get(), options_.batch_size);
  }
  capacity_ = std::max<int64_t>(options_.read_chunk_bytes, 4096);
  buf_.reset(new char[static_cast<size_t>(capacity_ + kReadPadding)]);
  std::memset(buf_.get(), 0, static_cast<size_t>(capacity_ + kReadPadding));
  SLUICE_RETURN_NOT_OK(Refresh(true));
  if (files_.empty() && !options_.follow) return Status::NotFound(NoMatchMessage());
  opened_ = true;
  return Status::OK();
}

Status FileSource::Refresh(bool initial) {
  last_poll_nanos_ = MonotonicNanos();
  std::vector<std::string> names = ExpandGlob(options_.project_dir, options_.path);
  if (initial || options_.follow) {
    for (std::string& name : names) {
      auto it = std::lower_bound(files_.begin(), files_.end(), name,
                                 [](const auto& f, const std::string& n) { return f->name < n; });
      if (it != files_.end() && (*it)->name == name) continue;
      auto f = std::make_unique<FileState>();
      f->name = name;
      f->abs_path = ResolvePath(options_.project_dir, name);
      f->cursor.file = name;
      const int64_t offset = seek_.OffsetOf(name);
      if (offset > 0) {
        f->cursor.offset = offset;
        f->read_to = offset;
        f->restore = true;
      }
      files_.insert(it, std::move(f));
    }
  }
  for (auto& f : files_) {
    const int64_t size = FileSize(f->abs_path);
    if (size >= 0) f->size = size;
  }
  return Status::OK();
}

Status FileSource::Seek(const Position& pos) {
  if (current_ != nullptr || reader_ == nullptr || reader_->pending_rows() > 0) {
    return Status::Invalid("file source: Seek must come after Open and before the first Next");
  }
  seek_ = pos;
  for (auto& f : files_) {
    const int64_t offset = pos.OffsetOf(f->name);
    f->cursor = FileCursor();
    f->cursor.file = f->name;
    f->read_to = 0;
    f->done = false;
    f->restore = false;
    if (offset > 0) {
      if (offset > f->size) {
        return Status::Invalid("file '" + f->name + "' has " + std::to_string(f->size) +
                               " bytes, fewer than the saved position " + std::to_string(offset) +
                               "; it was truncated or replaced. Move it away or reset the source.");
      }
      f->cursor.offset = offset;
      f->read_to = offset;
      f->restore = true;
    }
  }
  return Status::OK();
}

FileSource::FileState* FileSource::PickFile() {
  for (auto& f : files_) {
    if (options_.follow) {
      if (f->size > f->read_to) return f.get();
    } else if (!f->done) {
      if (f->cursor.offset >= f->size && (f->cursor.started || f->restore)) {
        f->done = true;  // fully consumed before
        continue;
      }
      return f.get();
    }
  }
  return nullptr;
}

Status FileSource::RestoreCursor(FileState* f) {
  // Rebuild what the offset alone does not say: the preamble (CSV header mapping) and
  // the line number, by reading the file up to the saved offset.
  const int64_t target = f->cursor.offset;
  FileCursor c;
  c.file = f->name;
  int64_t pos = 0;  // file offset of buf_[0]
  int64_t len = 0;
  bool file_end = false;
  while (true) {
    const ssize_t r = ::pread(fd_, buf_.get() + len, static_cast<size_t>(capacity_ - len), pos + len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::IOError("cannot read '" + f->abs_path + "': " + ErrnoText());
    len += r;
    file_end = r == 0;
    if (!c.started) {
      SLUICE_ASSIGN_OR_RETURN(bool done, reader_->ParsePreamble(buf_.get(), len, file_end, &c));
      if (!done) {
        if (file_end) break;
        if (len == capacity_) {
          return Status::Invalid("file '" + f->name + "': the header is longer than " +
                                 std::to_string(capacity_) + " bytes");
        }
        continue;
      }
    }
    // Count lines between the preamble's end and the target within this buffer.
    const int64_t from = std::max(c.offset, pos) - pos;
    const int64_t to = std::min(target, pos + len) - pos;
    if (to > from) c.line += CountNewlines(buf_.get() + from, to - from);
    if (pos + len >= target || file_end) break;
    pos += len;
    len = 0;
  }
  c.offset = std::max(c.offset, target);
  f->cursor = std::move(c);
  f->restore = false;
  return Status::OK();
}

Status FileSource::OpenFile(FileState* f) {
  fd_ = ::open(f->abs_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    if (errno == ENOENT && options_.follow) {  // removed since listed: forget it
      f->size = f->read_to = f->cursor.offset;
      return Status::OK();
    }
    return Status::IOError("cannot open '" + f->abs_path + "': " + ErrnoText());
  }
  current_ = f;
  if (f->restore) SLUICE_RETURN_NOT_OK(RestoreCursor(f));
  begin_ = end_ = 0;
  file_pos_ = f->cursor.offset;
  eof_ = false;
  return Status::OK();
}

void FileSource::CloseFile() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  current_ = nullptr;
}

Status FileSource::ReadMore() {
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, static_cast<size_t>(end_ - begin_));
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == capacity_) {  // one record larger than the buffer: grow
    const int64_t cap = capacity_ * 2;
    std::unique_ptr<char[]> bigger(new char[static_cast<size_t>(cap + kReadPadding)]);
    std::memcpy(bigger.get(), buf_.get(), static_cast<size_t>(end_));
    std::memset(bigger.get() + end_, 0, static_cast<size_t>(cap + kReadPadding - end_));
    buf_ = std::move(bigger);
    capacity_ = cap;
  }
  while (true) {
    const ssize_t r = ::pread(fd_, buf_.get() + end_, static_cast<size_t>(capacity_ - end_), file_pos_);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::IOError("cannot read '" + current_->abs_path + "': " + ErrnoText());
    if (r == 0) {
      eof_ = true;
    } else {
      end_ += r;
      file_pos_ += r;
    }
    return Status::OK();
  }
}

Result<ReadState> FileSource::Next(std::vector<SourceBatch>* out, int64_t max_records) {
  if (!opened_) return Status::Invalid("file source: Next before Open");
  if (options_.follow && current_ == nullptr &&
      MonotonicNanos() - last_poll_nanos_ >= options_.poll_interval_micros * 1000) {
    SLUICE_RETURN_NOT_OK(Refresh(false));
  }
  const int64_t max_rows = std::min<int64_t>(options_.batch_size, std::max<int64_t>(max_records, 1));
  while (reader_->pending_rows() < max_rows) {
    if (current_ == nullptr) {
      FileState* f = PickFile();
      if (f == nullptr) break;
      SLUICE_RETURN_NOT_OK(OpenFile(f));
      if (current_ == nullptr) continue;  // vanished
    }
    FileState* f = current_;
    const bool at_eof = eof_ && !options_.follow;
    Result<int64_t> used = reader_->Parse(buf_.get() + begin_, end_ - begin_, at_eof, max_rows, &f->cursor);
    if (!used.ok()) {
      CloseFile();
      return used.status();
    }
    begin_ += *used;
    if (reader_->pending_rows() >= max_rows) break;
    if (eof_) {
      f->read_to = file_pos_;
      f->size = std::max(f->size, file_pos_);
      if (!options_.follow) f->done = true;
      CloseFile();
      continue;
    }
    SLUICE_RETURN_NOT_OK(ReadMore());
  }
  if (RecordBatchPtr batch = reader_->TakeBatch()) {
    out->push_back(SourceBatch{0, std::move(batch)});
    return ReadState::kData;
  }
  if (current_ != nullptr) return ReadState::kData;  // only bad records this time; more follows
  if (options_.follow) return ReadState::kIdle;
  return PickFile() == nullptr ? ReadState::kEnd : ReadState::kData;
}

Position FileSource::CurrentPosition() const {
  Position pos;
  for (const auto& f : files_) {
    if (f->cursor.offset > 0) pos.Set(f->name, f->cursor.offset);
  }
  return pos;
}

int64_t FileSource::Lag() const {
  if (!opened_) return -1;
  int64_t lag = 0;
  for (const auto& f : files_) lag += std::max<int64_t>(0, f->size - f->cursor.offset);
  return lag;
}

Status FileSource::Close() {
  CloseFile();
  return Status::OK();
}

SchemaPtr ParseColumnsOption(const ConfigValue& node, Diagnostics* diag) {
  std::vector<Field> fields;
  const size_t errors_before = diag->items().size();
  auto add = [&](std::string name, const ConfigValue& type_node, bool nullable,
                 const SourceLocation& name_loc) {
    if (!type_node.is_scalar()) {
      diag->Error(type_node.location, "the type of column '" + name + "' must be a type name",
                  "e.g. BIGINT, DOUBLE, DECIMAL(10,2), VARCHAR, TIMESTAMP");
      return;
    }
    Result<DataType> t = ParseDataType(type_node.scalar);
    if (!t.ok()) {
      diag->Error(type_node.location, t.status().message());
      return;
    }
    for (const Field& f : fields) {
      if (EqualsIgnoreCase(f.name, name)) {
        diag->Error(name_loc, "column '" + name + "' is declared twice");
        return;
      }
    }
    fields.push_back(Field{std::move(name), *t, nullable});
  };
  if (node.is_map()) {
    for (const ConfigEntry& e : node.entries) add(e.key, e.value, true, e.key_location);
  } else if (node.is_list()) {
    for (const ConfigValue& item : node.items) {
      OptionReader r(item, diag);
      if (!item.is_map()) continue;
      const std::string name = r.RequiredString("name", "each column needs a name");
      const ConfigValue* type = r.Node("type");
      const bool nullable = r.Bool("nullable", true);
      r.Finish();
      if (name.empty()) continue;
      if (type == nullptr) {
        diag->Error(item.location, "column '" + name + "' has no 'type'", "add e.g. type: BIGINT");
        continue;
      }
      add(name, *type, nullable, r.LocationOf("name"));
    }
  } else {
    diag->Error(node.location, std::string("'columns' must be a map (name: TYPE) or a list, found ") +
                                   node.KindName());
  }
  if (diag->items().size() != errors_before) return nullptr;
  if (fields.empty()) {
    diag->Error(node.location, "'columns' declares no column");
    return nullptr;
  }
  return MakeSchema(std::move(fields));
}

namespace {

bool ReadChar(OptionReader& options, std::string_view key, char fallback, char* out) {
  const std::optional<std::string> v = options.OptionalString(key);
  if (!v) return (*out = fallback, true);
  if (*v == "\\t" || *v == "\t" || *v == "tab") return (*out = '\t', true);
  if (v->size() != 1 || (*v)[0] == '\n' || (*v)[0] == '\r') {
    options.Error(key, "'" + std::string(key) + "' must be one character, found '" + *v + "'",
                  "write e.g. \",\", \";\", \"|\" or \"\\t\"");
    return false;
  }
  *out = (*v)[0];
  return true;
}

SchemaPtr InferFileSchema(OptionReader& options, const FileSourceOptions& o) {
  const std::vector<std::string> files = ExpandGlob(o.project_dir, o.path);
  if (files.empty()) {
    options.Error("path", "no file matches '" + o.path + "' (relative to " + o.project_dir +
                              "), so the columns cannot be inferred",
                  "declare 'columns', or fix 'path'");
    return nullptr;
  }
  bool complete = false;
  Result<std::string> data = ReadPrefix(ResolvePath(o.project_dir, files[0]), 4 << 20, &complete);
  if (!data.ok()) {
    options.Error("path", data.status().message());
    return nullptr;
  }
  Result<SchemaPtr> schema = Status::Internal("unset");
  if (o.format == "ndjson") {
    std::string padded = *data;
    padded.append(static_cast<size_t>(kReadPadding), '\0');
    schema = NdjsonReader::InferSchema(padded.data(), static_cast<int64_t>(data->size()),
                                       complete, files[0]);
  } else {
    schema = CsvReader::InferSchema(*data, complete, o.csv, files[0]);
  }
  if (!schema.ok()) {
    options.Error("path", schema.status().message(), "declare 'columns'");
    return nullptr;
  }
  return *schema;
}

}  // namespace

std::unique_ptr<Source> MakeFileSource(OptionReader& options, const ConnectorContext& ctx) {
  Diagnostics* diag = options.diagnostics();
  const size_t errors_before = diag->items().size();
  FileSourceOptions o;
  o.project_dir = ctx.project_dir;
  o.path = options.RequiredString("path", "a file or glob relative to the project, e.g. data/*.csv");
  const std::string ext_format = FormatFromExtension(o.path);
  o.format = options.Enum("format", ext_format, {"csv", "ndjson"});
  if (o.format.empty() && !o.path.empty()) {
    options.Error("path", "cannot tell the format of '" + o.path + "' from its extension",
                  "add format: csv or format: ndjson");
  }
  const bool csv = o.format == "csv";
  for (const char* key : {"header", "delimiter", "quote", "null_string", "skip_rows"}) {
    if (!csv && options.Has(key)) {
      options.Error(key, std::string("'") + key + "' applies only to format: csv");
    }
  }
  o.csv.header = options.Bool("header", true);
  const char default_delim = EndsWith(o.path, ".tsv") ? '\t' : ',';
  ReadChar(options, "delimiter", default_delim, &o.csv.delimiter);
  ReadChar(options, "quote", '"', &o.csv.quote);
  if (o.csv.quote == o.csv.delimiter) options.Error("quote", "'quote' and 'delimiter' must differ");
  o.csv.null_string = options.String("null_string", "");
  o.csv.skip_rows = options.Int("skip_rows", 0, 0, int64_t{1} << 40);
  o.follow = options.Bool("follow", false);
  o.poll_interval_micros = options.Duration("poll_interval", 500000);
  if (o.poll_interval_micros <= 0) {
    options.Error("poll_interval", "'poll_interval' must be positive", "e.g. 500ms or 2s");
  }
  o.batch_size = options.Int("batch_size", ctx.batch_size, 1, 1 << 20);
  const ConfigValue* columns = options.Node("columns");
  SchemaPtr schema = columns ? ParseColumnsOption(*columns, diag) : nullptr;
  if (diag->items().size() != errors_before || o.path.empty()) return nullptr;
  if (schema == nullptr) schema = InferFileSchema(options, o);  // needs valid options
  if (schema == nullptr) return nullptr;
  return std::make_unique<FileSource>(std::move(o), std::move(schema));
}

}  // namespace sluice::connectors
