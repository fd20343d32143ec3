// StateBackend: an on-disk key-value store (RocksDB) for operator state larger than
// memory. Operators keep their hot state in their own columnar structures and spill
// cold entries here (GroupAggregate with `state_backend: rocksdb`, see
// GroupStateOptions). Keys and values are opaque byte strings chosen by the operator.
//
// The store is scratch space, not the durable copy of the state: checkpoints hold the
// state (operators write every entry of their store into their snapshot), so the WAL is
// off and a crash simply loses the directory, which the next Open wipes.
//
// Every error is a Status naming the directory (IOError for I/O and corruption,
// Invalid for a directory that cannot be a store). RocksDB never throws across this
// boundary. Not thread-safe: one thread (the operator's) uses a store.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::stream {

// Where a keyed operator keeps its state (sluice.yaml run.state_backend and
// run.state_memory_budget; see docs/project-format.md).
enum class StateBackendKind {
  kMemory,   // everything in the operator's own structures (the default)
  kRocksDb,  // the operator keeps at most memory_budget_bytes and spills the rest to `dir`
};

struct OperatorStateOptions {
  StateBackendKind backend = StateBackendKind::kMemory;
  // kRocksDb: the operator's own estimate of its in-memory state stays at most this
  // after every batch (it may exceed it within a batch by that batch's new keys).
  int64_t memory_budget_bytes = int64_t{256} << 20;
  // kRocksDb: the store's directory, owned by this operator alone; wiped when the
  // store opens (lazily, at the first spill or a restore).
  std::string dir;
};

struct StateBackendOptions {
  // Sizes RocksDB's own memory: two write buffers and a block cache, each an eighth of
  // it (between 1 MB and 32 MB). Not counted in an operator's budget.
  int64_t memory_hint_bytes = 64 << 20;
  // true: delete whatever the directory holds and start empty (the normal case, the
  // state comes from a checkpoint). false: open the existing store (tests, tools).
  bool wipe = true;
};

class StateBackend {
 public:
  // Opens (creating the directory and its parents) the store in `dir`. IOError naming
  // `dir` when it cannot be created or written (a file in the way, no permission) or
  // when an existing store is corrupt.
  static Result<std::unique_ptr<StateBackend>> Open(const std::string& dir,
                                                    const StateBackendOptions& options = {});
  ~StateBackend();  // closes; errors on close are ignored (call Close to see them)
  StateBackend(const StateBackend&) = delete;
  StateBackend& operator=(const StateBackend&) = delete;

  const std::string& dir() const { return dir_; }

  // Looks up keys[0..n) in one batch. On success values->size() == found->size() == n
  // and (*found)[i] says whether keys[i] exists, (*values)[i] holding its value then
  // (empty otherwise). The vectors are reused between calls. IOError on a read error.
  Status MultiGet(const std::vector<std::string_view>& keys, std::vector<std::string>* values,
                  std::vector<uint8_t>* found) const;

  // Puts and deletes applied together by Write, in order.
  class WriteBatch {
   public:
    WriteBatch();
    ~WriteBatch();
    void Put(std::string_view key, std::string_view value);
    void Delete(std::string_view key);
    int64_t count() const;
    void Clear();

   private:
    friend class StateBackend;
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };
  // Applies `batch` atomically and clears it. IOError on failure.
  Status Write(WriteBatch* batch);

  // Visits every entry in key order. The views are valid until Next().
  class Iterator {
   public:
    ~Iterator();
    bool Valid() const;
    void Next();
    std::string_view key() const;
    std::string_view value() const;
    // OK, or the IOError that ended the iteration early (check when !Valid()).
    Status status() const;

   private:
    friend class StateBackend;
    struct Impl;
    explicit Iterator(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };
  // The iterator sees the entries as of this call; it must not outlive the store.
  std::unique_ptr<Iterator> NewIterator() const;

  // Writes the in-memory part (memtable) to files (tests use it to reach the disk).
  Status Flush();
  // Closes the store; later calls fail. IOError when closing fails.
  Status Close();

 private:
  struct Impl;
  StateBackend(std::string dir, std::unique_ptr<Impl> impl);
  Status Error(const std::string& what, const std::string& detail) const;

  std::string dir_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::stream
