// ScratchPostgres: a real, throwaway PostgreSQL server, for tests and benchmarks (no mocks).
//
// The first call to Shared() in a process creates a temporary folder, runs `initdb`
// and starts the server with `pg_ctl` on a free loopback port (TCP on 127.0.0.1, its
// socket in the folder, fsync off, trust authentication for the superuser "sluice").
// The binaries come from /usr/lib/postgresql/<version>/bin (the newest; Debian package
// `postgresql`, installed by scripts/setup.sh) or $SLUICE_PG_BINDIR. As root, they run
// as the `postgres` system user (initdb refuses root) through runuser.
//
// initdb is the slow part (about 1 s) and CTest runs every test in its own process, so one
// initdb'd template data folder per PostgreSQL version is kept in the user's cache
// ($XDG_CACHE_HOME/sluice, else ~/.cache/sluice; made once, under a lock) and copied.
//
// The server is stopped and its folder removed when the process exits. A watchdog
// process (its own session, waiting on a pipe this process holds) does this, so it also
// happens when the process crashes or is killed.
#pragma once

#include <sys/types.h>

#include <string>

namespace sluice::warehouse {

// A TCP port on 127.0.0.1 that nothing listens on right now (0 on failure).
int FreeLoopbackPort();

class ScratchPostgres {
 public:
  // The server of this process, started on first use. Check ok() before using it.
  static ScratchPostgres& Shared();

  ScratchPostgres(const ScratchPostgres&) = delete;
  ScratchPostgres& operator=(const ScratchPostgres&) = delete;
  ~ScratchPostgres();

  // Whether the server runs; if not, error() says why and what to do.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }

  // A libpq URL for database `db` as the superuser "sluice".
  std::string Url(const std::string& db = "postgres") const {
    return "postgresql://sluice@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }

 private:
  ScratchPostgres();

  // Each returns "" on success, else what went wrong and what to do.
  std::string Start();
  std::string MakeDataDir();
  std::string InitDb(const std::string& data, const std::string& flags) const;
  std::string StartWatchdog();
  int Run(const std::string& args, const std::string& log) const;
  void Stop() const;

  std::string bin_;
  std::string dir_;
  std::string as_user_;  // "runuser -u postgres -- " when root
  int port_ = 0;
  pid_t watchdog_pid_ = -1;
  int watchdog_fd_ = -1;
  std::string error_;
};

}  // namespace sluice::warehouse
