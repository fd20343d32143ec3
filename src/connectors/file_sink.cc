#include "connectors/file_sink.h"

#include "core/json.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "connectors/file_source.h"
#include "connectors/glob.h"
#include "connectors/text_value.h"

namespace sluice::connectors {

namespace {
constexpr size_t kWriteThreshold = 1 << 20;
}

void AppendNdjsonRows(const RecordBatch& batch, int64_t begin, int64_t end, std::string* out) {
  const int n = batch.num_columns();
  std::vector<std::string> keys(static_cast<size_t>(n));
  for (int c = 0; c < n; ++c) {
    std::string& k = keys[static_cast<size_t>(c)];
    if (c > 0) k.push_back(',');
    AppendJsonString(&k, batch.schema()->field(c).name);
    k.push_back(':');
  }
  for (int64_t r = begin; r < end; ++r) {
    out->push_back('{');
    for (int c = 0; c < n; ++c) {
      out->append(keys[static_cast<size_t>(c)]);
      AppendJsonCell(batch.column(c), r, out);
    }
    out->append("}\n");
  }
}

void AppendCsvRows(const RecordBatch& batch, int64_t begin, int64_t end, char delimiter,
                   std::string* out) {
  const int n = batch.num_columns();
  for (int64_t r = begin; r < end; ++r) {
    for (int c = 0; c < n; ++c) {
      if (c > 0) out->push_back(delimiter);
      AppendCsvCell(batch.column(c), r, delimiter, '"', out);
    }
    out->push_back('\n');
  }
}

FileSink::FileSink(FileSinkOptions options) : options_(std::move(options)) {}

FileSink::~FileSink() { (void)Close(); }

Status FileSink::Open(const ConnectorContext& ctx, const SchemaPtr& schema) {
  schema_ = schema;
  abs_path_ = ResolvePath(ctx.project_dir, options_.path);
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(abs_path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Status::IOError("cannot create folder '" + parent.string() + "': " + ec.message());
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (options_.overwrite ? O_TRUNC : O_APPEND);
  fd_ = ::open(abs_path_.c_str(), flags, 0644);
  if (fd_ < 0) return Status::IOError("cannot open '" + abs_path_ + "' for writing: " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::IOError("cannot stat '" + abs_path_ + "': " + std::strerror(errno));
  if (options_.format == "csv" && options_.header && st.st_size == 0) {
    for (int c = 0; c < schema_->num_fields(); ++c) {
      if (c > 0) buffer_.push_back(options_.delimiter);
      const std::string& name = schema_->field(c).name;
      if (name.find_first_of(std::string("\"\r\n") + options_.delimiter) == std::string::npos) {
        buffer_ += name;
      } else {
        buffer_.push_back('"');
        for (char ch : name) {
          if (ch == '"') buffer_.push_back('"');
          buffer_.push_back(ch);
        }
        buffer_.push_back('"');
      }
    }
    buffer_.push_back('\n');
  }
  return Status::OK();
}

Status FileSink::Write(const RecordBatch& batch) {
  if (fd_ < 0) return Status::Invalid("file sink '" + options_.path + "': Write before Open");
  if (batch.num_columns() != schema_->num_fields()) {
    return Status::Invalid("file sink '" + options_.path + "': batch has " +
                           std::to_string(batch.num_columns()) + " columns, expected " +
                           std::to_string(schema_->num_fields()));
  }
  if (options_.format == "ndjson") {
    AppendNdjsonRows(batch, 0, batch.num_rows(), &buffer_);
  } else {
    AppendCsvRows(batch, 0, batch.num_rows(), options_.delimiter, &buffer_);
  }
  if (buffer_.size() >= kWriteThreshold) return WriteOut();
  return Status::OK();
}

Status FileSink::WriteOut() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t r = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      buffer_.erase(0, done);
      return Status::IOError("cannot write '" + abs_path_ + "': " + std::strerror(errno));
    }
    done += static_cast<size_t>(r);
  }
  buffer_.clear();
  return Status::OK();
}

Status FileSink::Flush() {
  if (fd_ < 0) return Status::OK();
  SLUICE_RETURN_NOT_OK(WriteOut());
  if (::fsync(fd_) != 0) return Status::IOError("cannot sync '" + abs_path_ + "': " + std::strerror(errno));
  return Status::OK();
}

Status FileSink::Close() {
  if (fd_ < 0) return Status::OK();
  Status st = Flush();
  ::close(fd_);
  fd_ = -1;
  return st;
}

std::unique_ptr<Sink> MakeFileSink(OptionReader& options, const ConnectorContext& ctx) {
  (void)ctx;
  Diagnostics* diag = options.diagnostics();
  const size_t errors_before = diag->items().size();
  FileSinkOptions o;
  o.path = options.RequiredString("path", "a file path relative to the project, e.g. out/orders.csv");
  o.format = options.Enum("format", FormatFromExtension(o.path), {"csv", "ndjson"});
  if (o.format.empty() && !o.path.empty()) {
    options.Error("path", "cannot tell the format of '" + o.path + "' from its extension",
                  "add format: csv or format: ndjson");
  }
  if (o.format != "csv" && options.Has("header")) {
    options.Error("header", "'header' applies only to format: csv");
  }
  o.header = options.Bool("header", true);
  o.overwrite = options.Enum("mode", "append", {"append", "overwrite"}) == "overwrite";
  if (o.path.size() >= 4 && o.path.compare(o.path.size() - 4, 4, ".tsv") == 0) o.delimiter = '\t';
  if (diag->items().size() != errors_before || o.path.empty()) return nullptr;
  return std::make_unique<FileSink>(std::move(o));
}

}  // namespace sluice::connectors
