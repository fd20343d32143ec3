#include "warehouse/duckdb_types.h"

namespace sluice::warehouse {

std::string DuckDBTypeName(const DataType& type) {
  switch (type.id) {
    case TypeId::kBoolean:
      return "BOOLEAN";
    case TypeId::kInt32:
      return "INTEGER";
    case TypeId::kInt64:
      return "BIGINT";
    case TypeId::kDouble:
      return "DOUBLE";
    case TypeId::kDecimal:
      return "DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeId::kVarchar:
      return "VARCHAR";
    case TypeId::kTimestamp:
      return "TIMESTAMP";
    case TypeId::kDate:
      return "DATE";
    case TypeId::kInterval:
      return "INTERVAL";
  }
  return "VARCHAR";
}

duckdb_logical_type NewDuckDBLogicalType(const DataType& type) {
  switch (type.id) {
    case TypeId::kBoolean:
      return duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
    case TypeId::kInt32:
      return duckdb_create_logical_type(DUCKDB_TYPE_INTEGER);
    case TypeId::kInt64:
      return duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
    case TypeId::kDouble:
      return duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE);
    case TypeId::kDecimal:
      return duckdb_create_decimal_type(type.precision, type.scale);
    case TypeId::kVarchar:
      return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
    case TypeId::kTimestamp:
      return duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP);
    case TypeId::kDate:
      return duckdb_create_logical_type(DUCKDB_TYPE_DATE);
    case TypeId::kInterval:
      return duckdb_create_logical_type(DUCKDB_TYPE_INTERVAL);
  }
  return duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
}

namespace {

const char* DuckDBTypeIdName(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_LIST:
      return "LIST";
    case DUCKDB_TYPE_STRUCT:
      return "STRUCT";
    case DUCKDB_TYPE_MAP:
      return "MAP";
    case DUCKDB_TYPE_ARRAY:
      return "ARRAY";
    case DUCKDB_TYPE_UNION:
      return "UNION";
    case DUCKDB_TYPE_UUID:
      return "UUID";
    case DUCKDB_TYPE_BLOB:
      return "BLOB";
    case DUCKDB_TYPE_TIME:
      return "TIME";
    case DUCKDB_TYPE_TIME_TZ:
      return "TIME WITH TIME ZONE";
    case DUCKDB_TYPE_ENUM:
      return "ENUM";
    case DUCKDB_TYPE_BIT:
      return "BIT";
    case DUCKDB_TYPE_UBIGINT:
      return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT:
      return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT:
      return "UHUGEINT";
    default:
      return "another DuckDB type";
  }
}

}  // namespace

ColumnMapping MapDuckDBType(duckdb_logical_type type) {
  ColumnMapping m;
  const duckdb_type id = duckdb_get_type_id(type);
  m.source = id;
  m.duckdb_name = DuckDBTypeIdName(id);
  auto set = [&m](ColumnReader r, DataType t) {
    m.reader = r;
    m.type = t;
    return m;
  };
  switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
      return set(ColumnReader::kBoolean, DataType::Boolean());
    case DUCKDB_TYPE_TINYINT:
      return set(ColumnReader::kInt8, DataType::Int32());
    case DUCKDB_TYPE_SMALLINT:
      return set(ColumnReader::kInt16, DataType::Int32());
    case DUCKDB_TYPE_INTEGER:
      return set(ColumnReader::kInt32, DataType::Int32());
    case DUCKDB_TYPE_BIGINT:
      return set(ColumnReader::kInt64, DataType::Int64());
    case DUCKDB_TYPE_UTINYINT:
      return set(ColumnReader::kUInt8, DataType::Int64());
    case DUCKDB_TYPE_USMALLINT:
      return set(ColumnReader::kUInt16, DataType::Int64());
    case DUCKDB_TYPE_UINTEGER:
      return set(ColumnReader::kUInt32, DataType::Int64());
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
      return set(ColumnReader::kWide, DataType::Decimal(18, 0));
    case DUCKDB_TYPE_FLOAT:
      return set(ColumnReader::kFloat, DataType::Double());
    case DUCKDB_TYPE_DOUBLE:
      return set(ColumnReader::kDouble, DataType::Double());
    case DUCKDB_TYPE_VARCHAR:
      return set(ColumnReader::kVarchar, DataType::Varchar());
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return set(ColumnReader::kTimestamp, DataType::Timestamp());
    case DUCKDB_TYPE_TIMESTAMP_S:
      return set(ColumnReader::kTimestampS, DataType::Timestamp());
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return set(ColumnReader::kTimestampMs, DataType::Timestamp());
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return set(ColumnReader::kTimestampNs, DataType::Timestamp());
    case DUCKDB_TYPE_DATE:
      return set(ColumnReader::kDate, DataType::Date());
    case DUCKDB_TYPE_INTERVAL:
      return set(ColumnReader::kInterval, DataType::Interval());
    case DUCKDB_TYPE_DECIMAL: {
      const uint8_t width = duckdb_decimal_width(type);
      const uint8_t scale = duckdb_decimal_scale(type);
      m.duckdb_name = "DECIMAL(" + std::to_string(width) + "," + std::to_string(scale) + ")";
      m.scale = scale;
      const duckdb_type internal = duckdb_decimal_internal_type(type);
      m.source = internal;
      const DataType t = DataType::Decimal(width, scale);
      switch (internal) {
        case DUCKDB_TYPE_SMALLINT:
          return set(ColumnReader::kDecimal16, t);
        case DUCKDB_TYPE_INTEGER:
          return set(ColumnReader::kDecimal32, t);
        case DUCKDB_TYPE_BIGINT:
          return set(ColumnReader::kDecimal64, t);
        default:
          // Wider than 18 digits: DECIMAL(18,s) when every value fits, else DOUBLE.
          return set(ColumnReader::kWide, scale <= kMaxDecimalPrecision
                                              ? DataType::Decimal(18, scale)
                                              : DataType::Double());
      }
    }
    default:
      return set(ColumnReader::kUnsupported, DataType::Varchar());
  }
}

}  // namespace sluice::warehouse
