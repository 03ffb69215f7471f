// The order_policy sample: its rules as plain functions, and the real order_policy.so loaded by
// the plugin host answering the market's question (mkt_ask_atom, order_offer) -> order_decision.
#include <catch2/catch.hpp>

#include "tests/plugins/plugin_test_support.hpp"
#include "tools/plugins/order_policy/order_rules.hpp"

using namespace mantle;
using namespace mantle::plugins;

namespace {

order_offer offer(std::string cid, uint64_t size, uint64_t pool) {
  order_offer o;
  o.cid = std::move(cid);
  o.size = size;
  o.pool = pool;
  return o;
}

} // namespace

TEST_CASE("order policy rules: parsing", "[plugins][order_policy]") {
  auto r = parse_order_rules({{"max-size", "2 MiB"}, {"min-pool", "100"}, {"allow", "bafy, Qm"}, {"deny", "bafybad"}});
  REQUIRE(r);
  CHECK(r->max_size == 2u << 20);
  CHECK(r->min_pool == 100);
  CHECK(r->allow == std::vector<std::string>{"bafy", "Qm"});
  CHECK(r->deny == std::vector<std::string>{"bafybad"});
  CHECK(parse_order_rules({{"max-size", "10GB"}})->max_size == 10000000000ull);
  auto typo = parse_order_rules({{"max_size", "1"}});
  REQUIRE(!typo);
  CHECK(typo.err().message.find("unknown key 'max_size'") != std::string::npos);
  CHECK(!parse_order_rules({{"max-size", "big"}}));
  CHECK(!parse_order_rules({{"max-size", "1 PB"}}));
  CHECK(!parse_order_rules({{"min-pool", "1k"}}));
  CHECK(!parse_order_rules({{"min-pool", "99999999999999999999999"}}));
  auto empty = parse_order_rules({});
  REQUIRE(empty);
  CHECK(decide_order(*empty, offer("bafyanything", 1ull << 40, 0)).take);
}

TEST_CASE("order policy rules: each refusal says why, deny first", "[plugins][order_policy]") {
  auto r = *parse_order_rules({{"max-size", "1MiB"}, {"min-pool", "50"}, {"allow", "bafy"}, {"deny", "bafybad"}});
  auto d = decide_order(r, offer("bafybadfile", 10, 100));
  CHECK(!d.take);
  CHECK(d.reason == "CID bafybadfile matches the denied prefix 'bafybad'");
  d = decide_order(r, offer("QmSomething", 10, 100));
  CHECK(!d.take);
  CHECK(d.reason == "CID QmSomething matches none of the allowed prefixes");
  d = decide_order(r, offer("bafygood", (1u << 20) + 1, 100));
  CHECK(!d.take);
  CHECK(d.reason == "size 1048577 bytes is above max-size 1048576");
  d = decide_order(r, offer("bafygood", 1u << 20, 49));
  CHECK(!d.take);
  CHECK(d.reason == "reward pool 49 is below min-pool 50");
  d = decide_order(r, offer("bafygood", 1u << 20, 50));
  CHECK(d.take);
  CHECK(d.reason.empty());
}

TEST_CASE_METHOD(test::plugin_host_fixture, "order policy plugin: loaded by the host, it answers the market's question",
                 "[plugins][order_policy]") {
  auto info = load(test::sample_plugin("order_policy.so"), {{"max-size", "1KiB"}, {"deny", "bafkq"}});
  REQUIRE(info);
  CHECK(info->name == "ord_policy");
  auto policy = lookup("ord_policy");
  REQUIRE(policy);
  auto ask = [&](order_offer o) {
    order_decision out;
    self->request(policy, std::chrono::seconds(10), mkt_ask_atom::value, o)
      .receive([&](order_decision& d) { out = d; }, [&](caf::error& e) { FAIL(sys->render(e)); });
    return out;
  };
  auto yes = ask(offer("bafybeigood", 1024, 0));
  CHECK(yes.take);
  auto big = ask(offer("bafybeigood", 1025, 0));
  CHECK(!big.take);
  CHECK(big.reason == "size 1025 bytes is above max-size 1024");
  auto denied = ask(offer("bafkqabc", 1, 0));
  CHECK(!denied.take);
  CHECK(denied.reason.find("denied prefix 'bafkq'") != std::string::npos);
  std::string counts;
  self->request(policy, std::chrono::seconds(10), get_atom::value)
    .receive([&](std::string& s) { counts = s; }, [&](caf::error& e) { FAIL(sys->render(e)); });
  CHECK(counts == "asked 3, taken 1");
}

TEST_CASE_METHOD(test::plugin_host_fixture, "order policy plugin: a bad config is refused at load time",
                 "[plugins][order_policy]") {
  std::string error;
  CHECK(!load(test::sample_plugin("order_policy.so"), {{"max-sise", "1KiB"}}, &error));
  CHECK(error.find("plugin.ord_policy: unknown key 'max-sise'") != std::string::npos);
  CHECK(!lookup("ord_policy"));
}
