#include <catch2/catch.hpp>

#include "net/credit_rpc.hpp"
#include "storage/identity.hpp"
#include "tests/net/rpc_call.hpp"

using namespace mantle;
using nlohmann::json;

namespace {

const std::string peer_a = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
const std::string peer_b = "12D3KooWATZi2wFwQxQ14Z3q24TDNWKap6f8W5ryLE6Da4RMfsxy";

std::vector<ledger_entry> sample() {
  return {ledger_entry{peer_b, 300, 99, false, 7, false}, ledger_entry{peer_a, 1, 3, true, 2, true}};
}

std::string call(router& r, const std::string& target) { return test::call_rpc(r, target); }
json body_of(const std::string& response) { return test::rpc_body(response); }

} // namespace

TEST_CASE("bitswap/ledger answers as Kubo does", "[credit][credit_rpc]") {
  auto j = kubo_ledger_json(peer_b, sample());
  CHECK(j == json{{"Peer", peer_b}, {"Value", 3}, {"Sent", 300}, {"Recv", 99}, {"Exchanged", 7}});
  // Go writes a whole float64 without a fraction.
  CHECK(j.dump() == "{\"Exchanged\":7,\"Peer\":\"" + peer_b + "\",\"Recv\":99,\"Sent\":300,\"Value\":3}");
  CHECK(kubo_ledger_json(peer_a, sample())["Value"].get<double>() == 0.25);
  // A peer never seen: zeros, as Kubo's receipt for an unknown partner.
  auto unknown = kubo_ledger_json("12D3KooWOther", sample());
  CHECK(unknown == json{{"Peer", "12D3KooWOther"}, {"Value", 0}, {"Sent", 0}, {"Recv", 0}, {"Exchanged", 0}});
}

TEST_CASE("mantle/credit/ls lists every peer with ratio and trust", "[credit][credit_rpc]") {
  auto j = credit_list_json(sample());
  REQUIRE(j["Peers"].size() == 2);
  CHECK(j["Peers"][0] == json{{"Peer", peer_b}, {"Sent", 300}, {"Recv", 99}, {"Ratio", 3}, {"Exchanged", 7},
                              {"Trusted", false}, {"Cut", false}, {"Refused", 0}, {"Unit", 1}});
  CHECK(j["Peers"][1]["Ratio"].get<double>() == 0.25);
  CHECK(j["Peers"][1]["Trusted"] == true);
  CHECK(j["Peers"][1]["Cut"] == true);
  CHECK(credit_list_json({}) == json{{"Peers", json::array()}});
}

TEST_CASE("mantle/credit/ls shows the ratio in the ledger's credit unit, Kubo's receipt in bytes", "[credit][credit_rpc]") {
  // 3 MiB sent, 1 MiB received, unit 1 MiB: 3 / (1 + 1) = 1.5 units; in bytes ~3.
  ledger_entry e{peer_b, 3u << 20, 1u << 20, false, 4, false, 17, 1u << 20};
  auto j = credit_list_json({e});
  CHECK(j["Peers"][0]["Ratio"].get<double>() == 1.5);
  CHECK(j["Peers"][0]["Refused"] == 17);
  CHECK(j["Peers"][0]["Unit"] == 1048576);
  CHECK(kubo_ledger_json(peer_b, {e})["Value"].get<double>() == Approx(3.0).epsilon(1e-6));
}

TEST_CASE("credit RPC routes: arguments, peer id forms and ledger errors", "[credit][credit_rpc]") {
  bool ledger_up = true;
  router r;
  add_credit_rpc(r, [&]() -> result<std::vector<ledger_entry>> {
    if (!ledger_up)
      return make_error(errc::unavailable, "the credit ledger is not running");
    return sample();
  });
  auto ok = call(r, "/api/v0/bitswap/ledger?arg=" + peer_b);
  CHECK(test::contains(ok, "HTTP/1.1 200"));
  CHECK(body_of(ok)["Sent"] == 300);
  // The CID form of the same peer id finds the same entry and answers with the base58 form.
  auto b36 = peer_id::to_cid(*peer_id::parse(peer_b));
  auto same = body_of(call(r, "/api/v0/bitswap/ledger?arg=" + b36));
  CHECK(same["Peer"] == peer_b);
  CHECK(same["Recv"] == 99);

  auto missing = call(r, "/api/v0/bitswap/ledger");
  CHECK(test::contains(missing, "HTTP/1.1 400"));
  CHECK(body_of(missing)["Message"] == "argument \"peer\" is required");
  auto two = call(r, "/api/v0/bitswap/ledger?arg=" + peer_a + "&arg=" + peer_b);
  CHECK(test::contains(two, "HTTP/1.1 400"));
  auto bad = call(r, "/api/v0/bitswap/ledger?arg=nonsense");
  CHECK(test::contains(bad, "HTTP/1.1 400"));
  CHECK(body_of(bad)["Message"].get<std::string>().find("invalid peer id 'nonsense'") == 0);

  auto ls = body_of(call(r, "/api/v0/mantle/credit/ls"));
  CHECK(ls["Peers"].size() == 2);

  ledger_up = false;
  auto down = call(r, "/api/v0/mantle/credit/ls");
  CHECK(test::contains(down, "HTTP/1.1 500"));
  CHECK(body_of(down)["Message"] == "the credit ledger is not running");
  CHECK(test::contains(call(r, "/api/v0/bitswap/ledger?arg=" + peer_a), "HTTP/1.1 500"));
}
