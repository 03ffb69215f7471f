#include <catch2/catch.hpp>

#include "tools/mantle/chain_text.hpp"

using namespace mantle::cli;
using json = nlohmann::json;

TEST_CASE("chain text shows amounts in tokens, times in UTC and typed tx arguments", "[tools][cli][chain_text]") {
  CHECK(format_time_ms(0) == "1970-01-01 00:00:00.000 UTC");
  CHECK(format_time_ms(1767225600123ull) == "2026-01-01 00:00:00.123 UTC");

  std::string k(64, 'a'), n(64, 'b');
  auto acct = format_account(json{{"key", k},
                                  {"balance", 12500000000ull},
                                  {"nonce", 3},
                                  {"pending_txs", 1},
                                  {"bonded", 2000000000ull},
                                  {"own_stake", 1000000000ull},
                                  {"guarantees", json::array({{{"target", n}, {"amount", 1000000000ull}}})},
                                  {"unbonding", json::array({{{"amount", 1}, {"release_height", 131}}})},
                                  {"candidate", {{"node_key", n}, {"commission_ppm", 25000}}},
                                  {"storage_power", 0}},
                             "alice");
  CHECK(acct == "account     " + k + " (alice)\n"
                "balance     12.5\n"
                "bonded      2\n"
                "own stake   1\n"
                "nonce       3\n"
                "pending     1 tx\n"
                "validating  node " + n + ", commission 2.5%\n"
                "guarantees  1 to " + n + "\n"
                "unbonding   0.000000001 released at height 131\n");

  auto tx = format_tx(json{{"hash", k},
                           {"pending", false},
                           {"height", 7},
                           {"index", 0},
                           {"type", "guarantee"},
                           {"sender", n},
                           {"nonce", 0},
                           {"fee", 1000},
                           {"args", json::array({k, 2500000000ull})},
                           {"ok", false},
                           {"reason", "guarantee: no such candidate"}});
  CHECK(tx == "hash    " + k + "\n"
              "status  in block 7 at index 0, failed: guarantee: no such candidate\n"
              "type    guarantee\n"
              "sender  " + n + "\n"
              "nonce   0\n"
              "fee     0.000001\n"
              "target  " + k + "\n"
              "amount  2.5\n");
  CHECK_THAT(format_tx(json{{"hash", k}, {"pending", true}, {"sender", n}, {"nonce", 4}}),
             Catch::Contains("pending (in the mempool)"));

  auto vals = format_validators(json{{"height", 9},
                                     {"total_power", 10000000000000ull},
                                     {"validators", json::array({{{"node_key", n}, {"power", 10000000000000ull}}})},
                                     {"candidates", json::array()}});
  CHECK(vals == "validators for height 9 (total power 10000)\n"
                "NODE KEY" + std::string(56, ' ') + "  POWER\n" + n + "  10000\n");
  CHECK(format_accounts(json::array({{{"name", "default"}, {"key", k}}})) == "NAME     KEY\ndefault  " + k + "\n");
}
