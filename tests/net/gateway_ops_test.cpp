#include <catch2/catch.hpp>

#include "tests/net/string_sink.hpp"

#include <fstream>
#include <iterator>

#include "net/gateway_ops.hpp"
#include "net/metrics.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::test;

TEST_CASE("wrap_gateway_ops adds CORS, gateway metrics and the access log", "[metrics]") {
  temp_dir dir;
  auto log = access_log::open(dir.path + "/access.log");
  REQUIRE(log.ok());
  auto requests = global_metrics().counter("mantle_http_requests_total",
                                           "HTTP requests answered, by server, route and status code.",
                                           {"server", "route", "code"});
  uint64_t ok_before = requests.with({"gateway", "gateway", "200"}).value();
  uint64_t missing_before = requests.with({"gateway", "gateway", "404"}).value();
  int calls = 0;
  auto h = wrap_gateway_ops(
      [&](http_request& r, response_writer& w) {
        ++calls;
        w.status(r.path == "/ipfs/ok" ? 200 : 404).send("x");
      },
      {"*"}, *log);
  auto get = [](std::string method, std::string path) {
    http_request r;
    r.method = std::move(method);
    r.path = r.target = std::move(path);
    r.remote = "127.0.0.1:9";
    r.headers = {{"Origin", "https://app.example"}};
    return r;
  };
  auto out = run_handler(h, get("GET", "/ipfs/ok"));
  CHECK(contains(out, "Access-Control-Allow-Origin: *\r\n"));
  run_handler(h, get("GET", "/ipfs/missing"));
  auto pre = run_handler(h, get("OPTIONS", "/ipfs/ok"));
  CHECK(contains(pre, "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"));
  CHECK(calls == 2); // the preflight never reaches the gateway handler
  CHECK(requests.with({"gateway", "gateway", "200"}).value() == ok_before + 2);
  CHECK(requests.with({"gateway", "gateway", "404"}).value() == missing_before + 1);
  (*log)->flush();
  std::ifstream in(dir.path + "/access.log");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(contains(text, "\"GET /ipfs/ok HTTP/1.1\" 200 1 "));
  CHECK(contains(text, "\"GET /ipfs/missing HTTP/1.1\" 404 1 "));
  CHECK(contains(text, "\"OPTIONS /ipfs/ok HTTP/1.1\" 200 - "));
}
