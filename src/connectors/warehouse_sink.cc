#include "connectors/warehouse_sink.h"

#include "warehouse/table_name.h"

namespace sluice::connectors {

WarehouseSink::~WarehouseSink() {
  // Without Close, uncommitted rows are dropped (the appender rolls them back).
  appender_.reset();
  conn_.reset();
}

Status WarehouseSink::Open(const ConnectorContext& ctx, const SchemaPtr& schema) {
  name_ = ctx.name.empty() ? table_ : ctx.name;
  const std::string who = "sink '" + name_ + "'";
  if (ctx.warehouse == nullptr) {
    return Status::Invalid(who + ": no warehouse is open to write table '" + table_ +
                           "' into (configure `warehouse` in sluice.yaml)");
  }
  if (!required_kind_.empty() && ctx.warehouse->Kind() != required_kind_) {
    return Status::Invalid(who + " is of type '" + required_kind_ + "', but the project's warehouse is " +
                           ctx.warehouse->Describe() + "; use 'type: warehouse' to write there");
  }
  Result<warehouse::TableName> parsed = warehouse::ParseTableName(table_);
  if (!parsed.ok()) return parsed.status().WithContext(who);
  Result<std::unique_ptr<warehouse::Connection>> conn = ctx.warehouse->Connect();
  if (!conn.ok()) return conn.status().WithContext(who);
  conn_ = std::move(*conn);
  SLUICE_RETURN_NOT_OK(conn_->EnsureTable(table_, *schema).WithContext(who));
  if (!key_.empty()) {
    Result<std::unique_ptr<warehouse::TableUpserter>> upserter = conn_->Upsert(table_, *schema, key_);
    if (!upserter.ok()) return upserter.status().WithContext(who);
    upserter_ = upserter->get();
    appender_ = std::move(*upserter);
    return Status::OK();
  }
  Result<std::unique_ptr<warehouse::TableAppender>> appender = conn_->Append(table_, *schema);
  if (!appender.ok()) return appender.status().WithContext(who);
  appender_ = std::move(*appender);
  return Status::OK();
}

Status WarehouseSink::Write(const RecordBatch& batch) {
  if (appender_ == nullptr) {
    return Status::Invalid("sink '" + name_ + "': Write before Open or after Close");
  }
  return appender_->Write(batch).WithContext("sink '" + name_ + "'");
}

Status WarehouseSink::WriteChanges(const warehouse::ChangeBatch& changes) {
  if (upserter_ == nullptr) {
    return Status::Invalid("sink '" + name_ + "': changes before Open, after Close, or without a key");
  }
  return upserter_->WriteChanges(changes).WithContext("sink '" + name_ + "'");
}

Status WarehouseSink::Flush() {
  if (appender_ == nullptr) return Status::OK();
  return appender_->Flush().WithContext("sink '" + name_ + "'");
}

Status WarehouseSink::FlushWithCommit(const std::string& commit_key, int64_t checkpoint_id,
                                      const std::string& position) {
  if (appender_ == nullptr) {
    return Status::Invalid("sink '" + name_ + "': commit before Open or after Close");
  }
  Status st = appender_->FlushWithCommit(commit_key, checkpoint_id, position);
  // AlreadyExists keeps its code: the caller treats it as "already committed".
  return st.WithContext("sink '" + name_ + "'");
}

Result<int64_t> WarehouseSink::LastCommittedCheckpoint(const std::string& commit_key) {
  if (conn_ == nullptr) return Status::Invalid("sink '" + name_ + "': not open");
  Result<std::optional<warehouse::CommitRecord>> last = conn_->LastCommit(commit_key);
  if (!last.ok()) return last.status().WithContext("sink '" + name_ + "'");
  return last->has_value() ? (*last)->checkpoint_id : int64_t{-1};
}

Result<std::string> WarehouseSink::LastCommittedPosition(const std::string& commit_key) {
  if (conn_ == nullptr) return Status::Invalid("sink '" + name_ + "': not open");
  Result<std::optional<warehouse::CommitRecord>> last = conn_->LastCommit(commit_key);
  if (!last.ok()) return last.status().WithContext("sink '" + name_ + "'");
  return last->has_value() ? (*last)->position : std::string();
}

Status WarehouseSink::Close() {
  Status st;
  if (appender_ != nullptr) st = appender_->Close().WithContext("sink '" + name_ + "'");
  upserter_ = nullptr;
  appender_.reset();
  conn_.reset();
  return st;
}

namespace {

std::unique_ptr<Sink> MakeSink(OptionReader& options, const ConnectorContext& ctx,
                               std::string required_kind) {
  std::string table = options.String("table", ctx.name);
  Result<warehouse::TableName> parsed = warehouse::ParseTableName(table);
  if (!parsed.ok()) {
    if (options.Has("table")) {
      options.Error("table", parsed.status().message());
    } else {
      options.Error("table", parsed.status().message(),
                    "the table defaults to the sink's name; set `table:` to a valid name");
    }
    return nullptr;
  }
  return std::make_unique<WarehouseSink>(std::move(table), std::move(required_kind));
}

}  // namespace

std::unique_ptr<Sink> MakeWarehouseSink(OptionReader& options, const ConnectorContext& ctx) {
  return MakeSink(options, ctx, "");
}

std::unique_ptr<Sink> MakeDuckDBSink(OptionReader& options, const ConnectorContext& ctx) {
  return MakeSink(options, ctx, "duckdb");
}

std::unique_ptr<Sink> NewWarehouseTableSink(std::string table, std::vector<std::string> key) {
  return std::make_unique<WarehouseSink>(std::move(table), "", std::move(key));
}

}  // namespace sluice::connectors
