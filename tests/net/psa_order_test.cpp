// Pinning Service API with storage orders (issue #6): the PSA status of a pin follows its order
// on chain. The pinner runs over a real block store and psa_store; the chain is played by a
// script of what it answers (order_hooks is the pinner's whole view of it).
#include <catch2/catch.hpp>

#include "net/psa_pinner.hpp"
#include "storage/block_store.hpp"
#include "storage/multihash.hpp"
#include "storage/psa_store.hpp"
#include "tests/net/store_backend.hpp"
#include "tests/temp_dir.hpp"
#include "tests/test_store.hpp"

using namespace mantle;
using psa::pin_status;

namespace {

block raw_block(const std::string& data) { return block{cid{1, codec::raw, multihash::sha256(data)}, data}; }

// What the chain answers, changed by the test between passes.
struct scripted_chain {
  result<std::string> place_answer = std::string("77");
  result<psa::order_state> status_answer = psa::order_state{};
  result<psa::tx_state> tx_answer = psa::tx_state{};
  std::vector<cid> placed;
  std::vector<std::string> asked_tx;

  psa::order_hooks hooks() {
    psa::order_hooks h;
    h.place = [this](const cid& c) {
      placed.push_back(c);
      return place_answer;
    };
    h.status = [this](const cid&) { return status_answer; };
    h.tx = [this](const std::string& hash) {
      asked_tx.push_back(hash);
      return tx_answer;
    };
    return h;
  }
};

struct order_fixture {
  test::temp_dir dir{"mantle-psa-order"};
  std::unique_ptr<block_store> blocks;
  std::unique_ptr<psa::psa_store> store;
  std::unique_ptr<test::store_backend> backend;
  scripted_chain chain;
  psa::pinner_options opt;
  uint64_t now = 1000000;

  order_fixture() {
    blocks = test::open_test_store(dir.path, 1ull << 26);
    auto s = psa::psa_store::open(dir.path + "/psa", false);
    REQUIRE(s);
    store = std::move(*s);
    backend = std::make_unique<test::store_backend>(*blocks);
    opt.retry_interval = std::chrono::milliseconds(1000);
    opt.timeout = std::chrono::milliseconds(60000);
    opt.min_replicas = 1;
  }

  std::string request(const block& b) {
    REQUIRE(blocks->put_batch({b}));
    psa::request_record r;
    r.cid = b.cid.str();
    r.created_ms = now;
    auto created = store->create(r);
    REQUIRE(created);
    return created->requestid;
  }
  // One pass, a retry interval after the last one.
  psa::run_report pass() {
    psa::pinner p(*backend, *store, opt, chain.hooks());
    auto r = p.run(now);
    REQUIRE(r);
    now += 1000;
    return *r;
  }
  psa::request_record get(const std::string& id) {
    auto r = store->get(id);
    REQUIRE(r);
    REQUIRE(*r);
    return **r;
  }
  size_t pins(const block& b) {
    auto p = blocks->pins(pin_type::recursive, b.cid);
    REQUIRE(p);
    return p->size();
  }
};

std::string info(const psa::request_record& r, const std::string& key) {
  auto it = r.info.find(key);
  return it == r.info.end() ? std::string("<none>") : it->second;
}

} // namespace

TEST_CASE("PSA status from an order: pinned only when live with enough proven replicas", "[psa][psa_order]") {
  psa::order_state none;
  psa::order_state pending{true, false, 0};
  psa::order_state pending_proven{true, false, 1}; // not live yet (goes live at the slot boundary)
  psa::order_state live0{true, true, 0};
  psa::order_state live2{true, true, 2};
  CHECK(psa::status_for_order(none, 1) == pin_status::pinning);
  CHECK(psa::status_for_order(pending, 1) == pin_status::pinning);
  CHECK(psa::status_for_order(pending_proven, 1) == pin_status::pinning);
  CHECK(psa::status_for_order(live0, 1) == pin_status::pinning);
  CHECK(psa::status_for_order(live2, 1) == pin_status::pinned);
  CHECK(psa::status_for_order(live2, 2) == pin_status::pinned);
  CHECK(psa::status_for_order(live2, 3) == pin_status::pinning);
}

