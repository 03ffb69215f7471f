// The real validator actor on a dev chain: it makes blocks, publishes them on the node event
// group, answers the local API, signs transfers with its keystore, refuses bad requests with a
// reason, and a restarted incarnation goes on from the stored chain.
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "actors/validator/chain_types.hpp"
#include "actors/validator/state_tables.hpp"
#include "actors/validator/validator_actor.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/market.hpp"
#include "messages/node_types.hpp"
#include "messages/validator.hpp"
#include "storage/identity.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace std::chrono_literals;

namespace {

using system_fixture = test::actor_system_fixture;
using test::stop;

template <class... Ts>
result<nlohmann::json> ask(caf::scoped_actor& self, const caf::actor& v, Ts&&... xs) {
  std::optional<result<nlohmann::json>> out;
  self->request(v, 10s, std::forward<Ts>(xs)...)
    .receive([&](std::string& s) {
      auto j = nlohmann::json::parse(s, nullptr, false);
      out.emplace(j.is_discarded() ? nlohmann::json(s) : j);
    },
             [&](caf::error& e) { out.emplace(from_caf(e)); });
  return std::move(*out);
}


uint64_t wait_height(caf::scoped_actor& self, const caf::actor& v, uint64_t at_least) {
  uint64_t h = 0;
  for (int i = 0; i < 100 && h < at_least; ++i) {
    auto head = ask(self, v, chain_head_atom::value);
    REQUIRE(head);
    h = (*head)["height"].get<uint64_t>();
    if (h < at_least)
      std::this_thread::sleep_for(100ms);
  }
  return h;
}

} // namespace

TEST_CASE("validator actor: a dev chain makes blocks, publishes them and serves the API", "[chain][validator_actor]") {
  test::temp_dir dir("mantle-validator");
  auto id = node_identity::generate();
  system_fixture f;
  validator_actor_config cfg;
  cfg.data_dir = dir.path;
  cfg.identity = &id;
  cfg.durable = false;
  caf::scoped_actor self{*f.sys};
  self->join(f.sys->groups().get_local(node_event_group));
  auto v = spawn_validator_actor(*f.sys, cfg);

  // A block event arrives on the group.
  bool got_block = false;
  for (int i = 0; i < 5 && !got_block; ++i)
    self->receive([&](node_event& e) { got_block = e.kind == "block" && e.height >= 1; },
                  caf::after(3s) >> [] {});
  CHECK(got_block);

  auto accounts = ask(self, v, acct_list_atom::value);
  REQUIRE(accounts);
  REQUIRE(accounts->size() == 1);
  CHECK((*accounts)[0]["name"] == "default");
  auto bob = ask(self, v, acct_new_atom::value, std::string("bob"));
  REQUIRE(bob);
  auto dup = ask(self, v, acct_new_atom::value, std::string("bob"));
  REQUIRE_FALSE(dup);
  CHECK(dup.err().message.find("already exists") != std::string::npos);

  sign_request r{"default", "transfer", "bob", 3 * 1000000000ull};
  auto tx = ask(self, v, r);
  REQUIRE(tx);
  auto tx_hash = tx->get<std::string>();
  uint64_t balance = 0;
  for (int i = 0; i < 60 && balance == 0; ++i) {
    auto acct = ask(self, v, chain_acct_atom::value, std::string("bob"));
    REQUIRE(acct);
    balance = (*acct)["balance"].get<uint64_t>();
    if (balance == 0)
      std::this_thread::sleep_for(100ms);
  }
  CHECK(balance == 3 * 1000000000ull);
  auto t = ask(self, v, chain_tx_atom::value, *chain::from_hex(tx_hash));
  REQUIRE(t);
  CHECK((*t)["ok"] == true);
  auto blk = ask(self, v, chain_block_atom::value, (*t)["height"].get<uint64_t>());
  REQUIRE(blk);
  CHECK((*blk)["txs"][0] == tx_hash);

  // Raw state reads for the market and prover: consistent values with their height.
  {
    auto bob_key = *chain::from_hex((*bob)["key"].get<std::string>());
    std::optional<chain_read_reply> rr;
    self->request(v, 10s, chain_read_atom::value,
                  std::vector<std::string>{chain::key_of(chain::table::account, bob_key),
                                           chain::key_of(chain::table::account, std::string(32, '\x7f'))})
      .receive([&](chain_read_reply& x) { rr = std::move(x); }, [&](caf::error&) {});
    REQUIRE(rr);
    CHECK(rr->height >= (*t)["height"].get<uint64_t>());
    REQUIRE(rr->found == std::vector<uint8_t>{1, 0});
    auto a = chain::decode_account(rr->values[0]);
    REQUIRE(a);
    CHECK(a->balance == 3 * 1000000000ull);
    // Paging through the accounts one at a time returns each exactly once, in key order.
    std::vector<std::string> keys;
    std::string after;
    for (int i = 0; i < 10; ++i) {
      std::optional<chain_scan_reply> page;
      self->request(v, 10s, chain_scan_atom::value, std::string(1, chain::table::account), after, uint32_t{1})
        .receive([&](chain_scan_reply& x) { page = std::move(x); }, [&](caf::error&) {});
      REQUIRE(page);
      if (page->keys.empty())
        break;
      REQUIRE(page->keys.size() == 1);
      keys.push_back(page->keys[0]);
      after = page->keys[0];
    }
    REQUIRE(keys.size() >= 2); // at least default and bob
    CHECK(std::is_sorted(keys.begin(), keys.end()));
    CHECK(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
    CHECK(std::count(keys.begin(), keys.end(), chain::key_of(chain::table::account, bob_key)) == 1);
    std::optional<uint64_t> nonce;
    self->request(v, 10s, chain_nonce_atom::value, bob_key)
      .receive([&](uint64_t n) { nonce = n; }, [&](caf::error&) {});
    REQUIRE(nonce);
    CHECK(*nonce == 0);
  }

  // Bad requests: a clear reason, nothing submitted.
  sign_request bad_kind{"default", "teleport", "", 1};
  auto e1 = ask(self, v, bad_kind);
  REQUIRE_FALSE(e1);
  CHECK(e1.err().message.find("unknown transaction kind") != std::string::npos);
  sign_request too_much{"bob", "transfer", "default", 1000000 * 1000000000ull};
  auto e2 = ask(self, v, too_much);
  REQUIRE_FALSE(e2);
  auto e3 = ask(self, v, chain_submit_atom::value, std::string("not a transaction"));
  REQUIRE_FALSE(e3);
  auto e4 = ask(self, v, chain_block_atom::value, uint64_t{1} << 40);
  REQUIRE_FALSE(e4);
  CHECK(e4.err().code == errc::not_found);

  // A new incarnation (as after a supervisor restart) goes on from the stored chain.
  uint64_t before = wait_height(self, v, 2);
  stop(self, v);
  auto v2 = spawn_validator_actor(*f.sys, cfg);
  auto head = ask(self, v2, chain_head_atom::value);
  REQUIRE(head);
  CHECK((*head)["height"].get<uint64_t>() >= before);
  CHECK(wait_height(self, v2, before + 2) >= before + 2);
  auto acct = ask(self, v2, chain_acct_atom::value, std::string("bob"));
  REQUIRE(acct);
  CHECK((*acct)["balance"].get<uint64_t>() == 3 * 1000000000ull);
  stop(self, v2);
}
