#include <catch2/catch.hpp>
#include <string>
#include <vector>
#include "net/response_writer.hpp"

using namespace mantle;

namespace {
// Records each write the writer makes, as the socket would see them one call at a time.
struct recording_sink : response_writer::byte_sink {
  std::vector<std::string> writes;
  bool fail = false;
  status write(std::string_view bytes) override {
    if (fail) return error{errc::io_error, "peer gone"};
    writes.emplace_back(bytes);
    return {};
  }
  status write_parts(const std::string_view* parts, size_t n) override {
    if (fail) return error{errc::io_error, "peer gone"};
    std::string one;
    for (size_t i = 0; i < n; ++i) one.append(parts[i]);
    writes.push_back(std::move(one));
    return {};
  }
  std::string all() const {
    std::string s;
    for (auto& w : writes) s += w;
    return s;
  }
};
} // namespace

TEST_CASE("a fixed-length response sends its head with the first body bytes", "[net][http]") {
  // Two writes (head, then a small body) let Nagle hold the body for the peer's delayed ACK:
  // 40 ms per small file on a keep-alive connection.
  recording_sink sink;
  response_writer w(sink, true);
  w.header("Content-Type", "application/octet-stream");
  REQUIRE(w.begin_fixed(5).ok());
  CHECK(sink.writes.empty());
  CHECK(w.started());
  REQUIRE(w.write("hello").ok());
  REQUIRE(sink.writes.size() == 1);
  CHECK(sink.writes[0].rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(sink.writes[0].find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(sink.writes[0].size() > 5);
  CHECK(sink.writes[0].compare(sink.writes[0].size() - 9, 9, "\r\n\r\nhello") == 0);
  CHECK(w.finished());
  REQUIRE(w.finish().ok());
  CHECK(sink.writes.size() == 1);
}

TEST_CASE("later body bytes of a fixed response go out as they come", "[net][http]") {
  recording_sink sink;
  response_writer w(sink, true);
  REQUIRE(w.begin_fixed(6).ok());
  REQUIRE(w.write("abc").ok());
  REQUIRE(w.write("def").ok());
  REQUIRE(sink.writes.size() == 2);
  CHECK(sink.writes[1] == "def");
  CHECK_FALSE(w.write("x").ok()); // past the Content-Length
}

TEST_CASE("fixed responses with no body bytes send the head at once", "[net][http]") {
  SECTION("empty body") {
    recording_sink sink;
    response_writer w(sink, true);
    REQUIRE(w.begin_fixed(0).ok());
    REQUIRE(sink.writes.size() == 1);
    CHECK(sink.writes[0].find("Content-Length: 0\r\n") != std::string::npos);
    CHECK(w.finished());
  }
  SECTION("HEAD request") {
    recording_sink sink;
    response_writer w(sink, true, /*head_request=*/true);
    REQUIRE(w.begin_fixed(1000).ok());
    REQUIRE(sink.writes.size() == 1);
    CHECK(sink.writes[0].find("Content-Length: 1000\r\n") != std::string::npos);
    CHECK(w.finished());
  }
}

TEST_CASE("a fixed response cut short still shows its status line, then closes", "[net][http]") {
  recording_sink sink;
  response_writer w(sink, true);
  REQUIRE(w.begin_fixed(100).ok());
  CHECK_FALSE(w.finish().ok());
  REQUIRE(sink.writes.size() == 1);
  CHECK(sink.writes[0].rfind("HTTP/1.1 200", 0) == 0);
  CHECK_FALSE(w.keep_alive());
  CHECK(w.failed());
}

TEST_CASE("a peer gone before the first body bytes fails the write", "[net][http]") {
  recording_sink sink;
  response_writer w(sink, true);
  REQUIRE(w.begin_fixed(3).ok());
  sink.fail = true;
  CHECK_FALSE(w.write("abc").ok());
  CHECK(w.failed());
}
