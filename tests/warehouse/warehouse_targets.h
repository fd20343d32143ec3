// The warehouses that adapter-independent tests run against: DuckDB (a file in a
// temporary folder) and PostgreSQL (a fresh database per test on the process's shared
// throwaway server, see warehouse/scratch_postgres.h). Used with GoogleTest typed tests:
//
//   TYPED_TEST_SUITE(UpsertTest, WarehouseTargets, TargetNames);
//
// Each target opens warehouses by a short name ("warehouse", "fresh"): the same name in
// one test reopens the same data, another name is another, empty warehouse.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "warehouse/scratch_postgres.h"
#include "warehouse/duckdb_warehouse.h"
#include "warehouse/postgres_warehouse.h"
#include "warehouse_test_util.h"

namespace sluice::warehouse::testing {

class DuckDBTarget {
 public:
  static constexpr bool kIsDuckDB = true;
  Result<std::unique_ptr<Warehouse>> Open(const std::string& name) {
    return OpenDuckDB(dir_.File(name + ".duckdb"));
  }
  // The number of temporary tables the connection sees.
  static const char* TempTablesSql() {
    return "SELECT count(*) FROM duckdb_tables() WHERE temporary";
  }

 private:
  TempDir dir_;
};

class PostgresTarget {
 public:
  static constexpr bool kIsDuckDB = false;
  Result<std::unique_ptr<Warehouse>> Open(const std::string& name) {
    ScratchPostgres& server = ScratchPostgres::Shared();
    if (!server.ok()) return Status::IOError(server.error());
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const size_t h = std::hash<std::string>()(std::string(info->test_suite_name()) + "." +
                                              info->name());
    std::string db = "w" + std::to_string(h % 1000000000) + "_";
    for (char c : name) db += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (created_.insert(db).second) {
      SLUICE_ASSIGN_OR_RETURN(auto admin, OpenPostgres(server.Url("postgres")));
      SLUICE_ASSIGN_OR_RETURN(auto conn, admin->Connect());
      SLUICE_RETURN_NOT_OK(conn->Execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)"));
      SLUICE_RETURN_NOT_OK(conn->Execute("CREATE DATABASE " + db));
    }
    return OpenPostgres(server.Url(db));
  }
  static const char* TempTablesSql() {
    return "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()";
  }

 private:
  std::set<std::string> created_;
};

using WarehouseTargets = ::testing::Types<DuckDBTarget, PostgresTarget>;

struct TargetNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kIsDuckDB ? "DuckDB" : "Postgres";
  }
};

// `s` in lower case, for matching messages whose type names differ in case.
inline std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace sluice::warehouse::testing
