// bitswap/stat and bitswap/wantlist answer with Kubo's field names and shapes, refuse what they
// cannot answer with a clear error, and pass the exchange's own errors through.
#include <catch2/catch.hpp>

#include "net/exchange_rpc.hpp"
#include "tests/net/bitswap_sample.hpp"
#include "tests/net/rpc_call.hpp"

using namespace mantle;
using nlohmann::json;

namespace {

std::string call(router& r, const std::string& target) { return test::call_rpc(r, target); }
json body_of(const std::string& response) { return test::rpc_body(response); }

} // namespace

TEST_CASE("bitswap/stat and bitswap/wantlist answer as Kubo does", "[exchange][exchange_rpc]") {
  auto s = test::sample_bitswap_status();
  auto want = s.wantlist[0].str();
  CHECK(bitswap_stat_json(s) == json{{"BlocksReceived", 3},
                                     {"BlocksSent", 5},
                                     {"DataReceived", 300},
                                     {"DataSent", 500},
                                     {"DupBlksReceived", 1},
                                     {"DupDataReceived", 100},
                                     {"MessagesReceived", 12},
                                     {"Peers", s.peers},
                                     {"ProvideBufLen", 0},
                                     {"Wantlist", {{{"/", want}}}}});
  CHECK(bitswap_wantlist_json(s) == json{{"Keys", {{{"/", want}}}}});
  // Nothing wanted, nobody connected: empty arrays, never null.
  auto empty = bitswap_stat_json(bitswap_status{});
  CHECK(empty["Peers"] == json::array());
  CHECK(empty["Wantlist"] == json::array());
  CHECK(bitswap_wantlist_json(bitswap_status{}) == json{{"Keys", json::array()}});
}

TEST_CASE("bitswap RPC routes: --peer refused, exchange errors passed through", "[exchange][exchange_rpc]") {
  bool up = true;
  router r;
  test::add_sample_exchange_rpc(r, up);
  auto stat = call(r, "/api/v0/bitswap/stat");
  CHECK(test::contains(stat, "HTTP/1.1 200"));
  CHECK(body_of(stat)["BlocksReceived"] == 3);
  auto wl = call(r, "/api/v0/bitswap/wantlist");
  CHECK(body_of(wl)["Keys"].size() == 1);
  auto peer = call(r, "/api/v0/bitswap/wantlist?peer=12D3KooWATZi2wFwQxQ14Z3q24TDNWKap6f8W5ryLE6Da4RMfsxy");
  CHECK(test::contains(peer, "HTTP/1.1 400"));
  CHECK(body_of(peer)["Message"].get<std::string>().find("--peer is not supported") != std::string::npos);
  up = false;
  auto down = call(r, "/api/v0/bitswap/stat");
  CHECK(test::contains(down, "HTTP/1.1 500"));
  CHECK(body_of(down)["Message"] == "the block exchange is not running");
  CHECK(test::contains(call(r, "/api/v0/bitswap/wantlist"), "HTTP/1.1 500"));
}
