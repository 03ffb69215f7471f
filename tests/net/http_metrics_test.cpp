#include <catch2/catch.hpp>

#include "tests/net/string_sink.hpp"

#include <stdexcept>

#include "net/http_metrics.hpp"

using namespace mantle;
using namespace mantle::test;

namespace {

http_request request(std::string method, std::string path) {
  http_request r;
  r.method = std::move(method);
  r.path = path;
  r.target = path;
  return r;
}


} // namespace

TEST_CASE("instrument counts requests by route and code, bytes and durations", "[metrics]") {
  metrics_registry reg;
  http_handler inner = [](http_request& r, response_writer& w) {
    if (r.path == "/api/v0/cat") {
      w.send("hello");
    } else {
      w.status(404).send("404 page not found\n");
    }
  };
  auto h = instrument(reg, "rpc", rpc_route_labeler("/api/v0", {"cat", "add"}), inner);
  run_handler(h, request("POST", "/api/v0/cat"));
  run_handler(h, request("POST", "/api/v0/cat"));
  run_handler(h, request("POST", "/api/v0/no/such"));
  run_handler(h, request("GET", "/favicon.ico"));
  auto text = reg.render();
  CHECK(contains(text, "mantle_http_requests_total{server=\"rpc\",route=\"cat\",code=\"200\"} 2\n"));
  CHECK(contains(text, "mantle_http_requests_total{server=\"rpc\",route=\"unknown\",code=\"404\"} 1\n"));
  CHECK(contains(text, "mantle_http_requests_total{server=\"rpc\",route=\"other\",code=\"404\"} 1\n"));
  CHECK(contains(text, "mantle_http_response_bytes_total{server=\"rpc\",route=\"cat\"} 10\n"));
  CHECK(contains(text, "mantle_http_response_bytes_total{server=\"rpc\",route=\"other\"} 19\n"));
  CHECK(contains(text, "mantle_http_request_duration_seconds_count{server=\"rpc\",route=\"cat\"} 2\n"));
  CHECK(contains(text, "mantle_http_request_duration_seconds_bucket{server=\"rpc\",route=\"cat\",le=\"+Inf\"} 2\n"));
  CHECK(contains(text, "# TYPE mantle_http_request_duration_seconds histogram\n"));
  CHECK_FALSE(contains(text, "no/such")); // raw paths never become labels
}

TEST_CASE("a handler that throws is counted as 500 and the exception goes on", "[metrics]") {
  metrics_registry reg;
  auto h = instrument(reg, "gateway", constant_route("gateway"),
                      [](http_request&, response_writer&) { throw std::runtime_error("boom"); });
  string_sink sink;
  response_writer w(sink, true);
  auto req = request("GET", "/ipfs/x");
  CHECK_THROWS_AS(h(req, w), std::runtime_error);
  CHECK(contains(reg.render(), "mantle_http_requests_total{server=\"gateway\",route=\"gateway\",code=\"500\"} 1\n"));
}

TEST_CASE("two servers share the families with their own server label", "[metrics]") {
  metrics_registry reg;
  http_handler ok = [](http_request&, response_writer& w) { w.send("x"); };
  auto a = instrument(reg, "rpc", constant_route("id"), ok);
  auto b = instrument(reg, "gateway", constant_route("gateway"), ok);
  run_handler(a, request("POST", "/api/v0/id"));
  run_handler(b, request("GET", "/ipfs/bafy"));
  auto text = reg.render();
  CHECK(contains(text, "{server=\"rpc\",route=\"id\",code=\"200\"} 1\n"));
  CHECK(contains(text, "{server=\"gateway\",route=\"gateway\",code=\"200\"} 1\n"));
}

TEST_CASE("rpc route labels are bounded", "[metrics]") {
  auto label = rpc_route_labeler("/api/v0", {"add", "pin/ls"});
  CHECK(label(request("POST", "/api/v0/add")) == "add");
  CHECK(label(request("POST", "/api/v0/pin/ls")) == "pin/ls");
  CHECK(label(request("POST", "/api/v0/pin/lsx")) == "unknown");
  CHECK(label(request("POST", "/api/v0")) == "unknown");
  CHECK(label(request("POST", "/api/v0/")) == "unknown");
  CHECK(label(request("GET", "/metrics")) == "metrics");
  CHECK(label(request("GET", "/debug/metrics/prometheus")) == "metrics");
  CHECK(label(request("GET", "/psa/pins")) == "psa");
  CHECK(label(request("GET", "/dashboard")) == "dashboard");
  CHECK(label(request("GET", "/dashboard/dashboard.js")) == "dashboard");
  CHECK(label(request("GET", "/dashboardx")) == "other");
  CHECK(label(request("GET", "/api/v01")) == "other");
  CHECK(label(request("GET", "/")) == "other");
}

TEST_CASE("metrics_handler serves the registry in the text format", "[metrics]") {
  metrics_registry reg;
  reg.counter("a_total", "A.").with({}).inc(3);
  auto out = run_handler(metrics_handler(reg), request("GET", "/metrics"));
  CHECK(contains(out, "HTTP/1.1 200 OK\r\n"));
  CHECK(contains(out, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
  CHECK(contains(out, "\r\n\r\n# HELP a_total A.\n# TYPE a_total counter\na_total 3\n"));
}
