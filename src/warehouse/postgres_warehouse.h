// The PostgreSQL warehouse (libpq): tables live in a PostgreSQL database, loads use
// binary COPY, queries read binary results. See docs/warehouse.md ("PostgreSQL").
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

// Opens the PostgreSQL database named by `conninfo`, a libpq connection URL
// ("postgresql://user:secret@host:5432/db?sslmode=require") or key=value string
// ("host=... port=... dbname=... user=..."). Missing parts take libpq's defaults
// (PGHOST, PGUSER, ... environment variables, then the local socket and OS user).
// Connects once to check the server is reachable and the login works, so a wrong URL
// fails here: Invalid when the string does not parse, IOError when the connection
// fails, with a message naming host:port, the likely cause and "check warehouse.url".
// No message and no Describe() ever contains the password.
//
// Every Connect() opens a new server connection (one per thread; see warehouse.h),
// with client_encoding UTF8 and a 10 s connect_timeout unless the string sets one.
Result<std::unique_ptr<Warehouse>> OpenPostgres(const std::string& conninfo);

}  // namespace sluice::warehouse
