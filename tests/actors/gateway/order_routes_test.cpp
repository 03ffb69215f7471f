// The Mantle API's order routes over a real block store (LMDB), with the validator's side
// played by a key/value map holding records in the chain's own encoding (market_rules), so the
// routes' argument checks, computed size and root, and record decoding are tested without a
// chain. The CLI tests (tests/tools/mantle/cli_order_test.cpp) go through a real node.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "actors/gateway/order_routes.hpp"
#include "actors/market/market_rules.hpp"
#include "actors/market/order_terms.hpp"
#include "actors/validator/chain_types.hpp"
#include "net/router.hpp"
#include "storage/block_store.hpp"
#include "storage/identity.hpp"
#include "storage/unixfs_importer.hpp"
#include "tests/net/store_backend.hpp"
#include "tests/net/rpc_call.hpp"
#include "tests/temp_dir.hpp"
#include "tests/test_store.hpp"
#include "tests/random_bytes.hpp"

using namespace mantle;
using test::random_bytes;
using nlohmann::json;

namespace {

struct routes_fixture {
  test::temp_dir dir{"mantle-order-routes"};
  std::unique_ptr<block_store> blocks;
  std::unique_ptr<test::store_backend> backend;
  router routes;
  // The chain's committed state as the validator would read it.
  std::map<std::string, std::string> state;
  uint64_t height = 100;
  std::vector<order_request> placed;
  std::vector<prepaid_request> prepaid;
  int calls = 0;

  routes_fixture() {
    blocks = test::open_test_store(dir.path);
    backend = std::make_unique<test::store_backend>(*blocks);
    order_chain chain;
    chain.read = [this](const std::vector<std::string>& keys) -> result<chain_read_reply> {
      ++calls;
      chain_read_reply r;
      r.height = height;
      for (const auto& k : keys) {
        auto it = state.find(k);
        r.values.push_back(it == state.end() ? std::string() : it->second);
        r.found.push_back(it != state.end());
      }
      return r;
    };
    chain.scan = [this](const std::string& prefix, const std::string& after, uint32_t limit) -> result<chain_scan_reply> {
      ++calls;
      chain_scan_reply r;
      r.height = height;
      for (auto it = state.upper_bound(after); it != state.end() && r.keys.size() < limit; ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) {
          if (it->first > prefix)
            break;
          continue;
        }
        r.keys.push_back(it->first);
        r.values.push_back(it->second);
      }
      return r;
    };
    chain.place = [this](const order_request& r) -> result<std::string> {
      ++calls;
      placed.push_back(r);
      return std::string(64, 'a');
    };
    chain.prepaid = [this](const prepaid_request& r) -> result<std::string> {
      ++calls;
      prepaid.push_back(r);
      return std::string(64, 'b');
    };
    chain.tx = [](const std::string&) -> result<std::string> { return make_error(errc::not_found, "no tx"); };
    add_order_routes(routes, chain, *backend);
  }

  cid add(const std::string& bytes) {
    auto imp = unixfs::import_bytes(*blocks, unixfs::import_options{}, bytes);
    REQUIRE(imp.ok());
    REQUIRE(blocks->flush().ok());
    return imp->root;
  }

  struct answer {
    unsigned status;
    json body;
  };
  answer call(const std::string& target) {
    auto raw = test::call_rpc(routes, target);
    INFO(raw);
    auto sp = raw.find(' ');
    unsigned st = static_cast<unsigned>(std::stoul(raw.substr(sp + 1, 3)));
    auto j = json::parse(raw.substr(raw.find("\r\n\r\n") + 4), nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return {st, j};
  }
};

std::string message(const routes_fixture::answer& a) { return a.body.value("Message", std::string()); }

market::file_record live_record(uint64_t size, const std::string& root, std::string node_key) {
  market::file_record f;
  f.size = size;
  f.proof_root = root;
  f.status = market::file_status::live;
  f.created_height = 20;
  f.expiry_height = 700;
  f.pool = 1800;
  f.prepaid = 5;
  f.orders = 1;
  f.replicas.push_back({std::move(node_key), 3, 4, 0});
  f.replicas.push_back({std::string(32, '\x02'), 4, market::no_slot, 1});
  return f;
}

} // namespace

TEST_CASE("order/place computes size and root from the node's copy", "[market][order_routes]") {
  routes_fixture f;
  auto bytes = random_bytes(300000, 1);
  auto c = f.add(bytes);
  auto a = f.call("/api/v0/mantle/order/place?arg=" + c.str() + "&tips=7&account=alice");
  INFO(a.body.dump());
  REQUIRE(a.status == 200);
  REQUIRE(f.placed.size() == 1);
  const auto& r = f.placed[0];
  auto expected = proof::compute_root(bytes).root;
  CHECK(r.cid == c.bytes());
  CHECK(r.size == bytes.size());
  CHECK(r.proof_root == std::string(expected.begin(), expected.end()));
  CHECK(r.tips == 7);
  CHECK(r.account == "alice");
  CHECK(a.body["Hash"] == std::string(64, 'a'));
  CHECK(a.body["Size"] == bytes.size());
  CHECK(a.body["Root"] == market::root_hex(expected));
  CHECK(a.body["Computed"] == true);
  CHECK(a.body["Cid"] == c.str());
}

