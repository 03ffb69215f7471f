// `mantle order ...` and `mantle add --order` against a real mantled running its dev chain: the
// node computes size and proof root from its copy, the validator signs the order, the chain
// records it; argument and size errors are refused clearly.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "actors/market/order_terms.hpp"
#include "actors/prover/proof_tree.hpp"
#include "tests/temp_dir.hpp"
#include "tests/tools/mantle/dev_node.hpp"
#include "tests/tools/mantle/run_cli.hpp"

using namespace mantle;
using test::poll_cli;
using test::run_cli;
using json = nlohmann::json;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string write_random(const std::string& path, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng());
  std::ofstream(path, std::ios::binary) << s;
  return s;
}

// The CID `add` printed ("added CID NAME").
std::string added_cid(const std::string& out) {
  auto at = out.find("added ");
  if (at == std::string::npos)
    return {};
  at += 6;
  return out.substr(at, out.find(' ', at) - at);
}

} // namespace

TEST_CASE("mantle order place, status, list and prepaid against a dev chain", "[tools][cli][order]") {
  test::temp_dir dir("mantle-cli-order");
  test::dev_node node(dir.path + "/data", dir.path + "/node.log");
  std::string api = "--api " + node.api + " ";
  INFO("node log: " << dir.path << "/node.log");
  auto head = poll_cli(api + "chain head --json", [](const test::run_result& r) {
    auto j = json::parse(r.out, nullptr, false);
    return r.code == 0 && j.is_object() && j.value("height", uint64_t{0}) >= 1;
  });
  REQUIRE(head.code == 0);

  auto bytes = write_random(dir.path + "/a.bin", 5000, 1);
  auto add = run_cli(api + "add " + dir.path + "/a.bin");
  REQUIRE(add.code == 0);
  std::string cid = added_cid(add.out);
  REQUIRE_FALSE(cid.empty());

  // Refused before anything is signed.
  auto smaller = run_cli(api + "order place " + cid + " --size 10");
  CHECK(smaller.code == 1);
  CHECK_THAT(smaller.out, Catch::Contains("declared size 10 is smaller than the file's 5000 bytes"));
  auto bad_root = run_cli(api + "order place " + cid + " --root abc");
  CHECK(bad_root.code == 2);
  CHECK_THAT(bad_root.out, Catch::Contains("--root"));
  CHECK(run_cli(api + "order place " + cid + " --tips lots").code == 2);
  CHECK(run_cli(api + "order place not-a-cid").code == 1);
  CHECK(run_cli(api + "order prepaid " + cid + " 0").code == 2);
  auto none = run_cli(api + "order status " + cid);
  CHECK(none.code == 1);
  CHECK_THAT(none.out, Catch::Contains("no order for " + cid));

  // Placed: size and root from the node's copy, in a block, then on chain as pending.
  auto placed = run_cli(api + "order place " + cid + " --tips 0.5");
  INFO(placed.out << slurp(dir.path + "/node.log"));
  REQUIRE(placed.code == 0);
  auto root = market::root_hex(proof::compute_root(bytes).root);
  CHECK_THAT(placed.out, Catch::Contains("size 5000 bytes, proof root " + root + " (from the node's copy)") &&
                           Catch::Contains("submitted place_order: "));
  auto status = poll_cli(api + "order status " + cid + " --json", [](const test::run_result& r) { return r.code == 0; });
  INFO(status.out);
  REQUIRE(status.code == 0);
  auto j = json::parse(status.out);
  CHECK(j["cid"] == cid);
  CHECK(j["size"] == 5000);
  CHECK(j["root"] == root);
  CHECK((j["status"] == "pending" || j["status"] == "live"));
  CHECK(j["pool"].get<uint64_t>() >= 500000000ull); // the tips go to the pool
  auto text = run_cli(api + "order status " + cid);
  CHECK(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("cid") && Catch::Contains(cid) && Catch::Contains("proof root") &&
                         Catch::Contains("5000 bytes"));
  auto list = run_cli(api + "order list");
  CHECK(list.code == 0);
  CHECK_THAT(list.out, Catch::StartsWith("CID") && Catch::Contains(cid));
  auto listj = json::parse(run_cli(api + "order list --json").out, nullptr, false);
  REQUIRE(listj.is_object());
  CHECK(listj["Orders"].size() >= 1);

  auto pre = run_cli(api + "order prepaid " + cid + " 2 --wait");
  INFO(pre.out);
  CHECK(pre.code == 0);
  CHECK_THAT(pre.out, Catch::Contains("submitted prepaid of 2 tokens for " + cid) && Catch::Contains(": succeeded"));
  auto after = json::parse(run_cli(api + "order status " + cid + " --json").out, nullptr, false);
  REQUIRE(after.is_object());
  CHECK(after["prepaid"] == 2000000000ull);

  // add --order: the add's output, then the order of the file it added.
  write_random(dir.path + "/b.bin", 3000, 2);
  auto both = run_cli(api + "add --order " + dir.path + "/b.bin");
  INFO(both.out);
  REQUIRE(both.code == 0);
  std::string cid_b = added_cid(both.out);
  CHECK_THAT(both.out, Catch::Contains("order of " + cid_b + ": size 3000 bytes") &&
                         Catch::Contains("submitted place_order: "));
  auto status_b = poll_cli(api + "order status " + cid_b + " --json", [](const test::run_result& r) { return r.code == 0; });
  CHECK(status_b.code == 0);
  // Usage errors of add --order come before the add.
  CHECK(run_cli(api + "add --order --replicas 0 " + dir.path + "/b.bin").code == 2);
  CHECK(run_cli(api + "add --order --only-hash " + dir.path + "/b.bin").code == 2);
  CHECK(run_cli(api + "add --order -w " + dir.path + "/b.bin").code == 2);
  CHECK(run_cli(api + "add --order " + dir.path + "/a.bin " + dir.path + "/b.bin").code == 2);
  CHECK(node.alive());
}
