#include <catch2/catch.hpp>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <thread>
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/kubo_rpc.hpp"
#include "net/multipart_reader.hpp"
#include "net/multipart_writer.hpp"
#include "net/router.hpp"
#include "tests/net/free_port.hpp"

using namespace mantle;

namespace {
std::string addr(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

struct running_server {
  router r;
  http_server srv;
  explicit running_server(router rt, http_server_options o = {})
      : r(std::move(rt)), srv([this](http_request& q, response_writer& w) { r.handle(q, w); }, o) {
    auto st = srv.start("127.0.0.1:0");
    REQUIRE(st.ok());
  }
  std::string address() const { return addr(srv.port()); }
};

client_response call(const std::string& address, const std::string& method,
                     const std::string& target, headers_list h = {}, std::string body = {}) {
  http_client c;
  REQUIRE(c.connect(address).ok());
  auto r = c.request(method, target, h, body);
  REQUIRE(r.ok());
  return r.value();
}

// The rest of the response body, after read_head().
std::string read_whole_body(http_client& c) {
  std::string body;
  char buf[4096];
  for (;;) {
    auto n = c.read_body(buf, sizeof buf);
    REQUIRE(n.ok());
    if (n.value() == 0) return body;
    body.append(buf, n.value());
  }
}

// Answers a multipart upload with one NDJSON value per part: {"Name", "Size"} and what
// `describe` adds from the part's bytes. Directory names end in "/".
void echo_parts(http_request& q, response_writer& w,
                const std::function<void(const std::string&, const std::string&, nlohmann::json&)>& describe = {}) {
  kubo::begin_value_stream(w);
  std::string current, data;
  auto st = read_multipart(q, {[&](const multipart_part& p) {
                                 current = p.filename + (p.is_directory() ? "/" : "");
                                 data.clear();
                                 return status::success();
                               },
                               [&](std::string_view d) {
                                 data.append(d);
                                 return status::success();
                               },
                               [&]() {
                                 nlohmann::json v = {{"Name", current}, {"Size", data.size()}};
                                 if (describe)
                                   describe(current, data, v);
                                 return kubo::emit(w, v);
                               }});
  if (!st.ok()) {
    kubo::send_error(w, st.err());
    return;
  }
  w.finish();
}

router demo_router() {
  router r;
  r.add_rpc("version", [](http_request&, response_writer& w) {
    kubo::send_json(w, {{"Version", "0.1.0"}});
  });
  r.add_rpc("echo", [](http_request& q, response_writer& w) {
    nlohmann::json args = q.query.args();
    auto quiet = q.query.get_bool("quiet", false);
    if (!quiet.ok()) {
      kubo::send_error(w, quiet.err());
      return;
    }
    kubo::send_json(w, {{"Args", args}, {"Quiet", quiet.value()}});
  });
  r.add_rpc("fail", [](http_request&, response_writer& w) {
    kubo::send_error(w, "block was not found locally (offline)", kubo::err_normal);
  });
  r.add_rpc("stream", [](http_request& q, response_writer& w) {
    auto n = q.query.get_int("n", 3).value();
    kubo::begin_byte_stream(w, n * 10);
    for (int i = 0; i < n; ++i) w.write(std::string(10, static_cast<char>('a' + i)));
    if (q.query.get_bool("fail", false).value())
      kubo::send_error(w, "lost a block mid-stream");
    else
      w.finish();
  });
  r.add_rpc("values", [](http_request&, response_writer& w) {
    kubo::begin_value_stream(w);
    kubo::emit(w, {{"Name", "a"}, {"Bytes", 1}});
    kubo::emit(w, {{"Name", "a"}, {"Hash", "Qm"}});
    w.finish();
  });
  return r;
}
} // namespace

TEST_CASE("server routes Kubo RPC commands and answers like Kubo", "[net][http]") {
  running_server s(demo_router());
  SECTION("single JSON value") {
    auto r = call(s.address(), "POST", "/api/v0/version");
    CHECK(r.status == 200);
    CHECK(r.header("Content-Type") == "application/json");
    CHECK(r.header("Trailer") == "X-Stream-Error");
    CHECK(nlohmann::json::parse(r.body)["Version"] == "0.1.0");
  }
  SECTION("args in order, bool options") {
    auto r = call(s.address(), "POST", "/api/v0/echo?arg=a&arg=b%2Fc&quiet");
    auto j = nlohmann::json::parse(r.body);
    CHECK(j["Args"] == nlohmann::json({"a", "b/c"}));
    CHECK(j["Quiet"] == true);
    auto bad = call(s.address(), "POST", "/api/v0/echo?quiet=perhaps");
    CHECK(bad.status == 400);
    auto e = nlohmann::json::parse(bad.body);
    CHECK(e["Code"] == 1);
    CHECK(e["Type"] == "error");
  }
  SECTION("command error is Kubo's error JSON with 500") {
    auto r = call(s.address(), "POST", "/api/v0/fail");
    CHECK(r.status == 500);
    auto j = nlohmann::json::parse(r.body);
    CHECK(j["Message"] == "block was not found locally (offline)");
    CHECK(j["Code"] == 0);
    CHECK(j["Type"] == "error");
  }
  SECTION("unknown command 404, wrong method 405, OPTIONS 204") {
    auto nf = call(s.address(), "POST", "/api/v0/nope");
    CHECK(nf.status == 404);
    CHECK(nf.body == "404 page not found\n");
    auto get = call(s.address(), "GET", "/api/v0/version");
    CHECK(get.status == 405);
    CHECK(get.header("Allow") == "OPTIONS, POST");
    CHECK(get.body == "405 - Method Not Allowed\n");
    auto opt = call(s.address(), "OPTIONS", "/api/v0/version");
    CHECK(opt.status == 204);
    auto other = call(s.address(), "GET", "/elsewhere");
    CHECK(other.status == 404);
  }
  SECTION("cross-origin browser requests are refused") {
    auto o = call(s.address(), "POST", "/api/v0/version", {{"Origin", "https://evil.example"}});
    CHECK(o.status == 403);
    CHECK(o.body == "403 - Forbidden\n");
    auto ref = call(s.address(), "POST", "/api/v0/version", {{"Referer", "https://evil.example/page"}});
    CHECK(ref.status == 403);
  }
  SECTION("keep-alive: several requests on one connection") {
    http_client c;
    REQUIRE(c.connect(s.address()).ok());
    for (int i = 0; i < 5; ++i) {
      auto r = c.request("POST", "/api/v0/version");
      REQUIRE(r.ok());
      CHECK(r->status == 200);
    }
  }
}

TEST_CASE("allow-listed origins pass the origin check", "[net][http]") {
  rpc_policy p;
  p.allowed_origins = kubo_default_origins(5001);
  router r(p);
  r.add_rpc("version", [](http_request&, response_writer& w) { kubo::send_json(w, {{"Version", "x"}}); });
  running_server s(std::move(r));
  CHECK(call(s.address(), "POST", "/api/v0/version", {{"Origin", "http://127.0.0.1:5001"}}).status == 200);
  CHECK(call(s.address(), "POST", "/api/v0/version", {{"Origin", "http://127.0.0.1:5002"}}).status == 403);
  CHECK(call(s.address(), "POST", "/api/v0/version", {{"Referer", "http://localhost:5001/webui"}}).status == 200);
}

TEST_CASE("server streams chunked responses and reports late errors in a trailer", "[net][http]") {
  running_server s(demo_router());
  auto ok = call(s.address(), "POST", "/api/v0/stream?n=4");
  CHECK(ok.status == 200);
  CHECK(ok.header("Transfer-Encoding") == "chunked");
  CHECK(ok.header("X-Stream-Output") == "1");
  CHECK(ok.header("X-Content-Length") == "40");
  CHECK(ok.body == std::string(10, 'a') + std::string(10, 'b') + std::string(10, 'c') + std::string(10, 'd'));
  CHECK(ok.header("X-Stream-Error").empty());

  auto bad = call(s.address(), "POST", "/api/v0/stream?n=2&fail=true");
  CHECK(bad.status == 200);
  CHECK(bad.body.size() == 20);
  CHECK(bad.header("X-Stream-Error") == "lost a block mid-stream");

  auto vals = call(s.address(), "POST", "/api/v0/values");
  CHECK(vals.header("X-Chunked-Output") == "1");
  CHECK(vals.body == "{\"Bytes\":1,\"Name\":\"a\"}\n{\"Hash\":\"Qm\",\"Name\":\"a\"}\n");
}

TEST_CASE("server streams a 200 MB upload to the handler without buffering it", "[net][http]") {
  std::atomic<uint64_t> total{0};
  std::atomic<size_t> biggest{0};
  router r;
  r.add_rpc("count", [&](http_request& q, response_writer& w) {
    std::vector<char> buf(1024 * 1024);
    uint64_t sum = 0;
    for (;;) {
      auto n = q.read_body(buf.data(), buf.size());
      if (!n.ok()) {
        kubo::send_error(w, n.err());
        return;
      }
      if (n.value() == 0) break;
      for (size_t i = 0; i < n.value(); ++i) sum += static_cast<unsigned char>(buf[i]);
      total += n.value();
      if (n.value() > biggest) biggest = n.value();
    }
    kubo::send_json(w, {{"Bytes", total.load()}, {"Sum", sum}});
  });
  running_server s(std::move(r));
  const uint64_t size = 200ull * 1024 * 1024;
  uint64_t sent = 0, expect_sum = 0;
  http_client c;
  REQUIRE(c.connect(s.address()).ok());
  auto st = c.send_streamed("POST", "/api/v0/count", {{"Content-Type", "application/octet-stream"}},
                            [&](char* buf, size_t cap) -> result<size_t> {
                              size_t n = static_cast<size_t>(std::min<uint64_t>(cap, size - sent));
                              for (size_t i = 0; i < n; ++i) {
                                buf[i] = static_cast<char>((sent + i) * 31 >> 3);
                                expect_sum += static_cast<unsigned char>(buf[i]);
                              }
                              sent += n;
                              return n;
                            });
  REQUIRE(st.ok());
  auto head = c.read_head();
  REQUIRE(head.ok());
  CHECK(head->status == 200);
  std::string body = read_whole_body(c);
  auto j = nlohmann::json::parse(body);
  CHECK(j["Bytes"] == size);
  CHECK(j["Sum"] == expect_sum);
  CHECK(biggest <= 1024 * 1024);
}

TEST_CASE("multipart upload over HTTP with directories and encoded names", "[net][http][multipart]") {
  router r;
  r.add_rpc("add", [](http_request& q, response_writer& w) { echo_parts(q, w); });
  running_server s(std::move(r));
  std::vector<multipart_entry> entries = {
      {multipart_entry::kind::directory, "d", "", ""},
      {multipart_entry::kind::bytes, "d/a b.txt", std::string(100000, 'q'), ""},
      {multipart_entry::kind::directory, "d/sub%dir", "", ""},
      {multipart_entry::kind::bytes, "d/sub%dir/ü", "x", ""},
  };
  multipart_body mb(entries);
  http_client c;
  REQUIRE(c.connect(s.address()).ok());
  REQUIRE(c.send_streamed("POST", "/api/v0/add", {{"Content-Type", mb.content_type()}},
                          [&](char* b, size_t n) { return mb.read(b, n); })
              .ok());
  REQUIRE(c.read_head().ok());
  std::string body = read_whole_body(c);
  CHECK(body == "{\"Name\":\"d/\",\"Size\":0}\n{\"Name\":\"d/a b.txt\",\"Size\":100000}\n"
                "{\"Name\":\"d/sub%dir/\",\"Size\":0}\n{\"Name\":\"d/sub%dir/ü\",\"Size\":1}\n");
  CHECK(c.trailer("X-Stream-Error").empty());

  SECTION("malformed multipart gets an error") {
    auto bad = call(s.address(), "POST", "/api/v0/add", {{"Content-Type", "multipart/form-data; boundary=ZZ"}},
                    "--ZZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\ntruncated");
    CHECK(bad.status == 200);
    CHECK(bad.header("X-Stream-Error").find("ended") != std::string::npos);
    auto nob = call(s.address(), "POST", "/api/v0/add", {{"Content-Type", "multipart/form-data"}}, "x");
    CHECK(nob.header("X-Stream-Error").find("boundary") != std::string::npos);
  }
}

TEST_CASE("server lifecycle: port taken, connection cap, stop with blocked clients", "[net][http]") {
  std::atomic<bool> release{false};
  router r;
  r.add_rpc("block", [&](http_request&, response_writer& w) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kubo::send_json(w, {{"ok", true}});
  });
  r.add_rpc("version", [](http_request&, response_writer& w) { kubo::send_json(w, {{"Version", "x"}}); });
  http_server_options o;
  o.max_connections = 2;
  running_server s(std::move(r), o);

