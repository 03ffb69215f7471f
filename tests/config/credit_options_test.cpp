#include <catch2/catch.hpp>

#include "config/options.hpp"
#include "storage/identity.hpp"

using namespace mantle;
using namespace mantle::config;

namespace {
const std::string peer_a = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
const std::string peer_b = "12D3KooWATZi2wFwQxQ14Z3q24TDNWKap6f8W5ryLE6Da4RMfsxy";
} // namespace

TEST_CASE("credit options: defaults", "[config][credit]") {
  auto r = load({});
  REQUIRE(r);
  CHECK(r->options.trusted_peers.empty());
  CHECK(r->options.serve_rate == 64ull << 20);
  CHECK(help_text("mantled").find("--trusted-peers <list>") != std::string::npos);
  CHECK(help_text("mantled").find("--serve-rate <size>") != std::string::npos);
}

TEST_CASE("credit options: trusted peers in either text form, repeatable", "[config][credit]") {
  auto b36 = peer_id::to_cid(*peer_id::parse(peer_b));
  auto r = load({"--trusted-peers", peer_a + ", " + b36, "--trusted-peers=" + peer_a});
  REQUIRE(r);
  // Normalized to base58btc, duplicates dropped.
  CHECK(r->options.trusted_peers == std::vector<std::string>{peer_a, peer_b});
  auto f = resolve(*parse_config_text("trusted-peers = " + peer_b + "\ntrusted-peers = " + peer_a + "\n", "n.conf"), {});
  REQUIRE(f);
  CHECK(f->trusted_peers == std::vector<std::string>{peer_b, peer_a});
  auto all = load({"--trusted-peers", "*", "--trusted-peers", peer_a + ",*"});
  REQUIRE(all);
  CHECK(all->options.trusted_peers == std::vector<std::string>{"*", peer_a});
  auto bad = load({"--trusted-peers", peer_a + ",not-a-peer"});
  REQUIRE_FALSE(bad);
  CHECK(bad.err().code == errc::invalid_input);
  CHECK(bad.err().message.find("--trusted-peers") != std::string::npos);
  CHECK(bad.err().message.find("invalid peer id 'not-a-peer'") != std::string::npos);
}

TEST_CASE("credit options: serve rate takes a size, 0 means unlimited", "[config][credit]") {
  CHECK(load({"--serve-rate", "10MiB"})->options.serve_rate == 10ull << 20);
  CHECK(load({"--serve-rate", "500 KB"})->options.serve_rate == 500000);
  CHECK(load({"--serve-rate", "0"})->options.serve_rate == 0);
  auto bad = load({"--serve-rate", "fast"});
  REQUIRE_FALSE(bad);
  CHECK(bad.err().message.find("--serve-rate") != std::string::npos);
  CHECK_FALSE(load({"--serve-rate", "5 parsecs"}));
}

TEST_CASE("credit options: credit-unit takes a size, defaults to 1 MiB and refuses 0", "[credit][options]") {
  CHECK(help_text("mantled").find("--credit-unit <size>") != std::string::npos);
  CHECK(load({})->options.credit_unit == 1ull << 20);
  CHECK(load({"--credit-unit", "64KiB"})->options.credit_unit == 64ull << 10);
  CHECK(resolve(*parse_config_text("credit-unit = 2MiB\n", "n.conf"), {})->credit_unit == 2ull << 20);
  auto zero = load({"--credit-unit", "0"});
  REQUIRE_FALSE(zero);
  CHECK(zero.err().message.find("credit-unit") != std::string::npos);
  CHECK_FALSE(load({"--credit-unit", "lots"}));
}