TEST_CASE("a PSA pin places an order and is pinned once the order is live", "[psa][psa_order]") {
  order_fixture f;
  f.opt.min_replicas = 2;
  auto b = raw_block("ordered content");
  auto id = f.request(b);

  // Pass 1: pinned locally, order placed; the tx is not in a block yet.
  auto rep = f.pass();
  CHECK(rep.pinned == 0);
  REQUIRE(f.chain.placed.size() == 1);
  CHECK(f.chain.placed[0] == b.cid);
  CHECK(f.pins(b) == 1);
  auto r = f.get(id);
  CHECK(r.status == pin_status::pinning);
  CHECK(info(r, "order_tx") == "77");
  CHECK_THAT(info(r, "waiting_for"), Catch::Contains("to be in a block"));

  // Pass 2: still in the mempool. No second order.
  f.pass();
  CHECK(f.chain.placed.size() == 1);
  CHECK(f.chain.asked_tx == std::vector<std::string>{"77"});
  CHECK(f.get(id).status == pin_status::pinning);

  // Pass 3: in a block, the order is pending.
  f.chain.status_answer = psa::order_state{true, false, 0};
  f.pass();
  r = f.get(id);
  CHECK(r.status == pin_status::pinning);
  CHECK(info(r, "order") == "pending");
  CHECK(info(r, "replicas") == "0/2");
  CHECK_THAT(info(r, "waiting_for"), Catch::Contains("to go live"));

  // Live with one proven replica of the two asked for: still pinning.
  f.chain.status_answer = psa::order_state{true, true, 1};
  f.pass();
  r = f.get(id);
  CHECK(r.status == pin_status::pinning);
  CHECK(info(r, "order") == "live");
  CHECK(info(r, "replicas") == "1/2");

  // Two: pinned, and the order's state stays in info.
  f.chain.status_answer = psa::order_state{true, true, 2};
  rep = f.pass();
  CHECK(rep.pinned == 1);
  r = f.get(id);
  CHECK(r.status == pin_status::pinned);
  CHECK(info(r, "replicas") == "2/2");
  CHECK(info(r, "waiting_for") == "<none>");
  CHECK(f.chain.placed.size() == 1);
  // Pinned requests are left alone.
  CHECK(f.pass().attempted == 0);
}

TEST_CASE("a PSA pin whose order the chain refuses fails with the reason", "[psa][psa_order]") {
  order_fixture f;
  auto b = raw_block("no money");
  auto id = f.request(b);
  f.chain.place_answer = error{errc::invalid_input, "insufficient balance: the order costs 0.0016 tokens, the account has 0"};
  auto rep = f.pass();
  CHECK(rep.failed == 1);
  auto r = f.get(id);
  CHECK(r.status == pin_status::failed);
  CHECK_THAT(info(r, "reason"), Catch::Contains("insufficient balance"));
  CHECK_THAT(r.failure, Catch::StartsWith("storage order: "));
  // The local pin was only for the order: released.
  CHECK(f.pins(b) == 0);
  CHECK(f.pass().attempted == 0);
}

TEST_CASE("a PSA pin whose order tx fails in its block fails with the chain's reason", "[psa][psa_order]") {
  order_fixture f;
  auto b = raw_block("fails in block");
  auto id = f.request(b);
  f.pass();
  f.chain.tx_answer = psa::tx_state{false, false, "order: cid already ordered with size 12"};
  CHECK(f.pass().failed == 1);
  auto r = f.get(id);
  CHECK(r.status == pin_status::failed);
  CHECK(info(r, "reason") == "storage order refused by the chain: order: cid already ordered with size 12");
}

TEST_CASE("a chain that is down only delays a PSA pin's order", "[psa][psa_order]") {
  order_fixture f;
  auto b = raw_block("chain down");
  auto id = f.request(b);
  f.chain.place_answer = error{errc::unavailable, "the chain is not running on this node"};
  f.pass();
  auto r = f.get(id);
  CHECK(r.status == pin_status::pinning);
  CHECK_THAT(info(r, "waiting_for"), Catch::Contains("the chain is not running"));
  CHECK(info(r, "order_tx") == "<none>");
  // Back: the next pass orders.
  f.chain.place_answer = std::string("88");
  f.pass();
  CHECK(info(f.get(id), "order_tx") == "88");
  CHECK(f.chain.placed.size() == 2);
  // A tx the node forgot (restart): ordered again.
  f.chain.tx_answer = error{errc::not_found, "transaction is neither pending nor in a block"};
  f.pass();
  CHECK(info(f.get(id), "order_tx") == "<none>");
  f.chain.place_answer = std::string("99");
  f.pass();
  CHECK(info(f.get(id), "order_tx") == "99");
  // And the pin timeout covers the wait for the order.
  f.now += 60000;
  CHECK(f.pass().failed == 1);
  CHECK_THAT(f.get(id).failure, Catch::StartsWith("not pinned within the pin timeout: storage order 99"));
}

TEST_CASE("with min_replicas 0 a PSA pin is pinned locally and orders nothing", "[psa][psa_order]") {
  order_fixture f;
  f.opt.min_replicas = 0;
  auto b = raw_block("local only");
  auto id = f.request(b);
  CHECK(f.pass().pinned == 1);
  CHECK(f.get(id).status == pin_status::pinned);
  CHECK(f.chain.placed.empty());
}
