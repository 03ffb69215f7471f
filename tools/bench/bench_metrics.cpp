// Overhead of the HTTP instrumentation on the request path: the same trivial handler called
// bare, wrapped by instrument(), and wrapped by instrument() plus the access log (to
// /dev/null), from several threads at once as the gateway's connection threads would.
// Prints nanoseconds per request as JSON.
// usage: bench_metrics [threads=8] [requests_per_thread=200000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "net/access_log.hpp"
#include "net/http_metrics.hpp"

using namespace mantle;

namespace {
struct null_sink : response_writer::byte_sink {
  status write(std::string_view) override { return {}; }
};

double ns_per_request(const http_handler& h, int threads, int per_thread) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      http_request req;
      req.method = "GET";
      req.path = req.target = "/ipfs/bafkqaaa";
      req.remote = "127.0.0.1:" + std::to_string(40000 + t);
      null_sink sink;
      for (int i = 0; i < per_thread; ++i) {
        response_writer w(sink, true);
        h(req, w);
      }
    });
  for (auto& t : ts) t.join();
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  return ns / (static_cast<double>(threads) * per_thread);
}
} // namespace

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : 8;
  int per_thread = argc > 2 ? std::atoi(argv[2]) : 200000;
  if (threads <= 0 || per_thread <= 0) {
    std::fprintf(stderr, "usage: bench_metrics [threads] [requests_per_thread]\n");
    return 2;
  }
  http_handler bare = [](http_request&, response_writer& w) { w.send("hello"); };
  metrics_registry reg;
  auto counted = instrument(reg, "gateway", constant_route("gateway"), bare);
  auto log = access_log::open("/dev/null");
  if (!log) {
    std::fprintf(stderr, "%s\n", log.err().message.c_str());
    return 1;
  }
  auto logged = with_access_log(*log, counted);
  double b = ns_per_request(bare, threads, per_thread);
  double c = ns_per_request(counted, threads, per_thread);
  double l = ns_per_request(logged, threads, per_thread);
  std::printf("{\"threads\":%d,\"requests\":%d,\"bare_ns\":%.0f,\"instrumented_ns\":%.0f,"
              "\"instrumented_and_logged_ns\":%.0f}\n",
              threads, threads * per_thread, b, c, l);
  return 0;
}
