#include "connectors/file_sink.h"

#include "core/file_io.h"
#include "core/json.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
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
  fd_ = ::open(abs_path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_APPEND, 0644);
  if (fd_ < 0) return Status::IOError("cannot open '" + abs_path_ + "' for writing: " + std::strerror(errno));
  SLUICE_RETURN_NOT_OK(LoadCommit());
  if (options_.overwrite) {
    // With a commit recorded, a resumed run keeps its committed rows: decided when the
    // pipeline asks for its last commit (or at the first write, without checkpoints).
    if (commit_.checkpoint_id >= 0) {
      overwrite_pending_ = true;
      return Status::OK();
    }
    SLUICE_RETURN_NOT_OK(Truncate(0));
  }
  return MaybeHeader();
}

Status FileSink::MaybeHeader() {
  if (options_.format != "csv" || !options_.header) return Status::OK();
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::IOError("cannot stat '" + abs_path_ + "': " + std::strerror(errno));
  if (st.st_size != 0 || !buffer_.empty()) return Status::OK();
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
  return Status::OK();
}

Status FileSink::Write(const RecordBatch& batch) {
  if (fd_ < 0) return Status::Invalid("file sink '" + options_.path + "': Write before Open");
  if (batch.num_columns() != schema_->num_fields()) {
    return Status::Invalid("file sink '" + options_.path + "': batch has " +
                           std::to_string(batch.num_columns()) + " columns, expected " +
                           std::to_string(schema_->num_fields()));
  }
  if (overwrite_pending_) SLUICE_RETURN_NOT_OK(ResolveOverwrite(""));
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
  if (overwrite_pending_) SLUICE_RETURN_NOT_OK(ResolveOverwrite(""));
  SLUICE_RETURN_NOT_OK(WriteOut());
  if (::fsync(fd_) != 0) return Status::IOError("cannot sync '" + abs_path_ + "': " + std::strerror(errno));
  return Status::OK();
}

Status FileSink::Truncate(int64_t length) {
  if (::ftruncate(fd_, static_cast<off_t>(length)) != 0) {
    return Status::IOError("cannot truncate '" + abs_path_ + "' to " + std::to_string(length) +
                           " bytes: " + std::strerror(errno));
  }
  return Status::OK();
}

namespace {
constexpr char kCommitMagic[] = "sluice-file-commit 1\n";
}

Status FileSink::LoadCommit() {
  commit_ = Commit{};
  const std::string path = CommitPath(abs_path_);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::OK();
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  const std::string bad = "file sink '" + options_.path + "': the commit record " + path +
                          " is damaged; to start this sink over, delete it together with " + abs_path_;
  const std::string& t = *text;
  const size_t magic = sizeof(kCommitMagic) - 1;
  if (t.compare(0, magic, kCommitMagic) != 0) return Status::Invalid(bad);
  const size_t eol = t.find('\n', magic);
  if (eol == std::string::npos) return Status::Invalid(bad);
  long long id = -1, length = -1;
  unsigned long long key_size = 0, position_size = 0;
  if (std::sscanf(t.c_str() + magic, "%lld %lld %llu %llu", &id, &length, &key_size, &position_size) != 4 ||
      id < 0 || length < 0 || eol + 1 + key_size + position_size != t.size()) {
    return Status::Invalid(bad);
  }
  commit_.checkpoint_id = id;
  commit_.length = length;
  commit_.key = t.substr(eol + 1, key_size);
  commit_.position = t.substr(eol + 1 + key_size);
  return Status::OK();
}

Status FileSink::ResolveOverwrite(const std::string& key) {
  if (!overwrite_pending_) return Status::OK();
  overwrite_pending_ = false;
  if (!key.empty() && commit_.checkpoint_id >= 0 && commit_.key == key) return Status::OK();
  // Not a resume of this sink: overwrite as asked.
  SLUICE_RETURN_NOT_OK(Truncate(0));
  std::error_code ec;
  std::filesystem::remove(CommitPath(abs_path_), ec);
  commit_ = Commit{};
  return MaybeHeader();
}

Result<int64_t> FileSink::LastCommittedCheckpoint(const std::string& commit_key) {
  if (fd_ < 0) return Status::Invalid("file sink '" + options_.path + "': not open");
  commit_mode_ = true;
  SLUICE_RETURN_NOT_OK(ResolveOverwrite(commit_key));
  if (commit_.checkpoint_id < 0 || commit_.key != commit_key) return int64_t{-1};
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::IOError("cannot stat '" + abs_path_ + "': " + std::strerror(errno));
  if (st.st_size < commit_.length) {
    return Status::Invalid("file sink '" + options_.path + "': " + abs_path_ + " holds " +
                           std::to_string(st.st_size) + " bytes but " + std::to_string(commit_.length) +
                           " were committed (was it edited or replaced?); to start this sink over, delete " +
                           CommitPath(abs_path_) + " and the file");
  }
  // What a crashed run wrote after its last checkpoint is not committed: discard it (the
  // run resumes from that checkpoint and writes it again).
  buffer_.clear();
  SLUICE_RETURN_NOT_OK(Truncate(commit_.length));
  return commit_.checkpoint_id;
}

Result<std::string> FileSink::LastCommittedPosition(const std::string& commit_key) {
  if (commit_.checkpoint_id < 0 || commit_.key != commit_key) return std::string();
  return commit_.position;
}

Status FileSink::FlushWithCommit(const std::string& commit_key, int64_t checkpoint_id,
                                 const std::string& position) {
  if (fd_ < 0) return Status::Invalid("file sink '" + options_.path + "': commit before Open or after Close");
  commit_mode_ = true;
  SLUICE_RETURN_NOT_OK(ResolveOverwrite(commit_key));
  if (commit_.checkpoint_id >= 0 && commit_.key == commit_key && checkpoint_id <= commit_.checkpoint_id) {
    // A replay of rows this file holds already: drop them.
    buffer_.clear();
    SLUICE_RETURN_NOT_OK(Truncate(commit_.length));
    return Status::AlreadyExists("file sink '" + options_.path + "' already committed checkpoint " +
                                 std::to_string(commit_.checkpoint_id));
  }
  SLUICE_RETURN_NOT_OK(Flush());
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::IOError("cannot stat '" + abs_path_ + "': " + std::strerror(errno));
  Commit next{commit_key, checkpoint_id, static_cast<int64_t>(st.st_size), position};
  std::string text = kCommitMagic;
  text += std::to_string(next.checkpoint_id) + " " + std::to_string(next.length) + " " +
          std::to_string(next.key.size()) + " " + std::to_string(next.position.size()) + "\n";
  text += next.key;
  text += next.position;
  SLUICE_RETURN_NOT_OK(WriteFileDurably(CommitPath(abs_path_), text));
  commit_ = std::move(next);
  return Status::OK();
}

Status FileSink::Close() {
  if (fd_ < 0) return Status::OK();
  Status st;
  if (commit_mode_) {
    // Rows after the last commit are not written: the next run replays them.
    buffer_.clear();
    if (commit_.checkpoint_id >= 0) st = Truncate(commit_.length);
  } else {
    st = Flush();
  }
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
