#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "net/dashboard_http.hpp"
#include "net/router.hpp"
#include "tests/net/string_sink.hpp"

using namespace mantle;
using mantle::test::contains;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

http_request request(const std::string& method, const std::string& path) {
  http_request r;
  r.method = method;
  r.path = path;
  r.target = path;
  return r;
}

std::string body_of(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

std::string header_of(const std::string& response, const std::string& name) {
  auto at = response.find("\r\n" + name + ": ");
  if (at == std::string::npos)
    return "";
  at += name.size() + 4;
  return response.substr(at, response.find("\r\n", at) - at);
}

std::string serve(const router& r, http_request req) {
  mantle::test::string_sink sink;
  response_writer w(sink, true, req.method == "HEAD");
  r.handle(req, w);
  return sink.out;
}

} // namespace

TEST_CASE("the embedded dashboard files are net/dashboard's, byte for byte", "[dashboard]") {
  const auto& files = dashboard_files();
  std::vector<std::string> names;
  for (auto& f : files) {
    names.emplace_back(f.name);
    CHECK(f.bytes == read_file(std::string(MANTLE_SOURCE_DIR) + "/net/dashboard/" + std::string(f.name)));
  }
  CHECK(names == std::vector<std::string>{"dashboard.css", "dashboard.js", "index.html"});
}

TEST_CASE("GET /dashboard serves the page and its assets with their types and policies", "[dashboard]") {
  router r;
  add_dashboard(r);
  auto page = serve(r, request("GET", "/dashboard"));
  CHECK(page.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(header_of(page, "Content-Type") == "text/html; charset=utf-8");
  CHECK(header_of(page, "Cache-Control") == "no-cache");
  CHECK(header_of(page, "Content-Security-Policy") == dashboard_csp);
  CHECK(header_of(page, "X-Content-Type-Options") == "nosniff");
  CHECK(body_of(page) == read_file(std::string(MANTLE_SOURCE_DIR) + "/net/dashboard/index.html"));
  CHECK(body_of(serve(r, request("GET", "/dashboard/"))) == body_of(page));
  CHECK(body_of(serve(r, request("GET", "/dashboard/index.html"))) == body_of(page));

  auto js = serve(r, request("GET", "/dashboard/dashboard.js"));
  CHECK(header_of(js, "Content-Type") == "text/javascript; charset=utf-8");
  CHECK(body_of(js) == read_file(std::string(MANTLE_SOURCE_DIR) + "/net/dashboard/dashboard.js"));
  auto css = serve(r, request("GET", "/dashboard/dashboard.css"));
  CHECK(header_of(css, "Content-Type") == "text/css; charset=utf-8");

  // Each file has its own ETag, and a HEAD request gets the headers only.
  CHECK(header_of(js, "ETag") != header_of(css, "ETag"));
  auto head = serve(r, request("HEAD", "/dashboard/dashboard.js"));
  CHECK(header_of(head, "Content-Length") == std::to_string(body_of(js).size()));
  CHECK(body_of(head).empty());
}

TEST_CASE("the dashboard CSP loads nothing from another origin", "[dashboard]") {
  std::string csp = dashboard_csp;
  CHECK(contains(csp, "default-src 'none'"));
  for (const char* directive : {"script-src", "style-src", "connect-src", "img-src"}) {
    auto at = csp.find(directive);
    REQUIRE(at != std::string::npos);
    auto value = csp.substr(at, csp.find(';', at) - at);
    CHECK_FALSE(contains(value, "http"));
    CHECK_FALSE(contains(value, "*"));
    CHECK_FALSE(contains(value, "unsafe"));
  }
}

TEST_CASE("a matching If-None-Match gets 304 without a body", "[dashboard]") {
  router r;
  add_dashboard(r);
  auto first = serve(r, request("GET", "/dashboard"));
  auto etag = header_of(first, "ETag");
  REQUIRE(etag.size() == 34); // 32 hex digits in quotes
  auto req = request("GET", "/dashboard");
  req.headers.emplace_back("If-None-Match", "\"0000\", " + etag);
  auto again = serve(r, req);
  CHECK(again.rfind("HTTP/1.1 304", 0) == 0);
  CHECK(body_of(again).empty());
  CHECK(header_of(again, "ETag") == etag);
  auto other = request("GET", "/dashboard");
  other.headers.emplace_back("If-None-Match", "\"0000\"");
  CHECK(serve(r, other).rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("the dashboard refuses other methods and unknown files", "[dashboard]") {
  router r;
  add_dashboard(r);
  auto post = serve(r, request("POST", "/dashboard"));
  CHECK(post.rfind("HTTP/1.1 405", 0) == 0);
  CHECK(header_of(post, "Allow") == "GET, HEAD");
  CHECK(serve(r, request("GET", "/dashboard/nope.js")).rfind("HTTP/1.1 404", 0) == 0);
  CHECK(serve(r, request("GET", "/dashboard/../dashboard.js")).rfind("HTTP/1.1 404", 0) == 0);
  CHECK(serve(r, request("GET", "/dashboardx")).rfind("HTTP/1.1 404", 0) == 0);
}

TEST_CASE("dashboard content types follow the file name", "[dashboard]") {
  CHECK(dashboard_content_type("index.html") == "text/html; charset=utf-8");
  CHECK(dashboard_content_type("a.css") == "text/css; charset=utf-8");
  CHECK(dashboard_content_type("a.js") == "text/javascript; charset=utf-8");
  CHECK(dashboard_content_type("logo.svg") == "image/svg+xml");
  CHECK(dashboard_content_type("README") == "application/octet-stream");
}

TEST_CASE("the dashboard handler serves any set of embedded files under its prefix", "[dashboard]") {
  static const std::string bytes = std::string("a\0b", 3); // binary-safe: an embedded NUL stays
  std::vector<embedded_file> files{{"index.html", "<p>hi</p>"}, {"x.js", bytes}};
  auto h = dashboard_handler(files, "/ui");
  auto out = mantle::test::run_handler(h, request("GET", "/ui/x.js"));
  CHECK(body_of(out) == bytes);
  CHECK(body_of(mantle::test::run_handler(h, request("GET", "/ui"))) == "<p>hi</p>");
}
