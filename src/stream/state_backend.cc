#include "stream/state_backend.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace sluice::stream {

namespace fs = std::filesystem;

namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

constexpr const char* kAdvice =
    "check that the state directory is writable and not used by another sluice process "
    "(state_dir in sluice.yaml); it holds only scratch state and may be deleted while sluice "
    "is stopped";

}  // namespace

struct StateBackend::Impl {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions write_options;
  rocksdb::ReadOptions read_options;
};

struct StateBackend::WriteBatch::Impl {
  rocksdb::WriteBatch batch;
};

struct StateBackend::Iterator::Impl {
  std::unique_ptr<rocksdb::Iterator> it;
  std::string dir;
};

StateBackend::StateBackend(std::string dir, std::unique_ptr<Impl> impl)
    : dir_(std::move(dir)), impl_(std::move(impl)) {}

StateBackend::~StateBackend() { (void)Close(); }

Status StateBackend::Error(const std::string& what, const std::string& detail) const {
  return Status::IOError("state store " + dir_ + ": " + what + ": " + detail + "; " + kAdvice);
}

Result<std::unique_ptr<StateBackend>> StateBackend::Open(const std::string& dir,
                                                         const StateBackendOptions& options) {
  std::error_code ec;
  if (options.wipe && fs::exists(dir, ec)) {
    fs::remove_all(dir, ec);
    if (ec) {
      return Status::IOError("state store " + dir +
                             ": cannot clear the directory: " + ec.message() + "; " + kAdvice);
    }
  }
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return Status::IOError("state store " + dir + ": cannot create the directory: " +
                           (ec ? ec.message() : std::string("a file is in the way")) + "; " +
                           kAdvice);
  }
  const int64_t eighth = std::clamp<int64_t>(options.memory_hint_bytes / 8, 1 << 20, 32 << 20);
  rocksdb::Options o;
  o.create_if_missing = true;
  o.write_buffer_size = static_cast<size_t>(eighth);
  o.max_write_buffer_number = 2;
  o.max_open_files = 256;
  o.keep_log_file_num = 2;
  // Scratch space (checkpoints hold the state): closing need not write the memtable out.
  o.avoid_flush_during_shutdown = true;
  // Values are small serialized groups: compression costs more CPU than it saves I/O.
  o.compression = rocksdb::kNoCompression;
  // Most lookups are for keys never spilled (a batch's new keys): bloom filters answer
  // them without searching the memtable or reading a block.
  o.memtable_prefix_bloom_size_ratio = 0.1;
  o.memtable_whole_key_filtering = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(static_cast<size_t>(eighth));
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status st;
  try {
    st = rocksdb::DB::Open(o, dir, &raw);
  } catch (const std::exception& e) {
    return Status::IOError("state store " + dir + ": cannot open: " + e.what() + "; " + kAdvice);
  }
  if (!st.ok()) {
    return Status::IOError("state store " + dir + ": cannot open: " + st.ToString() + "; " +
                           kAdvice);
  }
  auto impl = std::make_unique<Impl>();
  impl->db.reset(raw);
  // The checkpoint is the durable copy; the store is rebuilt from it after a crash.
  impl->write_options.disableWAL = true;
  impl->read_options.verify_checksums = true;
  return std::unique_ptr<StateBackend>(new StateBackend(dir, std::move(impl)));
}

Status StateBackend::MultiGet(const std::vector<std::string_view>& keys,
                              std::vector<std::string>* values, std::vector<uint8_t>* found) const {
  if (!impl_->db) return Error("read", "the store is closed");
  const size_t n = keys.size();
  values->resize(n);
  found->assign(n, 0);
  if (n == 0) return Status::OK();
  std::vector<rocksdb::Slice> slices(n);
  for (size_t i = 0; i < n; ++i) slices[i] = ToSlice(keys[i]);
  std::vector<rocksdb::PinnableSlice> pinned(n);
  std::vector<rocksdb::Status> statuses(n);
  impl_->db->MultiGet(impl_->read_options, impl_->db->DefaultColumnFamily(), n, slices.data(),
                      pinned.data(), statuses.data());
  for (size_t i = 0; i < n; ++i) {
    if (statuses[i].IsNotFound()) {
      (*values)[i].clear();
      continue;
    }
    if (!statuses[i].ok()) return Error("read", statuses[i].ToString());
    (*values)[i].assign(pinned[i].data(), pinned[i].size());
    (*found)[i] = 1;
  }
  return Status::OK();
}

StateBackend::WriteBatch::WriteBatch() : impl_(std::make_unique<Impl>()) {}
StateBackend::WriteBatch::~WriteBatch() = default;

void StateBackend::WriteBatch::Put(std::string_view key, std::string_view value) {
  (void)impl_->batch.Put(ToSlice(key), ToSlice(value));
}

void StateBackend::WriteBatch::Delete(std::string_view key) {
  (void)impl_->batch.Delete(ToSlice(key));
}

int64_t StateBackend::WriteBatch::count() const { return impl_->batch.Count(); }

void StateBackend::WriteBatch::Clear() { impl_->batch.Clear(); }

Status StateBackend::Write(WriteBatch* batch) {
  if (!impl_->db) return Error("write", "the store is closed");
  if (batch->count() == 0) return Status::OK();
  rocksdb::Status st = impl_->db->Write(impl_->write_options, &batch->impl_->batch);
  batch->Clear();
  if (!st.ok()) return Error("write", st.ToString());
  return Status::OK();
}

StateBackend::Iterator::Iterator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateBackend::Iterator::~Iterator() = default;
bool StateBackend::Iterator::Valid() const { return impl_->it->Valid(); }
void StateBackend::Iterator::Next() { impl_->it->Next(); }
std::string_view StateBackend::Iterator::key() const { return ToView(impl_->it->key()); }
std::string_view StateBackend::Iterator::value() const { return ToView(impl_->it->value()); }

Status StateBackend::Iterator::status() const {
  rocksdb::Status st = impl_->it->status();
  if (st.ok()) return Status::OK();
  return Status::IOError("state store " + impl_->dir + ": read: " + st.ToString() + "; " + kAdvice);
}

std::unique_ptr<StateBackend::Iterator> StateBackend::NewIterator() const {
  auto impl = std::make_unique<Iterator::Impl>();
  impl->dir = dir_;
  if (impl_->db) {
    rocksdb::ReadOptions ro = impl_->read_options;
    ro.fill_cache = false;  // a full scan (a snapshot) should not evict the hot blocks
    impl->it.reset(impl_->db->NewIterator(ro));
  } else {
    impl->it.reset(rocksdb::NewErrorIterator(rocksdb::Status::IOError("the store is closed")));
  }
  impl->it->SeekToFirst();
  return std::unique_ptr<Iterator>(new Iterator(std::move(impl)));
}

Status StateBackend::Flush() {
  if (!impl_->db) return Error("flush", "the store is closed");
  rocksdb::Status st = impl_->db->Flush(rocksdb::FlushOptions());
  if (!st.ok()) return Error("flush", st.ToString());
  return Status::OK();
}

Status StateBackend::Close() {
  if (!impl_ || !impl_->db) return Status::OK();
  rocksdb::Status st = impl_->db->Close();
  impl_->db.reset();
  if (!st.ok()) return Error("close", st.ToString());
  return Status::OK();
}

}  // namespace sluice::stream
