#include "warehouse/postgres_warehouse.h"

#include <libpq-fe.h>

#include <set>

#include "warehouse/postgres_connection.h"

namespace sluice::warehouse {

namespace {

struct PGconnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PGconnPtr = std::unique_ptr<PGconn, PGconnCloser>;

std::string FirstLine(const char* text) {
  std::string s = text != nullptr ? text : "";
  const size_t eol = s.find('\n');
  if (eol != std::string::npos) s.resize(eol);
  return s;
}

bool Contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// libpq's parse errors quote pieces of the string ("missing \"=\" after \"xyz\""), and
// a piece may be part of a password: keep quoted words only if they are option names.
std::string RedactParseError(const std::string& msg) {
  std::set<std::string> keywords;
  if (PQconninfoOption* defaults = PQconndefaults()) {
    for (PQconninfoOption* o = defaults; o->keyword != nullptr; ++o) keywords.insert(o->keyword);
    PQconninfoFree(defaults);
  }
  std::string out;
  size_t i = 0;
  while (i < msg.size()) {
    const size_t open = msg.find('"', i);
    const size_t close = open == std::string::npos ? open : msg.find('"', open + 1);
    if (close == std::string::npos) {
      out += msg.substr(i);
      break;
    }
    const std::string word = msg.substr(open + 1, close - open - 1);
    out += msg.substr(i, open - i + 1);
    out += (word == "=" || keywords.count(word) != 0) ? word : "...";
    out += '"';
    i = close + 1;
  }
  return out;
}

// What most likely went wrong, from libpq's message, in words that say what to check.
std::string ConnectCause(const std::string& libpq) {
  if (Contains(libpq, "Connection refused")) return "connection refused; is the server running?";
  if (Contains(libpq, "password authentication failed") ||
      Contains(libpq, "no password supplied") || Contains(libpq, "authentication failed")) {
    return "authentication failed; check the user and password";
  }
  if (Contains(libpq, "could not translate host name")) return "unknown host; check the host name";
  if (Contains(libpq, "timeout expired")) return "timed out; is the host reachable?";
  if (Contains(libpq, "does not exist")) return "the database or role does not exist";
  if (Contains(libpq, "No such file or directory")) {
    return "no server on the local socket; is the server running, or should the URL name a host?";
  }
  return "connection failed";
}

class PostgresWarehouse : public Warehouse {
 public:
  PostgresWarehouse(std::string conninfo, std::string describe)
      : conninfo_(std::move(conninfo)), describe_(std::move(describe)) {}

  Result<std::unique_ptr<Connection>> Connect() override;
  std::string Describe() const override { return describe_; }
  std::string_view Kind() const override { return "postgres"; }

  // Opens a connection or fails with a message that says what to check.
  static Result<PGconnPtr> Open(const std::string& conninfo);

 private:
  std::string conninfo_;  // holds the password, if any: never printed
  std::string describe_;
};

Result<PGconnPtr> PostgresWarehouse::Open(const std::string& conninfo) {
  // With expand_dbname, the string's own settings override the defaults before it
  // and the ones after it override the string.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", "client_encoding",
                            nullptr};
  const char* values[] = {"10", "sluice", conninfo.c_str(), "UTF8", nullptr};
  PGconnPtr conn(PQconnectdbParams(keywords, values, 1));
  if (conn == nullptr) return Status::IOError("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    const std::string libpq = PQerrorMessage(conn.get());
    const char* host = PQhost(conn.get());
    const char* port = PQport(conn.get());
    std::string where = host != nullptr && *host != '\0' ? host : "localhost";
    if (port != nullptr && *port != '\0') where += std::string(":") + port;
    return Status::IOError("could not connect to " + where + ": " + ConnectCause(libpq) +
                           " check warehouse.url (libpq: " + FirstLine(libpq.c_str()) + ")");
  }
  // The server's NOTICEs ("table ... does not exist, skipping") would go to stderr.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

Result<std::unique_ptr<Connection>> PostgresWarehouse::Connect() {
  SLUICE_ASSIGN_OR_RETURN(PGconnPtr conn, Open(conninfo_));
  return std::unique_ptr<Connection>(new PostgresConnection(conn.release()));
}

}  // namespace

Result<std::unique_ptr<Warehouse>> OpenPostgres(const std::string& conninfo) {
  if (conninfo.empty()) {
    return Status::Invalid(
        "the PostgreSQL warehouse URL is empty; set warehouse.url, e.g. "
        "postgresql://user@localhost:5432/db");
  }
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
  if (parsed == nullptr) {
    std::string msg = error != nullptr ? FirstLine(error) : "out of memory";
    PQfreemem(error);
    return Status::Invalid("the PostgreSQL warehouse URL is not valid: " + RedactParseError(msg) +
                           "; check warehouse.url (postgresql://user:password@host:port/db or "
                           "host=... dbname=...)");
  }
  PQconninfoFree(parsed);
  SLUICE_ASSIGN_OR_RETURN(PGconnPtr conn, PostgresWarehouse::Open(conninfo));
  // The live connection knows the effective values, defaults included.
  auto text = [](const char* s) { return std::string(s != nullptr ? s : ""); };
  std::string host = text(PQhost(conn.get()));
  if (host.empty()) host = "localhost";
  const std::string describe = "postgres://" + text(PQuser(conn.get())) + "@" + host + ":" +
                               text(PQport(conn.get())) + "/" + text(PQdb(conn.get()));
  return std::unique_ptr<Warehouse>(new PostgresWarehouse(conninfo, describe));
}

}  // namespace sluice::warehouse
