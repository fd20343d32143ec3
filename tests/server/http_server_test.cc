#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "observe/metrics.h"

namespace sluice::server {
namespace {

struct Reply {
  int status = 0;
  std::string headers;  // lower-cased
  std::string body;
};

// A plain HTTP/1.0 client: the server closes the connection after the response.
Reply Fetch(int port, const std::string& path, const std::string& method = "GET") {
  Reply reply;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return reply;
  }
  const std::string request = method + " " + path + " HTTP/1.0\r\nHost: test\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return reply;
  }
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return reply;
  reply.status = std::stoi(raw.substr(9, 3));
  reply.headers = raw.substr(0, end);
  for (char& c : reply.headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  reply.body = raw.substr(end + 4);
  return reply;
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(HttpServer, ServesMetricsAndHealth) {
  observe::MetricsRegistry registry;
  registry.GetCounter("sluice_source_records_total", "Records.", {{"source", "shop"}})->Add(42);
  HttpServer http;
  ASSERT_TRUE(ServeMetrics(&http, &registry).ok());
  Status st = http.Start("127.0.0.1:0");
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_GT(http.port(), 0);
  EXPECT_TRUE(http.running());

  Reply metrics = Fetch(http.port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_TRUE(Contains(metrics.headers, "content-type: text/plain; version=0.0.4; charset=utf-8"))
      << metrics.headers;
  EXPECT_EQ(metrics.body, registry.RenderPrometheus());
  EXPECT_TRUE(Contains(metrics.body, "sluice_source_records_total{source=\"shop\"} 42\n"));

  // Values are read at request time.
  registry.GetCounter("sluice_source_records_total", "Records.", {{"source", "shop"}})->Add(1);
  EXPECT_TRUE(Contains(Fetch(http.port(), "/metrics?x=1").body,
                       "sluice_source_records_total{source=\"shop\"} 43\n"));

  Reply health = Fetch(http.port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok");

  Reply missing = Fetch(http.port(), "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(Contains(missing.body, "/healthz, /metrics")) << missing.body;

  Reply head = Fetch(http.port(), "/healthz", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");

  http.Stop();
  EXPECT_FALSE(http.running());
  EXPECT_EQ(http.port(), 0);
  http.Stop();  // idempotent
}

TEST(HttpServer, CustomHandlersAndErrors) {
  HttpServer http;
  ASSERT_TRUE(http.Handle("/hello", [] { return HttpResponse{201, "text/x-test", "hi"}; }).ok());
  ASSERT_TRUE(http.Handle("/boom", []() -> HttpResponse {
                    throw std::runtime_error("kaput");
                  }).ok());
  EXPECT_EQ(http.Handle("/hello", [] { return HttpResponse{}; }).code(),
            StatusCode::kAlreadyExists);
  EXPECT_FALSE(http.Handle("hello", [] { return HttpResponse{}; }).ok());
  EXPECT_FALSE(http.Handle("/a?b", [] { return HttpResponse{}; }).ok());
  EXPECT_FALSE(http.Handle("/empty", nullptr).ok());
  ASSERT_TRUE(http.Start("127.0.0.1:0").ok());

  Reply hello = Fetch(http.port(), "/hello");
  EXPECT_EQ(hello.status, 201);
  EXPECT_TRUE(Contains(hello.headers, "content-type: text/x-test")) << hello.headers;
  EXPECT_EQ(hello.body, "hi");
  Reply boom = Fetch(http.port(), "/boom");
  EXPECT_EQ(boom.status, 500);
  EXPECT_TRUE(Contains(boom.body, "kaput")) << boom.body;

  EXPECT_FALSE(http.Handle("/late", [] { return HttpResponse{}; }).ok());
  Status again = http.Start("127.0.0.1:0");
  EXPECT_FALSE(again.ok());
  EXPECT_TRUE(Contains(again.message(), "already running")) << again.message();
}

TEST(HttpServer, ReportsAPortInUse) {
  HttpServer first;
  ASSERT_TRUE(first.Start("127.0.0.1:0").ok());
  const std::string addr = "127.0.0.1:" + std::to_string(first.port());
  HttpServer second;
  Status st = second.Start(addr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), addr + " is already in use; choose another --metrics-addr");
  EXPECT_FALSE(second.running());

  // A socket held by something that is not sluice (no SO_REUSEADDR) is refused too.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof(sa);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  const std::string taken = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
  Status st2 = second.Start(taken);
  close(fd);
  EXPECT_TRUE(Contains(st2.message(), "is already in use")) << st2.message();
}

TEST(HttpServer, RejectsMalformedAddresses) {
  HttpServer http;
  for (const char* addr : {"localhost", "127.0.0.1:", "127.0.0.1:abc", "127.0.0.1:70000",
                           "127.0.0.1:123456", ":9464", "::1:9464", "[::1", "[::1]9464", "",
                           "127.0.0.1:-1"}) {
    Status st = http.Start(addr);
    ASSERT_FALSE(st.ok()) << addr;
    EXPECT_EQ(st.code(), StatusCode::kInvalid) << addr;
    EXPECT_TRUE(Contains(st.message(), "is not a valid listen address")) << st.message();
    EXPECT_TRUE(Contains(st.message(), "127.0.0.1:9464")) << st.message();
  }
  Status missing_port = http.Start("localhost");
  EXPECT_TRUE(Contains(missing_port.message(), "expected host:port")) << missing_port.message();
  EXPECT_FALSE(http.running());
}

TEST(HttpServer, StopTwiceRestartAndDestructor) {
  HttpServer http;
  http.Stop();  // never started: no-op
  ASSERT_TRUE(http.Handle("/x", [] { return HttpResponse{200, "text/plain", "x"}; }).ok());
  ASSERT_TRUE(http.Start("127.0.0.1:0").ok());
  http.Stop();
  http.Stop();
  ASSERT_TRUE(http.Start("127.0.0.1:0").ok());
  EXPECT_EQ(Fetch(http.port(), "/x").body, "x");
  {
    HttpServer scoped;
    ASSERT_TRUE(scoped.Start("127.0.0.1:0").ok());
  }  // the destructor stops and joins
}

TEST(HttpServer, ServeMetricsRejectsNulls) {
  HttpServer http;
  observe::MetricsRegistry registry;
  EXPECT_FALSE(ServeMetrics(nullptr, &registry).ok());
  EXPECT_FALSE(ServeMetrics(&http, nullptr).ok());
}

}  // namespace
}  // namespace sluice::server
