// WarehouseSink: the `warehouse` and `duckdb` sinks, and the target of every
// `CREATE MATERIALIZED VIEW`. Lands batches in a table of the project's warehouse
// (ConnectorContext::warehouse: DuckDB or PostgreSQL), creating the table from the
// stream's schema or checking an existing one (compatible columns only; new nullable
// columns are added). The `duckdb` type is the same sink, insisting that the project's
// warehouse is DuckDB.
//
// Options:
//   table   the table, "name" or "schema.name" (default: the sink's name)
//
// Rows written between two Flush calls commit together: Flush makes them visible to
// every other connection; Close flushes. Uses a warehouse connection of its own, so
// the sink must be driven by one thread at a time (as every sink is).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "core/config.h"
#include "warehouse/warehouse.h"

namespace sluice::connectors {

class WarehouseSink final : public Sink {
 public:
  // `table` must be a valid table name (see warehouse::ParseTableName); Open checks it.
  // A non-empty `required_kind` ("duckdb") makes Open fail on another kind of warehouse.
  // A non-empty `key` makes the sink an upserter on those columns (materialized views
  // of GROUP BY queries): WriteChanges applies changelogs (see warehouse::ChangeBatch),
  // Write upserts every row.
  explicit WarehouseSink(std::string table, std::string required_kind = "",
                         std::vector<std::string> key = {})
      : table_(std::move(table)), required_kind_(std::move(required_kind)), key_(std::move(key)) {}
  ~WarehouseSink() override;

  // Fails when ctx.warehouse is null, the table name is invalid, or the table exists
  // with incompatible columns (the message names the column and both types).
  Status Open(const ConnectorContext& ctx, const SchemaPtr& schema) override;
  Status Write(const RecordBatch& batch) override;
  bool AcceptsChanges() const override { return !key_.empty(); }
  Status WriteChanges(const warehouse::ChangeBatch& changes) override;
  Status Flush() override;
  Status Close() override;
  // Exactly-once: the warehouse's FlushWithCommit / LastCommit (`_sluice_commits`).
  bool SupportsCommit() const override { return true; }
  Status FlushWithCommit(const std::string& commit_key, int64_t checkpoint_id,
                         const std::string& position) override;
  Result<int64_t> LastCommittedCheckpoint(const std::string& commit_key) override;
  Result<std::string> LastCommittedPosition(const std::string& commit_key) override;

  const std::string& table() const { return table_; }

 private:
  std::string table_;
  std::string required_kind_;
  std::vector<std::string> key_;
  std::string name_;  // the sink's name, for messages
  // Declared before appender_: the appender must be destroyed before its connection.
  std::unique_ptr<warehouse::Connection> conn_;
  std::unique_ptr<warehouse::TableAppender> appender_;
  warehouse::TableUpserter* upserter_ = nullptr;  // appender_ itself when key_ is set
};

// Registry factories for `type: warehouse` and `type: duckdb`. Read `table` (defaulting
// to ctx.name) and report an invalid name at the option's location; nullptr then.
std::unique_ptr<Sink> MakeWarehouseSink(OptionReader& options, const ConnectorContext& ctx);
std::unique_ptr<Sink> MakeDuckDBSink(OptionReader& options, const ConnectorContext& ctx);

// The sink made in code, for `CREATE MATERIALIZED VIEW name AS ...` targets; with a
// key (the GROUP BY columns) it upserts changelogs.
std::unique_ptr<Sink> NewWarehouseTableSink(std::string table, std::vector<std::string> key = {});

}  // namespace sluice::connectors
