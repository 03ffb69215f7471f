// `mantle account|stake|chain` against a real mantled running its dev chain, and the offline
// genesis tooling (`chain keygen`, `chain genesis`).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "config/genesis.hpp"
#include "tests/temp_dir.hpp"
#include "tests/tools/mantle/dev_node.hpp"
#include "tests/tools/mantle/run_cli.hpp"

using namespace mantle;
using test::poll_cli;
using test::run_cli;
using json = nlohmann::json;

namespace {

json json_of(const test::run_result& r) {
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto j = json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// The word after `key` in the CLI's output ("submitted transfer ... HASH" -> last word of a line).
std::string last_word_of_line(const std::string& out, const std::string& starts) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(starts, 0) == 0)
      return line.substr(line.rfind(' ') + 1);
  return {};
}

// Runs of spaces as one, so checks do not depend on column widths.
std::string squash(const std::string& s) {
  std::string out;
  for (char c : s)
    if (!(c == ' ' && !out.empty() && out.back() == ' '))
      out += c;
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("mantle account, stake and chain commands against a dev chain", "[tools][cli][chain]") {
  test::temp_dir dir("mantle-cli-chain");
  test::dev_node node(dir.path + "/data", dir.path + "/node.log");
  std::string api = "--api " + node.api + " ";
  INFO("node log: " << dir.path << "/node.log");

  // The chain is up once the head has a block.
  auto head = poll_cli(api + "chain head --json", [](const test::run_result& r) {
    auto j = json::parse(r.out, nullptr, false);
    return r.code == 0 && j.is_object() && j.value("height", uint64_t{0}) >= 1;
  });
  INFO(head.out << slurp(dir.path + "/node.log"));
  REQUIRE(head.code == 0);
  CHECK_THAT(json_of(head)["chain_id"].get<std::string>(), Catch::StartsWith("mantle-dev")); // + a per-node suffix

  auto text_head = run_cli(api + "chain head");
  CHECK(text_head.code == 0);
  CHECK_THAT(squash(text_head.out), Catch::Contains("chain mantle-dev") && Catch::Contains("height") &&
                              Catch::Contains("consensus"));

  // Accounts: the node made "default" (the dev validator's owner); add alice.
  auto list = run_cli(api + "account list");
  CHECK(list.code == 0);
  CHECK_THAT(list.out, Catch::StartsWith("NAME") && Catch::Contains("default"));
  auto created = run_cli(api + "account new alice");
  INFO(created.out);
  REQUIRE(created.code == 0);
  std::string alice = last_word_of_line(created.out, "created account alice");
  REQUIRE(alice.size() == 64);
  auto again = run_cli(api + "account new alice");
  CHECK(again.code == 1);
  CHECK_THAT(again.out, Catch::Contains("alice"));
  CHECK_THAT(run_cli(api + "account list").out, Catch::Contains("alice") && Catch::Contains(alice));
  auto fresh = run_cli(api + "account show alice");
  CHECK(fresh.code == 0);
  CHECK_THAT(squash(fresh.out), Catch::Contains(alice + " (alice)") && Catch::Contains("balance 0\n"));

  // A transfer shows up in `account show` once it is in a block.
  auto sent = run_cli(api + "account transfer --to alice --amount 12.5");
  INFO(sent.out);
  REQUIRE(sent.code == 0);
  std::string tx = last_word_of_line(sent.out, "submitted transfer of 12.5 tokens:");
  REQUIRE(tx.size() == 64);
  auto shown = poll_cli(api + "account show " + alice + " --json", [](const test::run_result& r) {
    auto j = json::parse(r.out, nullptr, false);
    return r.code == 0 && j.is_object() && j.value("balance", uint64_t{0}) != 0;
  });
  CHECK(json_of(shown)["balance"] == 12500000000ull);
  auto alice_text = run_cli(api + "account show " + alice);
  CHECK_THAT(squash(alice_text.out), Catch::Contains("(alice)") && Catch::Contains("balance 12.5\n"));

  // The tx and its block.
  auto txj = json_of(poll_cli(api + "chain tx " + tx + " --json", [](const test::run_result& r) {
    return r.out.find("\"pending\": false") != std::string::npos;
  }));
  REQUIRE(txj["pending"] == false);
  CHECK(txj["type"] == "transfer");
  CHECK(txj["ok"] == true);
  uint64_t height = txj["height"].get<uint64_t>();
  auto tx_text = run_cli(api + "chain tx " + tx);
  CHECK(tx_text.code == 0);
  CHECK_THAT(squash(tx_text.out), Catch::Contains("in block " + std::to_string(height)) && Catch::Contains("succeeded") &&
                                    Catch::Contains("type transfer") && Catch::Contains("to " + alice) &&
                                    Catch::Contains("amount 12.5\n") && Catch::Contains("fee 0.000001\n"));
  auto block = run_cli(api + "chain block " + std::to_string(height));
  CHECK(block.code == 0);
  // The node's prover may put its work report into the same block.
  CHECK_THAT(squash(block.out), Catch::Contains("height " + std::to_string(height) + "\n") &&
                                  Catch::Contains("\n " + tx + "\n"));
  auto blockj = json_of(run_cli(api + "chain block " + std::to_string(height) + " --json"));
  auto block_txs = blockj["txs"].get<std::vector<std::string>>();
  CHECK(std::find(block_txs.begin(), block_txs.end(), tx) != block_txs.end());
  auto missing = run_cli(api + "chain block 99999999");
  CHECK(missing.code == 1);
  CHECK_THAT(missing.out, Catch::Contains("no block at height 99999999"));

  // Bonding moves balance to bonded stake.
  auto before = json_of(run_cli(api + "account show default --json"));
  auto bonded = run_cli(api + "stake bond 100 --account default --wait");
  INFO(bonded.out);
  CHECK(bonded.code == 0);
  CHECK_THAT(bonded.out, Catch::Contains("submitted bond of 100 tokens:") && Catch::Contains(": succeeded"));
  auto after = json_of(run_cli(api + "account show default --json"));
  CHECK(after["bonded"].get<uint64_t>() == before["bonded"].get<uint64_t>() + 100000000000ull);

  // The dev node is already registered to "default": validate only changes the commission.
  auto validated = run_cli(api + "stake validate --commission 5% --wait");
  INFO(validated.out);
  CHECK(validated.code == 0);
  CHECK_THAT(validated.out, !Catch::Contains("register_node"));
  auto cand = json_of(run_cli(api + "account show --json"));
  CHECK(cand["candidate"]["commission_ppm"] == 50000);
  CHECK_THAT(run_cli(api + "account show").out, Catch::Contains("commission 5%"));
  // alice cannot take the node: registering it to her is refused by the chain.
  auto stolen = run_cli(api + "stake validate --account alice");
  CHECK(stolen.code == 1);
  CHECK_THAT(stolen.out, Catch::Contains("already registered"));

  auto vals = run_cli(api + "chain validators");
  CHECK(vals.code == 0);
  CHECK_THAT(vals.out, Catch::Contains("NODE KEY") && Catch::Contains("candidates") && Catch::Contains("5%") &&
                         Catch::Contains("yes"));
  auto era = run_cli(api + "chain era");
  CHECK(era.code == 0);
  CHECK_THAT(era.out, Catch::Contains("era ") && Catch::Contains("block_time_ms"));

  // The chain refuses what alice cannot pay; the CLI refuses what is not an amount or a key.
  auto broke = run_cli(api + "account transfer --from alice --to default --amount 1000");
  CHECK(broke.code == 1);
  for (const char* bad : {"-1", "1.0000000001", "abc", "0", "18446744074", "1.5u"}) {
    auto r = run_cli(api + "account transfer --to alice --amount " + bad);
    INFO(bad << ": " << r.out);
    CHECK(r.code == 2);
    CHECK_THAT(r.out, Catch::Contains("Error: --amount"));
  }
  CHECK_THAT(run_cli(api + "stake bond 99999999999999999999").out, Catch::Contains("too large"));
  CHECK(run_cli(api + "stake bond 99999999999999999999").code == 2);
  auto short_key = run_cli(api + "account show " + alice.substr(1));
  CHECK(short_key.code == 2);
  CHECK_THAT(short_key.out, Catch::Contains("64 hex digits") && Catch::Contains("63 characters"));
  auto junk_to = run_cli(api + "account transfer --to 'not a key!' --amount 1");
  CHECK(junk_to.code == 2);
  CHECK_THAT(junk_to.out, Catch::Contains("neither a key"));
  CHECK(run_cli(api + "account transfer --amount 1").code == 2);
  CHECK(run_cli(api + "chain tx 1234").code == 2);
  CHECK(run_cli(api + "chain block abc").code == 2);
  CHECK(run_cli(api + "stake validate --commission 101").code == 2);
  CHECK(run_cli(api + "stake guarantee " + alice + " lots").code == 2);
  CHECK(node.alive());
}

TEST_CASE("mantle chain keygen and genesis make a two-validator genesis offline", "[tools][cli][chain]") {
  test::temp_dir dir("mantle-cli-genesis");
  std::string keys[2], owners[2];
  for (int i = 0; i < 2; ++i) {
    std::string d = dir.path + "/node" + std::to_string(i);
    auto k = run_cli("chain keygen " + d);
    INFO(k.out);
    REQUIRE(k.code == 0);
    auto field = [&](const std::string& name) {
      auto at = k.out.find(name + "=");
      return at == std::string::npos ? std::string{} : k.out.substr(at + name.size() + 1, k.out.find_first_of(" \n", at) - at - name.size() - 1);
    };
    keys[i] = field("node_key");
    owners[i] = field("owner");
    REQUIRE(keys[i].size() == 64);
    REQUIRE(owners[i].size() == 64);
    CHECK(field("peer_id").rfind("12D3KooW", 0) == 0);
    CHECK(slurp(d + "/keystore").find("\"default\"") != std::string::npos);
    CHECK_THAT(k.out, Catch::Contains("created " + d + "/identity.key, created account 'default'"));
    // Again: the same keys, nothing replaced.
    auto again = run_cli("chain keygen " + d);
    CHECK(again.out.substr(0, again.out.find('\n')) == k.out.substr(0, k.out.find('\n')));
    CHECK_THAT(again.out, Catch::Contains("kept " + d + "/identity.key, kept account 'default'"));
  }
  CHECK(keys[0] != keys[1]);

  auto g = run_cli("chain genesis --chain-id two-nodes --block-time 2s --era-blocks 30 --slot-blocks 5 "
                   "--genesis-time-ms 1767225600000 --validator " + keys[0] + ":" + owners[0] +
                   " --validator " + keys[1] + ":" + owners[1] + ":2500.5 --account " + owners[0] +
                   ":1000 --account " + owners[1] + ":7u");
  INFO(g.out);
  REQUIRE(g.code == 0);
  auto parsed = chain::parse_genesis(g.out);
  REQUIRE(parsed.ok());
  CHECK(parsed->chain_id == "two-nodes");
  CHECK(parsed->genesis_time_ms == 1767225600000ull);
  CHECK(parsed->params.block_time_ms == 2000);
  CHECK(parsed->params.era_blocks == 30);
  CHECK(parsed->params.slot_blocks == 5);
  REQUIRE(parsed->validators.size() == 2);
  auto hex = [](const std::string& raw) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
      out += d[c >> 4];
      out += d[c & 15];
    }
    return out;
  };
  for (int i = 0; i < 2; ++i) {
    CHECK(hex(parsed->validators[i].node_key) == keys[i]);
    CHECK(hex(parsed->validators[i].owner) == owners[i]);
    CHECK(parsed->validators[i].storage_power > 0);
  }
  CHECK(parsed->validators[0].bonded == 10000000000000ull);
  CHECK(parsed->validators[1].bonded == 2500500000000ull);
  REQUIRE(parsed->accounts.size() == 2);
  CHECK(parsed->accounts[0].balance == 1000000000000ull);
  CHECK(parsed->accounts[1].balance == 7);

  // Usage errors: exit 2 with the flag named.
  struct bad_case {
    std::string args, says;
  };
  std::string v0 = " --validator " + keys[0] + ":" + owners[0];
  for (const auto& c : std::vector<bad_case>{
         {v0, "--chain-id"},
         {"--chain-id x", "at least one --validator"},
         {"--chain-id x --validator " + keys[0], "NODE_KEY:OWNER_KEY"},
         {"--chain-id x --validator " + keys[0].substr(2) + ":" + owners[0], "64 hex digits"},
         {"--chain-id x --validator " + keys[0] + ":" + owners[0] + ":-5", "negative"},
         {"--chain-id x" + v0 + " --account " + owners[0] + ":1.0000000001", "more than 9 decimals"},
         {"--chain-id x" + v0 + " --account " + owners[0] + ":1 --account " + owners[0] + ":2", "listed twice"},
         {"--chain-id x" + v0 + v0, "listed twice"},
         {"--chain-id x" + v0 + " --block-time soon", "--block-time"},
         {"--chain-id x" + v0 + " --era-blocks 0", "era"},
         {"--chain-id x" + v0 + " --era-blocks ten", "--era-blocks"},
       }) {
    auto r = run_cli("chain genesis " + c.args);
    INFO(c.args << " -> " << r.out);
    CHECK(r.code == 2);
    CHECK_THAT(r.out, Catch::Contains(c.says));
  }
}
