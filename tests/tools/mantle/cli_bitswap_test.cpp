// `mantle bitswap stat` / `wantlist` against a server answering the exchange RPC routes with
// net/exchange_rpc, printed as `ipfs bitswap stat` / `wantlist` print Kubo's answers.
#include <catch2/catch.hpp>

#include "net/exchange_rpc.hpp"
#include "net/http_server.hpp"
#include "net/router.hpp"
#include "tests/net/bitswap_sample.hpp"
#include "tests/tools/mantle/run_cli.hpp"
#include "tools/mantle/bitswap_text.cpp"

using namespace mantle;

TEST_CASE("mantle bitswap stat and wantlist print the node's exchange as ipfs does", "[exchange][cli][http]") {
  bool up = true;
  router r;
  test::add_sample_exchange_rpc(r, up);
  http_server server([&](http_request& q, response_writer& w) { r.handle(q, w); });
  REQUIRE(server.start("127.0.0.1:0"));
  std::string api = "--api 127.0.0.1:" + std::to_string(server.port());
  auto s = test::sample_bitswap_status();
  std::string counters = "bitswap status\n"
                         "\tblocks received: 3\n\tblocks sent: 5\n\tdata received: 300\n\tdata sent: 500\n"
                         "\tdup blocks received: 1\n\tdup data received: 100\n"
                         "\twantlist [1 keys]\n\t\t" +
                         s.wantlist[0].str() + "\n\tpartners [2]\n";

  auto [code, out] = test::run_cli(api + " bitswap stat");
  CHECK(code == 0);
  CHECK(out == counters);
  auto [code_v, verbose] = test::run_cli(api + " bitswap stat -v");
  CHECK(code_v == 0);
  CHECK(verbose == counters + "\t\t" + s.peers[0] + "\n\t\t" + s.peers[1] + "\n");
  auto [code_w, wl] = test::run_cli(api + " bitswap wantlist");
  CHECK(code_w == 0);
  CHECK(wl == s.wantlist[0].str() + "\n");

  up = false;
  auto [code_d, down] = test::run_cli(api + " bitswap stat");
  CHECK(code_d == 1);
  CHECK(down.find("Error: the block exchange is not running") == 0);
  // Nothing else is accepted.
  auto [code_u, usage] = test::run_cli(api + " bitswap stat extra");
  CHECK(code_u == 2);
}

TEST_CASE("bitswap text skips what is not a CID link and prints nothing for an empty wantlist", "[exchange][cli]") {
  auto j = nlohmann::json::parse(R"({"Wantlist":[{"/":"bafkqaaa"},"junk",{"x":1}],"Peers":null})");
  CHECK(cli::format_bitswap_stat(j, true) ==
        "bitswap status\n\tblocks received: 0\n\tblocks sent: 0\n\tdata received: 0\n\tdata sent: 0\n"
        "\tdup blocks received: 0\n\tdup data received: 0\n\twantlist [1 keys]\n\t\tbafkqaaa\n\tpartners [0]\n");
  CHECK(cli::format_bitswap_wantlist(nlohmann::json{{"Keys", nlohmann::json::array()}}).empty());
}
