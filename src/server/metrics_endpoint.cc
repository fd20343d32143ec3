// ServeMetrics: the Prometheus scrape endpoint and a health check.
#include "observe/metrics.h"
#include "server/http_server.h"

namespace sluice::server {

Status ServeMetrics(HttpServer* server, const observe::MetricsRegistry* registry) {
  if (server == nullptr || registry == nullptr) {
    return Status::Invalid("ServeMetrics needs a server and a metrics registry");
  }
  SLUICE_RETURN_NOT_OK(server->Handle("/metrics", [registry] {
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                        registry->RenderPrometheus()};
  }));
  return server->Handle("/healthz", [] {
    return HttpResponse{200, "text/plain; charset=utf-8", "ok"};
  });
}

}  // namespace sluice::server
