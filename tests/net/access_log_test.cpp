#include <catch2/catch.hpp>

#include "tests/net/string_sink.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <unistd.h>

#include "net/access_log.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::test;

namespace {
access_record sample() {
  access_record r;
  r.remote = "127.0.0.1:54321";
  r.method = "POST";
  r.target = "/api/v0/add?pin=true";
  r.status = 200;
  r.bytes = 112;
  r.user_agent = "curl/7.88.1";
  r.time = std::chrono::system_clock::from_time_t(1795506947); // 2026-11-24T07:55:47Z
  r.duration = std::chrono::microseconds(3042);
  return r;
}
} // namespace

TEST_CASE("access lines follow the combined log format plus milliseconds", "[access_log]") {
  CHECK(format_access_line(sample()) ==
        "127.0.0.1 - - [24/Nov/2026:07:55:47 +0000] \"POST /api/v0/add?pin=true HTTP/1.1\" 200 112 \"-\" "
        "\"curl/7.88.1\" 3.042");
  auto r = sample();
  r.remote = "[::1]:5001";
  r.bytes = 0;
  r.status = 404;
  r.referer = "http://a.example/";
  r.user_agent.clear();
  r.duration = std::chrono::microseconds(250);
  CHECK(format_access_line(r) ==
        "::1 - - [24/Nov/2026:07:55:47 +0000] \"POST /api/v0/add?pin=true HTTP/1.1\" 404 - "
        "\"http://a.example/\" \"-\" 0.250");
}

TEST_CASE("quoted fields cannot break or forge a line", "[access_log]") {
  auto r = sample();
  r.user_agent = "evil\" 200 1 \"x\nnext line\\\x7f\xc3\xa9";
  auto line = format_access_line(r);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find("\"evil\\\" 200 1 \\\"x\\x0Anext line\\\\\\x7F\\xC3\\xA9\"") != std::string::npos);
}

TEST_CASE("with_access_log appends one line per request to a file", "[access_log]") {
  test::temp_dir dir;
  std::string path = dir.path + "/access.log";
  auto log = access_log::open(path);
  REQUIRE(log.ok());
  auto h = with_access_log(*log, [](http_request& r, response_writer& w) {
    w.status(r.path == "/x" ? 200 : 404).send("body");
  });
  for (const char* p : {"/x", "/missing"}) {
    http_request req;
    req.method = "GET";
    req.path = req.target = p;
    req.remote = "10.0.0.1:1234";
    req.headers = {{"User-Agent", "test-agent"}, {"Referer", "http://ref.example/"}};
    string_sink sink;
    response_writer w(sink, true);
    h(req, w);
  }
  (*log)->flush();
  std::ifstream in(path);
  std::string a, b, c;
  REQUIRE(std::getline(in, a));
  REQUIRE(std::getline(in, b));
  CHECK_FALSE(std::getline(in, c));
  CHECK(a.rfind("10.0.0.1 - - [", 0) == 0);
  CHECK(a.find("\"GET /x HTTP/1.1\" 200 4 \"http://ref.example/\" \"test-agent\" ") != std::string::npos);
  CHECK(b.find("\"GET /missing HTTP/1.1\" 404 4 ") != std::string::npos);
  CHECK_FALSE(access_log::open(dir.path + "/no/such/dir/log").ok());
  // Whatever is still buffered is written when the log closes.
  (*log)->write("third");
  h = nullptr;
  log->reset(); // the last owner: closes the file
  std::ifstream again(path);
  std::string all((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  CHECK(all.size() > 2 * 60);
  CHECK(all.substr(all.size() - 6) == "third\n");
  CHECK(with_access_log(nullptr, [](http_request&, response_writer&) {}) != nullptr);
}
