// HTTP instrumentation on top of net/metrics: a wrapper that counts any http_handler's
// requests, and the handler that serves the registry on GET /metrics.
//
// Series written by instrument() (server = "rpc", "gateway", ...):
//   mantle_http_requests_total{server,route,code}            counter
//   mantle_http_request_duration_seconds{server,route}       histogram
//   mantle_http_response_bytes_total{server,route}           counter (body bytes)
// Routes come from a route_labeler, which must return one of a small fixed set of names
// (an RPC command, "gateway", "metrics", "other"), never the raw URL: every distinct value is a
// time series kept forever.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "net/http_server.hpp"
#include "net/metrics.hpp"

namespace mantle {

using route_labeler = std::function<std::string(const http_request&)>;

// Wraps `inner` so each request it answers is counted once it returns (also when it throws;
// the exception goes on to the server). Cost per request: one reader-locked map lookup and
// four relaxed atomic adds.
http_handler instrument(metrics_registry& reg, std::string server, route_labeler label, http_handler inner);

// Serves reg.render() with the 0.0.4 text content type (HEAD answers the headers only).
http_handler metrics_handler(metrics_registry& reg);

// RPC labels: the command for "<prefix>/<command>" when it is one of `commands`, "unknown" for
// other paths under the prefix, "metrics" for /metrics (and Kubo's /debug/metrics/prometheus),
// "psa" for the Pinning Service API, "dashboard" for the dashboard page and its assets,
// "other" for the rest.
route_labeler rpc_route_labeler(std::string prefix, std::vector<std::string> commands);
// The same name for every request ("gateway").
route_labeler constant_route(std::string name);

// The add throughput counters (bytes imported and seconds spent; rate() of both gives
// throughput): mantle_add_bytes_total, mantle_add_seconds_total, mantle_adds_total{result}.
struct add_metrics {
  counter bytes;
  counter nanoseconds;
  counter ok;
  counter failed;
  static const add_metrics& global(); // in global_metrics()
};

// Times one add from construction to destruction and records it in add_metrics::global(),
// with its result. File bytes are counted as they arrive (also for an add that fails later:
// they were read and hashed), so a long upload shows up while it runs.
class add_meter {
public:
  add_meter() : t0_(std::chrono::steady_clock::now()) {}
  ~add_meter();
  add_meter(const add_meter&) = delete;
  add_meter& operator=(const add_meter&) = delete;
  void add_bytes(uint64_t n) const { add_metrics::global().bytes.inc(n); }
  void succeeded() { ok_ = true; }

private:
  std::chrono::steady_clock::time_point t0_;
  bool ok_ = false;
};

} // namespace mantle
