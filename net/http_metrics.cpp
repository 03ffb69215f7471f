#include "net/http_metrics.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

namespace mantle {

namespace {

// Latency buckets for an HTTP node: sub-millisecond block reads up to minute-long uploads.
const std::vector<double> duration_buckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,    0.25,  0.5,    1,     2.5,  5,    10, 30, 60};

struct route_series {
  counter requests;
  histogram duration;
  counter bytes;
};

// The three series of each (route, code) pair, found with one lookup instead of three.
struct instrument_state {
  instrument_state(counter_family r, histogram_family d, counter_family b) : requests(r), duration(d), bytes(b) {}
  counter_family requests;
  histogram_family duration;
  counter_family bytes;
  std::string server;
  route_labeler label;
  http_handler inner;
  std::shared_mutex mu;
  std::unordered_map<std::string, route_series> cache; // key: route '\0' code

  const route_series& series_for(const std::string& route, unsigned code) {
    thread_local std::string key;
    key.assign(route).push_back('\0');
    key += std::to_string(code);
    {
      std::shared_lock<std::shared_mutex> lk(mu);
      auto it = cache.find(key);
      if (it != cache.end()) return it->second;
    }
    route_series s{requests.with({server, route, std::to_string(code)}), duration.with({server, route}),
                   bytes.with({server, route})};
    std::unique_lock<std::shared_mutex> lk(mu);
    return cache.emplace(key, s).first->second; // unordered_map references survive rehashing
  }

  void record(const std::string& route, unsigned code, uint64_t body_bytes, std::chrono::nanoseconds d) {
    const auto& s = series_for(route, code);
    s.requests.inc();
    s.duration.observe_raw(d.count() < 0 ? 0 : static_cast<uint64_t>(d.count()));
    if (body_bytes) s.bytes.inc(body_bytes);
  }
};

} // namespace

http_handler instrument(metrics_registry& reg, std::string server, route_labeler label, http_handler inner) {
  auto st = std::make_shared<instrument_state>(
      reg.counter("mantle_http_requests_total", "HTTP requests answered, by server, route and status code.",
                  {"server", "route", "code"}),
      reg.histogram("mantle_http_request_duration_seconds",
                    "Time from a request's head to the end of its response, in seconds.", {"server", "route"},
                    duration_buckets, 1e-9),
      reg.counter("mantle_http_response_bytes_total", "Response body bytes sent, by server and route.",
                  {"server", "route"}));
  st->server = std::move(server);
  st->label = std::move(label);
  st->inner = std::move(inner);
  return [st](http_request& req, response_writer& w) {
    std::string route = st->label(req); // before the handler: it may consume the request
    auto t0 = std::chrono::steady_clock::now();
    try {
      st->inner(req, w);
    } catch (...) {
      st->record(route, w.started() ? w.status_code() : 500, w.body_bytes(),
                 std::chrono::steady_clock::now() - t0);
      throw;
    }
    st->record(route, w.status_code(), w.body_bytes(), std::chrono::steady_clock::now() - t0);
  };
}

http_handler metrics_handler(metrics_registry& reg) {
  return [&reg](http_request&, response_writer& w) {
    w.header("Cache-Control", "no-store");
    w.send(reg.render(), metrics_content_type);
  };
}

route_labeler rpc_route_labeler(std::string prefix, std::vector<std::string> commands) {
  auto known = std::make_shared<std::unordered_set<std::string>>(commands.begin(), commands.end());
  return [prefix = std::move(prefix), known](const http_request& req) -> std::string {
    const std::string& p = req.path;
    if (p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0 && p[prefix.size()] == '/') {
      std::string cmd = p.substr(prefix.size() + 1);
      return known->count(cmd) ? cmd : "unknown";
    }
    if (p == prefix) return "unknown";
    if (p == "/metrics" || p == "/debug/metrics/prometheus") return "metrics";
    if (p == "/psa" || p.rfind("/psa/", 0) == 0) return "psa";
    if (p == "/dashboard" || p.rfind("/dashboard/", 0) == 0) return "dashboard";
    return "other";
  };
}

route_labeler constant_route(std::string name) {
  return [name = std::move(name)](const http_request&) { return name; };
}

const add_metrics& add_metrics::global() {
  static const add_metrics m = [] {
    auto& reg = global_metrics();
    auto adds = reg.counter("mantle_adds_total", "RPC add requests, by result.", {"result"});
    return add_metrics{
        reg.counter("mantle_add_bytes_total", "File bytes imported by the RPC add command.").with({}),
        reg.counter("mantle_add_seconds_total", "Seconds spent in RPC add requests (rate of bytes / rate of "
                                                "seconds = add throughput).", {}, 1e-9).with({}),
        adds.with({"ok"}), adds.with({"error"})};
  }();
  return m;
}

add_meter::~add_meter() {
  const auto& m = add_metrics::global();
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0_).count();
  m.nanoseconds.inc(ns > 0 ? static_cast<uint64_t>(ns) : 0);
  (ok_ ? m.ok : m.failed).inc();
}

} // namespace mantle
