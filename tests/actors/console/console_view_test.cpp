#include <catch2/catch.hpp>

#include "actors/console/console_view.hpp"
#include "messages/peer.hpp"

using namespace mantle;
using namespace mantle::console;

TEST_CASE("console tree: children with mailboxes, busy and stopped ones, then plugins", "[console][view]") {
  supervisor_stats s;
  s.children = {{"blocks", true, 0, ""}, {"peer", true, 2, "exit_reason(kill)"}, {"market", false, 1, "boom"}};
  mailbox_sizes mbox{{"blocks", uint64_t{4}}, {"peer", std::nullopt}};
  std::vector<plugin_info> plugins{{"webhook", "1.0", "/p/webhook.so", 1, "running", 0, ""}};
  auto t = tree_json(s, mbox, plugins);
  REQUIRE(t.size() == 4);
  CHECK(t[0]["name"] == "blocks");
  CHECK(t[0]["mailbox"] == 4);
  CHECK(t[1]["mailbox"] == "busy"); // running, no answer to the probe
  CHECK(t[1]["restarts"] == 2);
  CHECK(t[1]["last_exit"] == "exit_reason(kill)");
  CHECK(t[2]["state"] == "stopped");
  CHECK(t[2]["mailbox"].is_null());
  CHECK(t[3]["kind"] == "plugin");
  CHECK(t[3]["state"] == "running");
  // Columns come in the order they are built: the client's table follows it.
  CHECK(t[0].begin().key() == "name");
}

TEST_CASE("console status: what did not answer is null with the reason", "[console][view]") {
  node_status s;
  s.peer_id = "12D3KooWx";
  s.version = "0.1.0";
  s.data_dir = "/d";
  s.uptime_ms = 3 * 3600 * 1000 + 5 * 60 * 1000;
  s.peers = 2;
  s.repo = repo_stat{10, 4096, 1 << 20, 8192};
  s.unavailable["chain_height"] = "the chain is off on this node";
  auto j = status_json(s);
  CHECK(j["uptime"] == "3h 5m");
  CHECK(j["peers"] == 2);
  CHECK(j["repo_size"] == 4096);
  CHECK(j["repo_objects"] == 10);
  CHECK(j["chain_height"].is_null());
  CHECK(j["pins"].is_null());
  CHECK(j["unavailable"]["chain_height"] == "the chain is off on this node");
  CHECK(format_uptime(42000) == "42s");
  CHECK(format_uptime(2 * 86400 * 1000LL + 3600 * 1000) == "2d 1h");
}

TEST_CASE("console chain: head and validator set merged, bad answers refused", "[console][view]") {
  std::string head = R"({"chain_id":"dev","height":12,"id":"ab","era":1,"mempool":0,"validators":1})";
  std::string vals = R"({"height":13,"total_power":10,"validators":[{"node_key":"k1","power":10}],
                         "candidates":[{"owner":"o1","node_key":"k1","effective":10}]})";
  auto c = chain_json(head, vals);
  REQUIRE(c);
  CHECK((*c)["height"] == 12);
  CHECK((*c)["hash"] == "ab");
  REQUIRE((*c)["validators"].size() == 1);
  CHECK((*c)["validators"][0]["owner"] == "o1");
  CHECK_FALSE(chain_json("not json", vals));
  CHECK_FALSE(chain_json("[1]", vals));
}

TEST_CASE("console peers and pins rows", "[console][view]") {
  std::vector<peer_entry> peers{{"12D3KooWa", "/ip4/127.0.0.1/tcp/4001", true, 3}};
  auto p = peers_json(peers);
  CHECK(p[0]["direction"] == "inbound");
  CHECK(p[0]["latency_ms"] == 3);
  auto c = cid::parse("QmcozbkWUohhjcN3AXxsvquKNuNzBRChLYuaNaWpRWtvWG");
  REQUIRE(c);
  std::vector<pin_entry> pins{{*c, 2, "mine"}};
  auto q = pins_json(pins);
  CHECK(q[0]["cid"] == "QmcozbkWUohhjcN3AXxsvquKNuNzBRChLYuaNaWpRWtvWG");
  CHECK(q[0]["type"] == "recursive");
  CHECK(q[0]["name"] == "mine");
}
