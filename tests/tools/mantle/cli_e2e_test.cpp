// Runs the built `mantle` binary against a stand-in server that speaks Kubo's RPC conventions.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include "net/http_server.hpp"
#include "net/kubo_rpc.hpp"
#include "net/multipart_reader.hpp"
#include "net/router.hpp"
#include "tests/tools/mantle/run_cli.hpp"

using namespace mantle;

using test::run_cli;

TEST_CASE("mantle CLI talks Kubo RPC to a server", "[tools][cli][http]") {
  struct stat sb;
  REQUIRE(::stat((std::string(MANTLE_BINARY_DIR) + "/mantle").c_str(), &sb) == 0);
  std::vector<std::string> seen;
  std::string query;
  router r;
  r.add_rpc("add", [&](http_request& q, response_writer& w) {
    query = q.target;
    if (q.target.find("chunker=bad") != std::string::npos) { // refused before the body is read
      kubo::send_error(w, "chunker 'bad' is not size-N");
      return;
    }
    kubo::begin_value_stream(w);
    std::string name;
    uint64_t size = 0;
    auto st = read_multipart(q, {[&](const multipart_part& p) {
                                   name = p.filename;
                                   size = 0;
                                   seen.push_back(p.filename + (p.is_directory() ? "/" : ""));
                                   return status::success();
                                 },
                                 [&](std::string_view d) { size += d.size(); return status::success(); },
                                 [&]() {
                                   return kubo::emit(w, {{"Name", name}, {"Hash", "Qm" + std::to_string(size)}});
                                 }});
    if (!st.ok()) kubo::send_error(w, st.err());
    else w.finish();
  });
  r.add_rpc("cat", [](http_request& q, response_writer& w) {
    if (q.query.args().empty() || q.query.args()[0] != "QmGood") {
      kubo::begin_byte_stream(w, 10);
      w.write("part");
      kubo::send_error(w, "block went missing");
      return;
    }
    kubo::begin_byte_stream(w, 5);
    w.write("hello");
    w.finish();
  });
  r.add_rpc("version", [](http_request&, response_writer& w) {
    kubo::send_error(w, "version is broken today", kubo::err_normal);
  });
  http_server srv([&](http_request& q, response_writer& w) { r.handle(q, w); });
  REQUIRE(srv.start("127.0.0.1:0").ok());
  std::string api = "--api 127.0.0.1:" + std::to_string(srv.port());

  char t[] = "/tmp/mantle-e2e-XXXXXX";
  REQUIRE(mkdtemp(t));
  std::string dir = t;
  REQUIRE(system(("mkdir -p '" + dir + "/up/s b' && printf abc > '" + dir + "/up/a.txt' && printf 12345 > '" +
                  dir + "/up/s b/c'").c_str()) == 0);

  auto add = run_cli(api + " add -r --cid-version=1 --pin=false '" + dir + "/up'");
  CHECK(add.code == 0);
  CHECK(add.out == "added Qm0 up\nadded Qm3 up/a.txt\nadded Qm0 up/s b\nadded Qm5 up/s b/c\n");
  CHECK(seen == std::vector<std::string>{"up/", "up/a.txt", "up/s b/", "up/s b/c"});
  CHECK(query.find("cid-version=1") != std::string::npos);
  CHECK(query.find("pin=false") != std::string::npos);

  auto nodir = run_cli(api + " add '" + dir + "/up'");
  CHECK(nodir.code == 2);

  // A named pipe has no length ahead: it is sent chunked, to its end.
  REQUIRE(system(("mkfifo '" + dir + "/pipe' && (printf 1234567 > '" + dir + "/pipe' &)").c_str()) == 0);
  auto piped = run_cli(api + " add '" + dir + "/pipe'");
  CHECK(piped.code == 0);
  CHECK(piped.out == "added Qm7 pipe\n");

  // An upload far past what the server drains before hanging up: the node's message, exit 1,
  // not a death by SIGPIPE in the middle of sendfile.
  REQUIRE(system(("head -c 67108864 /dev/zero > '" + dir + "/big'").c_str()) == 0);
  auto refused = run_cli(api + " add --chunker bad '" + dir + "/big'");
  CHECK(refused.code == 1);
  CHECK(refused.out.find("Error: chunker 'bad' is not size-N") != std::string::npos);

  auto cat = run_cli(api + " cat QmGood");
  CHECK(cat.code == 0);
  CHECK(cat.out == "hello");
  auto bad = run_cli(api + " cat QmBad");
  CHECK(bad.code == 1);
  CHECK(bad.out.find("Error: block went missing") != std::string::npos);
  auto ver = run_cli(api + " version");
  CHECK(ver.code == 1);
  CHECK(ver.out == "Error: version is broken today\n");
  auto usage = run_cli(api + " cat");
  CHECK(usage.code == 2);
  CHECK(system(("rm -rf '" + dir + "'").c_str()) == 0);
  srv.stop();
}