  http_server other([](http_request&, response_writer& w) { w.send("x"); });
  auto taken = other.start(s.address());
  CHECK_FALSE(taken.ok());

  // Two connections block in a handler; the others still get served or refused, not stalled.
  std::vector<std::thread> blocked;
  std::atomic<int> done{0};
  for (int i = 0; i < 2; ++i)
    blocked.emplace_back([&] {
      http_client c;
      if (c.connect(s.address()).ok() && c.request("POST", "/api/v0/block").ok()) ++done;
    });
  for (int i = 0; i < 200 && s.srv.active_connections() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(s.srv.active_connections() == 2);
  auto refused = call(s.address(), "POST", "/api/v0/version");
  CHECK(refused.status == 503);
  release = true;
  for (auto& t : blocked) t.join();
  CHECK(done == 2);
  for (int i = 0; i < 200 && s.srv.active_connections() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(call(s.address(), "POST", "/api/v0/version").status == 200);

  // An idle keep-alive client does not hold stop() up.
  http_client idle;
  REQUIRE(idle.connect(s.address()).ok());
  auto t0 = std::chrono::steady_clock::now();
  s.srv.stop(std::chrono::seconds(3));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK(s.srv.active_connections() == 0);
  http_client late;
  CHECK_FALSE(late.connect(s.address()).ok());
}

TEST_CASE("sized multipart upload: Content-Length, files by sendfile, same parts", "[net][http][multipart]") {
  const std::string dir = "/tmp/mantle-sized-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string content(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string file = dir + "/f.bin";
  { std::ofstream(file, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size())); }
  const std::string empty = dir + "/empty";
  { std::ofstream(empty, std::ios::binary); }

  std::string length_header;
  router r;
  r.add_rpc("add", [&](http_request& q, response_writer& w) {
    length_header = q.header("Content-Length");
    echo_parts(q, w, [&](const std::string& name, const std::string& data, nlohmann::json& v) {
      v["Same"] = name == "d/f.bin" ? data == content : true;
    });
  });
  running_server s(std::move(r));
  std::vector<multipart_entry> entries = {
      {multipart_entry::kind::directory, "d", "", ""},
      {multipart_entry::kind::file, "d/f.bin", file, ""},
      {multipart_entry::kind::file, "d/empty", empty, ""},
      {multipart_entry::kind::bytes, "d/b", "xyz", ""},
  };
  multipart_body mb(entries);
  http_client c;
  REQUIRE(c.connect(s.address()).ok());
  REQUIRE(c.send_sized("POST", "/api/v0/add", {{"Content-Type", mb.content_type()}}, mb).ok());
  REQUIRE(c.read_head().ok());
  std::string body = read_whole_body(c);
  CHECK(body == "{\"Name\":\"d/\",\"Same\":true,\"Size\":0}\n"
                "{\"Name\":\"d/f.bin\",\"Same\":true,\"Size\":3145745}\n"
                "{\"Name\":\"d/empty\",\"Same\":true,\"Size\":0}\n"
                "{\"Name\":\"d/b\",\"Same\":true,\"Size\":3}\n");
  CHECK(length_header == std::to_string(multipart_body(entries, mb.boundary()).length().value()));
  CHECK(mb.content_bytes() == content.size() + 3);
  std::filesystem::remove_all(dir);
}
