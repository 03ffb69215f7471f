#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "config/genesis.hpp"

using namespace mantle;
using namespace mantle::chain;

namespace {
std::string k(char c) { return std::string(32, c); }
} // namespace

TEST_CASE("the example genesis parses", "[chain][genesis]") {
  auto g = load_genesis(std::string(MANTLE_SOURCE_DIR) + "/config/genesis.example.json");
  INFO((g ? "" : g.err().describe()));
  REQUIRE(g);
  CHECK(g->chain_id == "mantle-testnet-1");
  CHECK(g->validators.size() == 4);
  CHECK(g->params.max_guarantee_targets == 16);
  CHECK(g->params.block_time_ms == 6000);
  // The market parameters, in the contract's order and values.
  chain_params defaults;
  CHECK(g->params == defaults);
  CHECK(g->params.challenges_per_slot == 460);
  CHECK(g->params.max_file_bytes == (uint64_t{1} << 40));
  std::vector<std::string> names;
  for_each_param(defaults, [&](const char* n, auto&) { names.push_back(n); });
  REQUIRE(names.size() == 28);
  CHECK(names[13] == "challenges_per_slot");
  CHECK(names[19] == "staking_share_ppm");
  CHECK(names[27] == "max_file_bytes");
}

TEST_CASE("genesis JSON round-trips and dev_genesis is valid", "[chain][genesis]") {
  auto g = dev_genesis(k('n'), k('o'), 1767225600000);
  CHECK(check_genesis(g));
  CHECK(g.params.block_time_ms == 1000);
  CHECK(g.params.slot_blocks == 10);
  CHECK(g.params.era_blocks == 60);
  CHECK(g.params.challenges_per_slot == 16);
  CHECK(g.params.file_duration_blocks == 600);
  auto text = to_json(g);
  auto back = parse_genesis(text);
  REQUIRE(back);
  CHECK(back->chain_id == g.chain_id);
  CHECK(back->genesis_time_ms == g.genesis_time_ms);
  CHECK(back->params == g.params);
  REQUIRE(back->validators.size() == 1);
  CHECK(back->validators[0].node_key == k('n'));
  CHECK(back->validators[0].storage_power == g.validators[0].storage_power);
  CHECK(back->accounts[0].balance == g.accounts[0].balance);
}

TEST_CASE("bad genesis files are clear errors", "[chain][genesis]") {
  auto msg = [](const std::string& text) {
    auto g = parse_genesis(text);
    REQUIRE_FALSE(g);
    return g.err().message;
  };
  std::string v = R"({"owner":")" + std::string(64, 'a') + R"(","node_key":")" + std::string(64, 'b') +
                  R"(","bonded":1,"storage_power":1})";
  CHECK(msg("{") .find("not valid JSON") != std::string::npos);
  CHECK(msg(R"({"validators":[]})").find("chain_id") != std::string::npos);
  CHECK(msg(R"({"chain_id":"x","validators":[]})").find("at least one validator") != std::string::npos);
  CHECK(msg(R"({"chain_id":"x","validators":[)" + v + "]," + R"("params":{"era_blocks":0}})").find("era_blocks") !=
        std::string::npos);
  CHECK(msg(R"({"chain_id":"x","validators":[)" + v + "]," + R"("params":{"eras":5}})").find("unknown parameter") !=
        std::string::npos);
  CHECK(msg(R"({"chain_id":"x","validators":[)" + v + "]," + R"("params":{"slash_ppm":-1}})").find("slash_ppm") !=
        std::string::npos);
  CHECK(msg(R"({"chain_id":"x","validators":[)" + v + "]," +
            R"("params":{"staking_share_ppm":900000,"pool_share_ppm":200000}})")
            .find("staking_share_ppm + params.pool_share_ppm") != std::string::npos);
  CHECK(msg(R"({"chain_id":"x","validators":[)" + v + "]," + R"("params":{"reserved_unit_bytes":0}})")
            .find("reserved_unit_bytes") != std::string::npos);
  CHECK(msg(R"({"chain_id":"x","validators":[{"owner":"zz"}]})").find("validators[0]") != std::string::npos);
  CHECK(msg(R"({"chain_id":"x","validators":[)" + v + "," + v + "]}").find("listed twice") != std::string::npos);
  CHECK(msg(R"({"chain_id":"x","accounts":[{"key":")" + std::string(64, 'c') +
            R"(","balance":18446744073709551615}],"validators":[)" + v + "]}")
          .find("overflows") != std::string::npos);
  CHECK(parse_genesis(R"({"chain_id":"x","validators":[)" + v + "]}"));
  CHECK(load_genesis("/nonexistent/genesis.json").err().code == errc::not_found);
}
