// CollectorServer: the HTTP/1.1 transport of the event collector (http_collector.h), on
// cpp-httplib (kept out of this header). Keep-alive connections are served by a pool of
// worker threads (one per active connection), each handing whole requests to
// HttpCollector::HandleRequest. It lives in connectors (not src/server) because
// connectors may not depend on the server module.
//
// gzip/deflate/br bodies are decompressed by httplib itself before the collector sees
// them; zstd (and unknown encodings, answered 415) reach the collector as sent. A body
// over max_request_bytes, as sent or after httplib's decompression, is answered 413;
// the collector then applies each source's max_body_bytes.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace sluice::connectors {

class HttpCollector;

class CollectorServer {
 public:
  // `threads`: worker threads (the most connections served at once).
  explicit CollectorServer(HttpCollector* collector, int threads = 128,
                           size_t max_request_bytes = size_t{64} << 20);
  ~CollectorServer();  // Stop()s
  CollectorServer(const CollectorServer&) = delete;
  CollectorServer& operator=(const CollectorServer&) = delete;

  // Binds "host:port" (port 0 = any free port) and serves on background threads.
  Status Start(const std::string& addr);
  int port() const { return port_; }
  // Stops accepting and waits for the serving threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace sluice::connectors
