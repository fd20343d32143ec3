#include "server/http_server.h"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

namespace sluice::server {

namespace {

constexpr const char* kExample = "for example 127.0.0.1:9464, or 0.0.0.0:9464 for every interface";

Status Malformed(const std::string& addr, const std::string& why) {
  return Status::Invalid("'" + addr + "' is not a valid listen address: " + why + " (" +
                         kExample + ")");
}

// Splits "host:port" or "[v6]:port".
Status ParseAddress(const std::string& addr, std::string* host, int* port) {
  std::string port_text;
  if (!addr.empty() && addr[0] == '[') {
    const size_t close = addr.find(']');
    if (close == std::string::npos || close + 1 >= addr.size() || addr[close + 1] != ':') {
      return Malformed(addr, "expected [ipv6-address]:port");
    }
    *host = addr.substr(1, close - 1);
    port_text = addr.substr(close + 2);
  } else {
    const size_t colon = addr.rfind(':');
    if (colon == std::string::npos) return Malformed(addr, "expected host:port");
    *host = addr.substr(0, colon);
    port_text = addr.substr(colon + 1);
    if (host->find(':') != std::string::npos) {
      return Malformed(addr, "write IPv6 addresses in brackets, as in [::1]:9464");
    }
  }
  if (host->empty()) return Malformed(addr, "expected host:port, the host is missing");
  if (port_text.empty()) return Malformed(addr, "expected host:port, the port is missing");
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
    return Malformed(addr, "expected host:port, the port must be a number from 0 to 65535");
  }
  *port = std::stoi(port_text);
  if (*port > 65535) {
    return Malformed(addr, "expected host:port, the port must be a number from 0 to 65535");
  }
  return Status::OK();
}

// cpp-httplib reports only "bind failed"; binding once ourselves tells users why.
Status ProbeBind(const std::string& addr, const std::string& host, int port) {
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  struct addrinfo* info = nullptr;
  const std::string port_text = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &info);
  if (rc != 0 || info == nullptr) {
    return Status::Invalid("cannot listen on " + addr + ": unknown host '" + host + "' (" +
                           gai_strerror(rc) + "); " + kExample);
  }
  const int fd = socket(info->ai_family, info->ai_socktype, info->ai_protocol);
  int err = 0;
  if (fd < 0) {
    err = errno;
  } else {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (bind(fd, info->ai_addr, info->ai_addrlen) != 0) err = errno;
    close(fd);
  }
  freeaddrinfo(info);
  switch (err) {
    case 0: return Status::OK();
    case EADDRINUSE:
      return Status::IOError(addr + " is already in use; choose another --metrics-addr");
    case EACCES:
      return Status::IOError("cannot listen on " + addr +
                             ": permission denied (ports below 1024 need privileges); "
                             "choose a port above 1024");
    case EADDRNOTAVAIL:
      return Status::IOError("cannot listen on " + addr + ": '" + host +
                             "' is not an address of this machine; use 127.0.0.1 or 0.0.0.0");
    default:
      return Status::IOError("cannot listen on " + addr + ": " + std::strerror(err));
  }
}

std::string KnownPaths(const std::map<std::string, HttpServer::Handler>& handlers) {
  std::string out;
  for (const auto& [path, handler] : handlers) out += (out.empty() ? "" : ", ") + path;
  return out;
}

}  // namespace

struct HttpServer::Impl {
  httplib::Server server;
  std::map<std::string, Handler> handlers;  // a copy: fixed while running
  std::thread thread;
  std::atomic<bool> done{false};
};

HttpServer::HttpServer() = default;

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::running() const { return impl_ != nullptr; }

Status HttpServer::Handle(const std::string& path, Handler handler) {
  if (impl_ != nullptr) return Status::Invalid("HttpServer::Handle(" + path + ") after Start");
  if (path.empty() || path[0] != '/' || path.find_first_of("?# ") != std::string::npos) {
    return Status::Invalid("HTTP handler path '" + path + "' must start with '/' and have no "
                           "query, fragment or spaces");
  }
  if (!handler) return Status::Invalid("HTTP handler for " + path + " is empty");
  if (!handlers_.emplace(path, std::move(handler)).second) {
    return Status::AlreadyExists("HTTP path " + path + " already has a handler");
  }
  return Status::OK();
}

Status HttpServer::Start(const std::string& addr) {
  if (impl_ != nullptr) {
    return Status::Invalid("the HTTP server is already running on port " +
                           std::to_string(port_));
  }
  std::string host;
  int port = 0;
  SLUICE_RETURN_NOT_OK(ParseAddress(addr, &host, &port));
  SLUICE_RETURN_NOT_OK(ProbeBind(addr, host, port));

  auto impl = std::make_unique<Impl>();
  impl->handlers = handlers_;
  httplib::Server& srv = impl->server;
  // Two workers are plenty for scrapes and health checks.
  srv.new_task_queue = [] { return new httplib::ThreadPool(2); };
  // httplib's default sets SO_REUSEPORT, which would let a second process bind the same
  // port silently; SO_REUSEADDR alone allows quick restarts but refuses a port in use.
  srv.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  srv.set_keep_alive_timeout(2);
  srv.set_read_timeout(5);
  srv.set_write_timeout(5);
  const std::map<std::string, Handler>* handlers = &impl->handlers;
  srv.Get(".*", [handlers](const httplib::Request& req, httplib::Response& res) {
    auto it = handlers->find(req.path);
    if (it == handlers->end()) {
      res.status = 404;
      res.set_content("not found: " + req.path + " (this server has " + KnownPaths(*handlers) +
                          ")\n",
                      "text/plain; charset=utf-8");
      return;
    }
    HttpResponse out;
    try {
      out = it->second();
    } catch (const std::exception& e) {
      out = {500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n"};
    } catch (...) {
      out = {500, "text/plain; charset=utf-8", "internal error\n"};
    }
    res.status = out.status;
    res.set_content(out.body, out.content_type.c_str());
  });

  int bound = port;
  if (port == 0) {
    bound = srv.bind_to_any_port(host);
    if (bound <= 0) return Status::IOError("cannot listen on " + addr + ": bind failed");
  } else if (!srv.bind_to_port(host, port)) {
    if (errno == EADDRINUSE) {
      return Status::IOError(addr + " is already in use; choose another --metrics-addr");
    }
    return Status::IOError("cannot listen on " + addr + ": bind failed");
  }
  Impl* raw = impl.get();
  raw->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->done.store(true);
  });
  // Wait until the accept loop runs, so that Stop() can always interrupt it.
  while (!raw->server.is_running() && !raw->done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (raw->done.load()) {
    raw->thread.join();
    return Status::IOError("cannot serve on " + addr + ": the HTTP server stopped at once");
  }
  impl_ = std::move(impl);
  port_ = bound;
  return Status::OK();
}

void HttpServer::Stop() {
  if (impl_ == nullptr) return;
  // Start() returned only once the accept loop was running, so one stop() ends it.
  if (!impl_->done.load()) impl_->server.stop();
  impl_->thread.join();
  impl_.reset();
  port_ = 0;
}

}  // namespace sluice::server
