// Small helpers over libpq shared by the PostgreSQL adapter's classes (internal to the
// adapter): result ownership, error translation, simple statements and statement
// splitting.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::warehouse {

struct PGresultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PGresultPtr = std::unique_ptr<PGresult, PGresultDeleter>;

// The Status for a failed command: the server's own message with its severity and
// SQLSTATE ("ERROR 42P01: relation \"nope\" does not exist"), plus DETAIL and HINT
// when the server sent them. kParseError for syntax errors (SQLSTATE 42601), IOError
// when the connection is gone, kInvalid otherwise. `res` may be null.
Status PostgresError(PGconn* conn, const PGresult* res);

// Runs `sql` (one or more statements, simple protocol), discarding rows.
Status PostgresExec(PGconn* conn, const std::string& sql);

// Commits the open transaction on `conn`. `what` names what is committed, for
// messages ("rows written to t since the last flush"). When the server aborted the
// transaction earlier (COMMIT then answers ROLLBACK) or refuses the commit, returns
// Invalid "<what> were rolled back: <why>". When the connection is lost during COMMIT,
// returns IOError saying the outcome is unknown (the server may have committed).
Status PostgresCommit(PGconn* conn, const std::string& what);

// One row of a text-format result; nullopt for NULL.
using TextRow = std::vector<std::optional<std::string>>;

// Runs one statement with text parameters ($1, $2, ...; nullopt binds NULL) and
// returns its rows as text. For small catalog queries, not for data.
Result<std::vector<TextRow>> PostgresQueryText(
    PGconn* conn, const std::string& sql, const std::vector<std::optional<std::string>>& params);

// Splits SQL text at the semicolons that end statements, skipping those inside
// quotes ('...', E'...', "..."), dollar quotes ($tag$...$tag$) and comments (--, and
// nested /* */). Pieces holding only blanks and comments are dropped; each piece
// excludes its semicolon.
// Known limit: a SQL-standard function body (BEGIN ATOMIC ... END) is split.
std::vector<std::string_view> SplitStatements(std::string_view sql);

}  // namespace sluice::warehouse
