#include "warehouse/scratch_postgres.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace sluice::warehouse {

#define SLUICE_PG_RETURN_IF_ERROR(expr) \
  do {                                  \
    std::string _error = (expr);        \
    if (!_error.empty()) return _error; \
  } while (false)

namespace {

std::string FindBinDir() {
  if (const char* env = std::getenv("SLUICE_PG_BINDIR")) {
    return std::filesystem::exists(std::string(env) + "/initdb") ? env : "";
  }
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = (entry.path() / "bin").string();
    if (!std::filesystem::exists(bin + "/initdb") || !std::filesystem::exists(bin + "/pg_ctl"))
      continue;
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > best_version) {
      best_version = version;
      best = bin;
    }
  }
  return best;
}

// $TMPDIR if set, else /dev/shm when there is one (a server on tmpfs starts and
// copies its files several times faster), else the system temp folder.
std::string TempRoot() {
  if (std::getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK | X_OK) == 0) return "/dev/shm";
  return std::filesystem::temp_directory_path().string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Where the initdb'd template lives: $XDG_CACHE_HOME/sluice or ~/.cache/sluice, created if
// missing; "" when there is no usable one (then every server runs initdb itself).
std::string CacheDir() {
  std::string base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = std::string(home) + "/.cache";
  } else {
    return "";
  }
  const std::string dir = base + "/sluice";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return (!ec && access(dir.c_str(), W_OK | X_OK) == 0) ? dir : "";
}

}  // namespace

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

ScratchPostgres& ScratchPostgres::Shared() {
  static ScratchPostgres server;
  return server;
}

ScratchPostgres::ScratchPostgres() {
  error_ = Start();
  if (!error_.empty() && !dir_.empty()) {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

ScratchPostgres::~ScratchPostgres() {
  if (watchdog_pid_ > 0) {
    close(watchdog_fd_);  // EOF: the watchdog stops the server and removes the folder
    int status = 0;
    waitpid(watchdog_pid_, &status, 0);
  } else if (!dir_.empty()) {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

// Runs a server binary (as `postgres` when root) through the shell, output to `log`.
int ScratchPostgres::Run(const std::string& args, const std::string& log) const {
  const std::string cmd = as_user_ + args + " >" + log + " 2>&1 </dev/null";
  return std::system(cmd.c_str());
}

std::string ScratchPostgres::Start() {
  bin_ = FindBinDir();
  if (bin_.empty()) {
    return "PostgreSQL server binaries (initdb, pg_ctl) not found under "
           "/usr/lib/postgresql/*/bin: run scripts/setup.sh (it installs the Debian package "
           "`postgresql`), or set SLUICE_PG_BINDIR";
  }
  std::string tmpl = TempRoot() + "/sluice-pg-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return "cannot create a temporary folder";
  dir_ = tmpl;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      return "running as root, and there is no `postgres` user to run the server as "
             "(initdb refuses root): run scripts/setup.sh (the Debian package `postgresql` "
             "creates it) or run the tests as another user";
    }
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return "cannot chown " + dir_;
    as_user_ = "runuser -u postgres -- ";
  }
  SLUICE_PG_RETURN_IF_ERROR(MakeDataDir());
  std::string log;
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreeLoopbackPort();
    const std::string start = bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ +
                              "/server.log -w -t 30 -o \"-p " + std::to_string(port_) +
                              " -k " + dir_ +
                              " -c listen_addresses=127.0.0.1 -c fsync=off "
                              "-c synchronous_commit=off -c full_page_writes=off\" start";
    if (Run(start, dir_ + "/pg_ctl.log") == 0) return StartWatchdog();
    log = ReadFile(dir_ + "/server.log");
    if (log.find("could not bind") == std::string::npos) break;  // not a port race
  }
  return "pg_ctl start failed:\n" + ReadFile(dir_ + "/pg_ctl.log") + log;
}

std::string ScratchPostgres::MakeDataDir() {
  const std::string flags =
      " -A trust -U sluice -E UTF8 --no-locale --no-sync --no-instructions --wal-segsize=1";
  const std::string cache = CacheDir();
  const std::string version = std::filesystem::path(bin_).parent_path().filename().string();
  const std::string template_dir = cache.empty() ? "" : cache + "/pg-template-v2-" + version;
  if (template_dir.empty()) return InitDb(dir_ + "/data", flags);
  const std::string lock_path = template_dir + ".lock";
  const int lock = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) return "cannot lock " + lock_path;
  std::string error;
  if (!std::filesystem::exists(template_dir + "/PG_VERSION")) {
    const std::string staging = dir_ + "/template";
    error = InitDb(staging, flags);
    std::error_code ec;
    std::filesystem::remove_all(template_dir, ec);
    if (error.empty() && std::system(("mv " + staging + " " + template_dir).c_str()) != 0) {
      error = "cannot move the template data folder to " + template_dir;
    }
  }
  close(lock);  // releases the lock; the template is complete and never changes
  if (!error.empty()) return error;
  // cp -a keeps the owner (postgres, when root) and the 0700 mode the server wants.
  if (std::system(("cp -a " + template_dir + " " + dir_ + "/data").c_str()) != 0) {
    return "cannot copy the template data folder " + template_dir;
  }
  return "";
}

std::string ScratchPostgres::InitDb(const std::string& data, const std::string& flags) const {
  const std::string initdb = bin_ + "/initdb -D " + data + flags;
  if (Run(initdb, dir_ + "/initdb.log") != 0) {
    return "initdb failed (" + initdb + "):\n" + ReadFile(dir_ + "/initdb.log");
  }
  return "";
}

void ScratchPostgres::Stop() const {
  (void)Run(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop", "/dev/null");
}

std::string ScratchPostgres::StartWatchdog() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return "pipe2 failed";
  std::string script = "read _; " + as_user_ + bin_ + "/pg_ctl -D " + dir_ +
                             "/data -m immediate -w stop; rm -rf " + dir_;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);  // survives a kill of our group
  std::vector<char*> argv = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"),
                             script.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(fds[0]);
  if (rc != 0) {
    close(fds[1]);
    return "cannot start the server's watchdog process";
  }
  watchdog_pid_ = pid;
  watchdog_fd_ = fds[1];
  return "";
}

#undef SLUICE_PG_RETURN_IF_ERROR

}  // namespace sluice::warehouse
