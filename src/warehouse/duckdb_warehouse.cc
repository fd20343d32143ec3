#include "warehouse/duckdb_warehouse.h"

#include <duckdb.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>

#include "warehouse/duckdb_connection.h"

namespace sluice::warehouse {

namespace {

class DuckDBWarehouse : public Warehouse {
 public:
  explicit DuckDBWarehouse(std::shared_ptr<DuckDBDatabase> db) : db_(std::move(db)) {}

  Result<std::unique_ptr<Connection>> Connect() override { return DuckDBConnection::Make(db_); }
  std::string Describe() const override { return "duckdb:" + db_->path(); }
  std::string_view Kind() const override { return "duckdb"; }

 private:
  std::shared_ptr<DuckDBDatabase> db_;
};

// Files this process has open. DuckDB's C API would happily open one file twice in one
// process (its lock is per process), and two instances writing one file corrupt it.
std::mutex g_open_mutex;
std::map<std::string, std::weak_ptr<DuckDBDatabase>> g_open_files;

Result<std::shared_ptr<DuckDBDatabase>> OpenDatabase(const std::string& path) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) {
    return Status::Internal("duckdb_create_config failed");
  }
  duckdb_database db = nullptr;
  char* error = nullptr;
  const bool memory = path == ":memory:";
  const duckdb_state state = duckdb_open_ext(memory ? nullptr : path.c_str(), &db, config, &error);
  duckdb_destroy_config(&config);
  if (state != DuckDBSuccess) {
    std::string msg = error != nullptr ? error : "unknown error";
    duckdb_free(error);
    if (msg.find("Could not set lock") != std::string::npos ||
        msg.find("Conflicting lock") != std::string::npos) {
      return Status::IOError("the warehouse " + path +
                             " is locked by another process: another `sluice run` may be using "
                             "it; stop that process or point the project at another warehouse "
                             "file (DuckDB: " +
                             msg + ")");
    }
    return Status::IOError("cannot open the DuckDB warehouse " + path + ": " + msg);
  }
  if (memory) return std::make_shared<DuckDBDatabase>(db, path);
  // Close under the registry lock, so a concurrent OpenDuckDB of the same file waits
  // for this instance to finish closing before it opens a new one.
  return std::shared_ptr<DuckDBDatabase>(new DuckDBDatabase(db, path), [](DuckDBDatabase* d) {
    std::lock_guard<std::mutex> lock(g_open_mutex);
    delete d;
  });
}

}  // namespace

Result<std::unique_ptr<Warehouse>> OpenDuckDB(const std::string& path) {
  if (path.empty()) return Status::Invalid("the DuckDB warehouse path is empty");
  if (path == ":memory:") {
    SLUICE_ASSIGN_OR_RETURN(auto db, OpenDatabase(path));
    return std::unique_ptr<Warehouse>(new DuckDBWarehouse(std::move(db)));
  }
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (!ec) abs = std::filesystem::weakly_canonical(abs, ec);
  if (ec) return Status::IOError("cannot resolve the warehouse path " + path + ": " + ec.message());
  if (abs.has_parent_path() && !std::filesystem::exists(abs.parent_path(), ec)) {
    std::filesystem::create_directories(abs.parent_path(), ec);
    if (ec) {
      return Status::IOError("cannot create the folder for the warehouse " + abs.string() + ": " +
                             ec.message());
    }
  }
  const std::string key = abs.string();
  std::lock_guard<std::mutex> lock(g_open_mutex);
  std::shared_ptr<DuckDBDatabase> db = g_open_files[key].lock();
  if (db == nullptr) {
    SLUICE_ASSIGN_OR_RETURN(db, OpenDatabase(key));
    g_open_files[key] = db;
  }
  return std::unique_ptr<Warehouse>(new DuckDBWarehouse(std::move(db)));
}

}  // namespace sluice::warehouse
