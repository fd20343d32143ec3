#include "orchestrate/lookup_tables.h"

#include "orchestrate/project_warehouse.h"
#include "warehouse/table_name.h"

namespace sluice::orchestrate {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Loads whole tables with SELECT <columns> FROM <table> through one connection.
class WarehouseTableProvider final : public stream::LookupTableProvider {
 public:
  explicit WarehouseTableProvider(std::shared_ptr<WarehouseLookupTables> tables) : tables_(std::move(tables)) {}

  Result<std::vector<RecordBatchPtr>> Load(const std::string& table, const SchemaPtr& schema) override {
    if (!conn_) {
      SLUICE_ASSIGN_OR_RETURN(warehouse::Warehouse * wh, tables_->Open());
      SLUICE_ASSIGN_OR_RETURN(conn_, wh->Connect());
    }
    SLUICE_ASSIGN_OR_RETURN(warehouse::TableName name, warehouse::ParseTableName(table));
    // A view of this project that has not landed a row yet is an empty table.
    SLUICE_ASSIGN_OR_RETURN(bool exists, conn_->TableExists(table));
    if (!exists) return std::vector<RecordBatchPtr>{};
    std::string sql = "SELECT ";
    for (int i = 0; i < schema->num_fields(); ++i) {
      sql += (i ? ", " : "") + warehouse::QuoteIdentifier(schema->field(i).name);
    }
    sql += " FROM " + name.ToSql();
    SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult rows, conn_->Query(sql));
    return std::move(rows.batches);
  }

 private:
  std::shared_ptr<WarehouseLookupTables> tables_;
  std::unique_ptr<warehouse::Connection> conn_;
};

}  // namespace

void WarehouseLookupTables::AddView(const std::string& name, SchemaPtr schema) {
  std::lock_guard<std::mutex> lock(mu_);
  views_[Lower(name)] = std::move(schema);
}

Result<warehouse::Warehouse*> WarehouseLookupTables::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!warehouse_) {
    Result<std::unique_ptr<warehouse::Warehouse>> wh = OpenProjectWarehouse(project_);
    if (!wh.ok()) return wh.status();
    warehouse_ = std::move(wh).value();
  }
  return warehouse_.get();
}

Result<SchemaPtr> WarehouseLookupTables::Find(std::string_view name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = views_.find(Lower(name));
    if (it != views_.end()) return it->second;
  }
  Result<warehouse::TableName> parsed = warehouse::ParseTableName(name);
  if (!parsed.ok()) return SchemaPtr();  // not a table name the warehouse could hold
  SLUICE_ASSIGN_OR_RETURN(warehouse::Warehouse * wh, Open());
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<warehouse::Connection> conn, wh->Connect());
  SLUICE_ASSIGN_OR_RETURN(bool exists, conn->TableExists(name));
  if (!exists) return SchemaPtr();
  SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult r, conn->Query("SELECT * FROM " + parsed->ToSql() + " LIMIT 0"));
  return r.schema;
}

std::shared_ptr<stream::LookupTableProvider> WarehouseLookupTables::NewProvider() {
  return std::make_shared<WarehouseTableProvider>(shared_from_this());
}

}  // namespace sluice::orchestrate