TEST_CASE("order/place refuses bad input before the chain is asked", "[market][order_routes]") {
  routes_fixture f;
  auto c = f.add(random_bytes(5000, 2));
  struct bad {
    std::string query;
    unsigned status;
    std::string message;
  };
  std::vector<bad> cases{
    {"", 400, "argument \"cid\" is required"},
    {"arg=nonsense", 400, "'nonsense' is not a CID"},
    {"arg=" + c.str() + "&arg=" + c.str(), 400, "one CID per request"},
    {"arg=" + c.str() + "&size=-1", 400, "size '-1' is not a whole number of bytes"},
    {"arg=" + c.str() + "&size=12x", 400, "size '12x' is not a whole number of bytes"},
    {"arg=" + c.str() + "&size=99999999999999999999999", 400, "is not a whole number of bytes"},
    {"arg=" + c.str() + "&tips=1.5", 400, "tips '1.5' is not a whole number of base units"},
    {"arg=" + c.str() + "&root=xyz", 400, "proof root must be hex"},
    {"arg=" + c.str() + "&root=abcd", 400, "proof root must be 64 hex digits, not 4"},
    {"arg=" + c.str() + "&size=10", 400, "declared size 10 is smaller than the file's 5000 bytes"},
    {"arg=" + c.str() + "&size=5001", 400, "declared size 5001 is larger than the file's 5000 bytes"},
    {"arg=" + c.str() + "&root=" + std::string(64, '0'), 400, "proof root 0000"},
  };
  for (const auto& b : cases) {
    auto a = f.call("/api/v0/mantle/order/place" + (b.query.empty() ? std::string() : "?" + b.query));
    INFO(b.query << " -> " << a.body.dump());
    CHECK(a.status == b.status);
    CHECK_THAT(message(a), Catch::Contains(b.message));
  }
  // A file this node does not have: 404 unless size and root are both given.
  auto elsewhere = cid::parse("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
  REQUIRE(elsewhere.ok());
  auto missing = f.call("/api/v0/mantle/order/place?arg=" + elsewhere->str() + "&size=10");
  CHECK(missing.status == 404);
  CHECK_THAT(message(missing), Catch::Contains("is not stored on this node"));
  CHECK(f.calls == 0);
  CHECK(f.placed.empty());
  auto given = f.call("/api/v0/mantle/order/place?arg=" + elsewhere->str() + "&size=10&root=" + std::string(64, 'c'));
  CHECK(given.status == 200);
  REQUIRE(f.placed.size() == 1);
  CHECK(f.placed[0].size == 10);
  CHECK(f.placed[0].proof_root == std::string(32, '\xcc'));
  CHECK(given.body["Computed"] == false);
}

TEST_CASE("order/place passes the chain's refusal on", "[market][order_routes]") {
  routes_fixture f;
  auto c = f.add(random_bytes(5000, 3));
  order_chain broke;
  broke.place = [](const order_request&) -> result<std::string> {
    return make_error(errc::invalid_input, "insufficient balance: the order costs 0.0016 tokens");
  };
  router r;
  add_order_routes(r, broke, *f.backend);
  http_request req;
  req.method = "POST";
  req.path = "/api/v0/mantle/order/place";
  req.query = *query_args::parse("arg=" + c.str());
  auto raw = test::run_handler([&](http_request& rq, response_writer& w) { r.handle(rq, w); }, req);
  CHECK(test::contains(raw, "HTTP/1.1 400"));
  CHECK(test::contains(raw, "insufficient balance"));
}

TEST_CASE("order/prepaid checks its amount", "[market][order_routes]") {
  routes_fixture f;
  auto c = f.add(random_bytes(100, 4));
  CHECK(message(f.call("/api/v0/mantle/order/prepaid?arg=" + c.str())) ==
        "argument \"amount\" (base units, above 0) is required");
  CHECK(f.call("/api/v0/mantle/order/prepaid?arg=" + c.str() + "&amount=0").status == 400);
  CHECK(f.call("/api/v0/mantle/order/prepaid?arg=" + c.str() + "&amount=1e9").status == 400);
  auto ok = f.call("/api/v0/mantle/order/prepaid?arg=" + c.str() + "&amount=2500&account=bob");
  CHECK(ok.status == 200);
  REQUIRE(f.prepaid.size() == 1);
  CHECK(f.prepaid[0].amount == 2500);
  CHECK(f.prepaid[0].account == "bob");
  CHECK(f.prepaid[0].cid == c.bytes());
}

TEST_CASE("order/status decodes the chain's file record", "[market][order_routes]") {
  routes_fixture f;
  auto c = f.add(random_bytes(100, 5));
  auto none = f.call("/api/v0/mantle/order/status?arg=" + c.str());
  CHECK(none.status == 404);
  CHECK_THAT(message(none), Catch::Contains("no order for " + c.str()));

  std::string node_key(32, '\x01');
  f.state[market::file_key(c.bytes())] = market::encode(live_record(100, std::string(32, '\x09'), node_key));
  f.state[market::slot_key()] = market::encode(market::slot_info{9, std::string(32, '\0')});
  auto a = f.call("/api/v0/mantle/order/status?arg=" + c.str());
  INFO(a.body.dump());
  REQUIRE(a.status == 200);
  CHECK(a.body["cid"] == c.str());
  CHECK(a.body["status"] == "live");
  CHECK(a.body["size"] == 100);
  CHECK(a.body["root"] == chain::to_hex(std::string(32, '\x09')));
  CHECK(a.body["expiry_height"] == 700);
  CHECK(a.body["blocks_left"] == 600);
  CHECK(a.body["pool"] == 1800);
  CHECK(a.body["prepaid"] == 5);
  CHECK(a.body["slot"] == 9);
  CHECK(a.body["height"] == 100);
  CHECK(a.body["proven_replicas"] == 1);
  REQUIRE(a.body["replicas"].size() == 2);
  CHECK(a.body["replicas"][0]["node_key"] == chain::to_hex(node_key));
  CHECK(a.body["replicas"][0]["peer_id"] == peer_id::to_base58(peer_id::from_ed25519(node_key)));
  CHECK(a.body["replicas"][0]["peer_id"].get<std::string>().rfind("12D3KooW", 0) == 0);
  CHECK(a.body["replicas"][0]["last_proven_slot"] == 4);
  CHECK(a.body["replicas"][1]["last_proven_slot"].is_null());
  CHECK(a.body["replicas"][1]["failures"] == 1);

  // Past its expiry height but not closed yet: expired.
  f.height = 700;
  CHECK(f.call("/api/v0/mantle/order/status?arg=" + c.str()).body["status"] == "expired");
  // A damaged record is an error, not a crash or a made-up answer.
  f.state[market::file_key(c.bytes())] = "\x93\x01";
  auto broken = f.call("/api/v0/mantle/order/status?arg=" + c.str());
  CHECK(broken.status == 500);
}

TEST_CASE("order/list pages through the orders in CID order", "[market][order_routes]") {
  routes_fixture f;
  std::vector<cid> cids;
  for (uint32_t i = 0; i < 5; ++i) {
    auto c = f.add(random_bytes(50 + i, 10 + i));
    cids.push_back(c);
    auto rec = live_record(50 + i, std::string(32, '\x01'), std::string(32, '\x03'));
    if (i % 2)
      rec.status = market::file_status::pending, rec.expiry_height = 0, rec.replicas.clear();
    f.state[market::file_key(c.bytes())] = market::encode(rec);
  }
  f.state[market::slot_key()] = market::encode(market::slot_info{2, std::string(32, '\0')});
  f.state["Z"] = std::string("\x05", 1); // other tables are not listed
  std::sort(cids.begin(), cids.end());
  auto first = f.call("/api/v0/mantle/order/list?limit=2");
  INFO(first.body.dump());
  REQUIRE(first.status == 200);
  REQUIRE(first.body["Orders"].size() == 2);
  CHECK(first.body["Orders"][0]["cid"] == cids[0].str());
  CHECK(first.body["Orders"][1]["cid"] == cids[1].str());
  CHECK(first.body["Next"] == cids[1].str());
  auto rest = f.call("/api/v0/mantle/order/list?limit=10&after=" + first.body["Next"].get<std::string>());
  REQUIRE(rest.body["Orders"].size() == 3);
  CHECK(rest.body["Orders"][0]["cid"] == cids[2].str());
  CHECK(rest.body["Next"].is_null());
  int pending = 0;
  for (const auto& o : rest.body["Orders"])
    pending += o["status"] == "pending";
  for (const auto& o : first.body["Orders"])
    pending += o["status"] == "pending";
  CHECK(pending == 2);
  CHECK(f.call("/api/v0/mantle/order/list?limit=0").status == 400);
  CHECK(f.call("/api/v0/mantle/order/list?limit=1001").status == 400);
  CHECK(f.call("/api/v0/mantle/order/list?after=zzz").status == 400);
}
