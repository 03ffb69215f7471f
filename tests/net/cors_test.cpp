#include <catch2/catch.hpp>

#include "tests/net/string_sink.hpp"

#include "net/cors.hpp"

using namespace mantle;
using namespace mantle::test;

namespace {
http_request request(std::string method, std::string origin = {}) {
  http_request r;
  r.method = std::move(method);
  r.path = r.target = "/ipfs/bafkqaaa";
  if (!origin.empty()) r.headers = {{"Origin", origin}};
  return r;
}
const http_handler ok = [](http_request&, response_writer& w) { w.send("data"); };
} // namespace

TEST_CASE("allow-origin value from an origin list", "[cors]") {
  CHECK(cors_allow_origin("http://a.example", {"*"}) == "*");
  CHECK(cors_allow_origin("", {"*"}) == "*");
  CHECK(cors_allow_origin("http://a.example", {"http://b.example", "http://a.example"}) == "http://a.example");
  CHECK(cors_allow_origin("http://c.example", {"http://a.example"}).empty());
  CHECK(cors_allow_origin("", {"http://a.example"}).empty());
  CHECK(cors_allow_origin("http://a.example", {}).empty());
}

TEST_CASE("gateway responses carry Kubo's CORS headers", "[cors]") {
  auto out = run_handler(with_gateway_cors({"*"}, ok), request("GET", "http://app.example"));
  CHECK(contains(out, "HTTP/1.1 200 OK\r\n"));
  CHECK(contains(out, "Access-Control-Allow-Origin: *\r\n"));
  CHECK(contains(out, "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"));
  CHECK(contains(out, "Access-Control-Allow-Headers: Content-Type, Range, User-Agent, X-Requested-With\r\n"));
  CHECK(contains(out, "Access-Control-Expose-Headers: Content-Range, Content-Length, X-Ipfs-Path, X-Ipfs-Roots, "
                 "X-Chunked-Output, X-Stream-Output\r\n"));
  CHECK_FALSE(contains(out, "Vary"));
  CHECK(contains(out, "\r\n\r\ndata"));
}

TEST_CASE("a listed origin is echoed with Vary; others and an empty list get no header", "[cors]") {
  std::vector<std::string> list{"https://app.example"};
  auto yes = run_handler(with_gateway_cors(list, ok), request("GET", "https://app.example"));
  CHECK(contains(yes, "Access-Control-Allow-Origin: https://app.example\r\n"));
  CHECK(contains(yes, "Vary: Origin\r\n"));
  auto no = run_handler(with_gateway_cors(list, ok), request("GET", "https://evil.example"));
  CHECK_FALSE(contains(no, "Access-Control-"));
  CHECK(contains(no, "\r\n\r\ndata")); // still served: CORS only governs what a browser page may read
  auto none = run_handler(with_gateway_cors({}, ok), request("GET", "https://app.example"));
  CHECK_FALSE(contains(none, "Access-Control-"));
}

TEST_CASE("OPTIONS preflight is answered without calling the handler", "[cors]") {
  bool called = false;
  http_handler h = with_gateway_cors({"*"}, [&](http_request&, response_writer& w) {
    called = true;
    w.send("x");
  });
  auto out = run_handler(h, request("OPTIONS", "http://app.example"));
  CHECK_FALSE(called);
  CHECK(contains(out, "HTTP/1.1 200 OK\r\n"));
  CHECK(contains(out, "Allow: GET, HEAD, OPTIONS\r\n"));
  CHECK(contains(out, "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"));
  CHECK(contains(out, "Content-Length: 0\r\n"));
  string_sink sink;
  response_writer w(sink, true);
  auto get = request("GET");
  CHECK_FALSE(handle_gateway_preflight(get, w, {"*"}));
  CHECK(sink.out.empty());
}

TEST_CASE("RPC CORS headers only for a listed browser origin", "[cors]") {
  std::vector<std::string> list{"http://ui.example"};
  auto run_rpc = [&](http_request req) {
    string_sink sink;
    response_writer w(sink, true);
    apply_rpc_cors(req, w, list);
    w.send("{}");
    return sink.out;
  };
  auto yes = run_rpc(request("POST", "http://ui.example"));
  CHECK(contains(yes, "Access-Control-Allow-Origin: http://ui.example\r\n"));
  CHECK(contains(yes, "Access-Control-Allow-Methods: POST\r\n"));
  CHECK(contains(yes, "Access-Control-Expose-Headers: X-Stream-Output, X-Chunked-Output, X-Content-Length\r\n"));
  CHECK_FALSE(contains(run_rpc(request("POST", "http://evil.example")), "Access-Control-"));
  CHECK_FALSE(contains(run_rpc(request("POST")), "Access-Control-")); // curl, the CLI: no Origin
}
