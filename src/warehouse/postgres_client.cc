#include "warehouse/postgres_client.h"

#include <cctype>
#include <cstring>

namespace sluice::warehouse {

namespace {

std::string Field(const PGresult* res, int code) {
  const char* v = res != nullptr ? PQresultErrorField(res, code) : nullptr;
  return v != nullptr ? v : "";
}

std::string TrimTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Position just past the quoted text starting at sql[i] (the opening quote), where a
// doubled quote stands for itself and `backslash` escapes the next character.
size_t SkipQuoted(std::string_view sql, size_t i, char quote, bool backslash) {
  for (++i; i < sql.size(); ++i) {
    if (backslash && sql[i] == '\\') {
      ++i;
    } else if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        ++i;
      } else {
        return i + 1;
      }
    }
  }
  return sql.size();
}

// If sql[i] starts a dollar quote ($$ or $tag$), the position just past its closing
// tag; otherwise i + 1 (a lone '$', as in a parameter $1).
size_t SkipDollarQuoted(std::string_view sql, size_t i) {
  size_t j = i + 1;
  while (j < sql.size() && IsIdentChar(sql[j]) &&
         !(j == i + 1 && std::isdigit(static_cast<unsigned char>(sql[j])))) {
    ++j;
  }
  if (j >= sql.size() || sql[j] != '$') return i + 1;
  const std::string_view tag = sql.substr(i, j - i + 1);
  const size_t end = sql.find(tag, j + 1);
  return end == std::string_view::npos ? sql.size() : end + tag.size();
}

size_t SkipBlockComment(std::string_view sql, size_t i) {
  int depth = 0;
  while (i + 1 < sql.size()) {
    if (sql[i] == '/' && sql[i + 1] == '*') {
      ++depth;
      i += 2;
    } else if (sql[i] == '*' && sql[i + 1] == '/') {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return sql.size();
}

}  // namespace

Status PostgresError(PGconn* conn, const PGresult* res) {
  if (conn != nullptr && PQstatus(conn) == CONNECTION_BAD) {
    return Status::IOError("lost the connection to the PostgreSQL server: " +
                           TrimTrailingNewlines(PQerrorMessage(conn)));
  }
  const std::string sqlstate = Field(res, PG_DIAG_SQLSTATE);
  std::string primary = Field(res, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) {
    const char* m = res != nullptr ? PQresultErrorMessage(res) : nullptr;
    primary = TrimTrailingNewlines(m != nullptr && *m != '\0'
                                       ? m
                                       : (conn != nullptr ? PQerrorMessage(conn) : ""));
    if (primary.empty()) primary = "unknown PostgreSQL error";
    return Status::Invalid(primary);
  }
  std::string severity = Field(res, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity.empty()) severity = "ERROR";
  std::string msg = severity + (sqlstate.empty() ? "" : " " + sqlstate) + ": " + primary;
  const std::string detail = Field(res, PG_DIAG_MESSAGE_DETAIL);
  const std::string hint = Field(res, PG_DIAG_MESSAGE_HINT);
  const std::string context = Field(res, PG_DIAG_CONTEXT);
  if (!detail.empty()) msg += " (DETAIL: " + detail + ")";
  if (!hint.empty()) msg += " (HINT: " + hint + ")";
  if (!context.empty()) msg += " (CONTEXT: " + context + ")";
  if (sqlstate == "42601") return Status::ParseError(std::move(msg));
  return Status::Invalid(std::move(msg));
}

Status PostgresExec(PGconn* conn, const std::string& sql) {
  PGresultPtr res(PQexec(conn, sql.c_str()));
  const ExecStatusType st = res != nullptr ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
    return Status::OK();
  }
  if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
    // Leave the connection usable: abandon the copy and drain its result.
    if (st == PGRES_COPY_IN) (void)PQputCopyEnd(conn, "COPY through Execute is not supported");
    while (PGresult* r = PQgetResult(conn)) PQclear(r);
    return Status::NotImplemented(
        "COPY ... FROM STDIN / TO STDOUT cannot run through a warehouse connection; "
        "load through an appender or COPY from a server-side file");
  }
  return PostgresError(conn, res.get());
}

Status PostgresCommit(PGconn* conn, const std::string& what) {
  PGresultPtr res(PQexec(conn, "COMMIT"));
  if (res == nullptr || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    Status st = PostgresError(conn, res.get());
    if (st.code() == StatusCode::kIOError) {
      return Status::IOError(st.message() + "; it went during COMMIT, so whether " + what +
                             " committed is unknown (LastCommit on a new connection tells for "
                             "exactly-once loads)");
    }
    (void)PostgresExec(conn, "ROLLBACK");
    return Status(st.code(), what + " were rolled back: " + st.message());
  }
  if (std::strcmp(PQcmdStatus(res.get()), "COMMIT") != 0) {
    return Status::Invalid(what +
                           " were rolled back: the server aborted the transaction (a statement "
                           "run on this connection since then failed)");
  }
  return Status::OK();
}

Result<std::vector<TextRow>> PostgresQueryText(
    PGconn* conn, const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresultPtr res(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
  if (res == nullptr || PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    return PostgresError(conn, res.get());
  }
  std::vector<TextRow> rows;
  const int nrows = PQntuples(res.get());
  const int ncols = PQnfields(res.get());
  for (int r = 0; r < nrows; ++r) {
    TextRow row;
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(res.get(), r, c),
                                     static_cast<size_t>(PQgetlength(res.get(), r, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string_view> SplitStatements(std::string_view sql) {
  std::vector<std::string_view> out;
  size_t start = 0;
  size_t i = 0;
  bool content = false;  // the current piece has more than blanks and comments
  auto emit = [&](size_t end) {
    if (content) out.push_back(sql.substr(start, end - start));
    content = false;
  };
  while (i < sql.size()) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (c == '-' && next == '-') {
      const size_t eol = sql.find('\n', i);
      i = eol == std::string_view::npos ? sql.size() : eol + 1;
      continue;
    }
    if (c == '/' && next == '*') {
      i = SkipBlockComment(sql, i);
      continue;
    }
    if (c == ';') {
      emit(i);
      start = ++i;
      continue;
    }
    if (!std::isspace(static_cast<unsigned char>(c))) content = true;
    if (c == '\'') {
      // E'...' strings honour backslash escapes; plain ones do not
      // (standard_conforming_strings, on by default since PostgreSQL 9.1).
      const bool escaped = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                           (i == 1 || !IsIdentChar(sql[i - 2]));
      i = SkipQuoted(sql, i, '\'', escaped);
    } else if (c == '"') {
      i = SkipQuoted(sql, i, '"', false);
    } else if (c == '$' && (i == 0 || !IsIdentChar(sql[i - 1]))) {
      i = SkipDollarQuoted(sql, i);
    } else {
      ++i;
    }
  }
  emit(sql.size());
  return out;
}

}  // namespace sluice::warehouse
