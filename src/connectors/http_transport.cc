#include "connectors/http_transport.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "connectors/http_collector.h"
#include "core/schema.h"

namespace sluice::connectors {

struct CollectorServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> done{false};
};

CollectorServer::CollectorServer(HttpCollector* collector, int threads, size_t max_request_bytes)
    : impl_(std::make_unique<Impl>()) {
  httplib::Server& srv = impl_->server;
  srv.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  srv.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  });
  srv.set_keep_alive_max_count(1000000);
  srv.set_keep_alive_timeout(30);
  srv.set_read_timeout(30);
  srv.set_write_timeout(30);
  srv.set_payload_max_length(max_request_bytes);  // bodies as sent
  auto handle = [collector](const httplib::Request& req, httplib::Response& res,
                            std::string body) {
    CollectorRequest in;
    in.method = req.method;
    in.path = req.path;
    for (const auto& [k, v] : req.headers) {
      // httplib already decoded these; the collector sees the plain body.
      if (EqualsIgnoreCase(k, "Content-Encoding") &&
          (v == "gzip" || v == "deflate" || v.find("br") != std::string::npos)) {
        continue;
      }
      in.headers.emplace_back(k, v);
    }
    in.body = std::move(body);
    CollectorResponse out;
    try {
      out = collector->HandleRequest(std::move(in));
    } catch (...) {  // nothing is expected to throw; never let it kill the server
      out = CollectorResponse{500, {}, "{\"error\":\"internal error\"}"};
    }
    res.status = out.status;
    for (const auto& [k, v] : out.headers) res.set_header(k.c_str(), v);
    res.set_content(out.body, "application/json");
  };
  auto no_body = [handle](const httplib::Request& req, httplib::Response& res) {
    handle(req, res, std::string());
  };
  // Bodies are read through a ContentReader so that their size is bounded also after
  // httplib's own decompression (a small gzip body can inflate to gigabytes).
  auto with_body = [handle, max_request_bytes](const httplib::Request& req,
                                               httplib::Response& res,
                                               const httplib::ContentReader& reader) {
    if (req.is_multipart_form_data()) {
      res.status = 415;
      res.set_content("{\"error\":\"multipart bodies are not accepted; send NDJSON or JSON\"}",
                      "application/json");
      return;
    }
    std::string body;
    const uint64_t length = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
    if (length > 0 && length <= max_request_bytes) body.reserve(static_cast<size_t>(length));
    bool over = false;
    reader([&](const char* data, size_t n) {
      if (body.size() + n > max_request_bytes) {
        over = true;
        return false;
      }
      body.append(data, n);
      return true;
    });
    if (over) {
      res.status = 413;
      res.set_content("{\"error\":\"body over " + std::to_string(max_request_bytes) +
                          " bytes (after decompression); send smaller batches\"}",
                      "application/json");
      return;
    }
    handle(req, res, std::move(body));
  };
  srv.Get(".*", no_body);
  srv.Post(".*", with_body);
  srv.Put(".*", with_body);
  srv.Delete(".*", with_body);
}

CollectorServer::~CollectorServer() { Stop(); }

Status CollectorServer::Start(const std::string& addr) {
  if (impl_->thread.joinable()) return Status::Invalid("the collector is already listening");
  std::string host;
  std::string port_text;
  if (!addr.empty() && addr[0] == '[') {
    const size_t close = addr.find(']');
    if (close == std::string::npos || close + 1 >= addr.size() || addr[close + 1] != ':') {
      return Status::Invalid("collector address '" + addr + "' is not host:port");
    }
    host = addr.substr(1, close - 1);
    port_text = addr.substr(close + 2);
  } else {
    const size_t colon = addr.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      return Status::Invalid("collector address '" + addr + "' is not host:port "
                             "(e.g. 127.0.0.1:8080)");
    }
    host = addr.substr(0, colon);
    port_text = addr.substr(colon + 1);
  }
  int port = 0;
  if (port_text.empty() || port_text.size() > 5) {
    return Status::Invalid("collector address '" + addr + "': the port must be 0..65535");
  }
  for (char c : port_text) {
    if (c < '0' || c > '9') return Status::Invalid("collector address '" + addr + "': the port must be 0..65535");
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return Status::Invalid("collector address '" + addr + "': the port must be 0..65535");
  httplib::Server& srv = impl_->server;
  int bound = port;
  if (port == 0) {
    bound = srv.bind_to_any_port(host);
    if (bound <= 0) return Status::IOError("cannot listen on " + addr + ": bind failed");
  } else if (!srv.bind_to_port(host, port)) {
    return Status::IOError("cannot listen on " + addr + ": bind failed (address in use, or not "
                           "an address of this machine); change collector.listen in sluice.yaml");
  }
  Impl* raw = impl_.get();
  raw->done.store(false);
  raw->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->done.store(true);
  });
  while (!raw->server.is_running() && !raw->done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (raw->done.load()) {
    raw->thread.join();
    return Status::IOError("cannot serve on " + addr + ": the HTTP server stopped at once");
  }
  port_ = bound;
  return Status::OK();
}

void CollectorServer::Stop() {
  if (impl_ == nullptr || !impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
  port_ = 0;
}

}  // namespace sluice::connectors
