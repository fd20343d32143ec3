// A small HTTP server for GET endpoints (/metrics, /healthz), running on background threads.
// Built on cpp-httplib, which stays out of this header.
//
//   HttpServer http;
//   SLUICE_RETURN_NOT_OK(ServeMetrics(&http, &registry));
//   SLUICE_RETURN_NOT_OK(http.Start("127.0.0.1:9464"));
//   ...
//   http.Stop();  // or let the destructor do it
//
// Handle() is called before Start(); Start/Stop/port may be called from any thread, but
// not concurrently with each other. Handlers run on the server's worker threads, possibly
// several at once: they must be thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"

namespace sluice::observe {
class MetricsRegistry;
}

namespace sluice::server {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse()>;

  HttpServer();
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves GET (and HEAD) requests for exactly `path` (which starts with '/'; the query
  // string is ignored) with `handler`. Fails when the server is running, the path is
  // malformed or already has a handler. Other paths answer 404 listing the known ones.
  Status Handle(const std::string& path, Handler handler);

  // Binds `addr` ("host:port", "[v6 address]:port"; port 0 picks a free port) and serves
  // on a background thread. Errors: malformed address ("expected host:port"), unknown
  // host, port already in use, permission denied; the message names the address and
  // what to do. Fails when already running. May be called again after Stop().
  Status Start(const std::string& addr);

  // The bound port while running (useful with port 0); 0 when not running.
  int port() const { return port_; }
  bool running() const;

  // Stops accepting, waits for the serving thread to finish. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::map<std::string, Handler> handlers_;
  std::unique_ptr<Impl> impl_;  // non-null while running
  int port_ = 0;
};

// Registers GET /metrics (the registry's Prometheus text, Content-Type
// "text/plain; version=0.0.4; charset=utf-8") and GET /healthz ("ok"). `registry` must
// outlive the server's running time.
Status ServeMetrics(HttpServer* server, const observe::MetricsRegistry* registry);

}  // namespace sluice::server
