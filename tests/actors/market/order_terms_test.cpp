#include <catch2/catch.hpp>

#include <random>

#include "actors/market/order_terms.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/unixfs_importer.hpp"
#include "tests/random_bytes.hpp"

using namespace mantle;
using test::random_bytes;
using namespace mantle::unixfs;

namespace {

std::string message_of(const result<market::order_terms>& r) { return r ? std::string("ok") : r.err().message; }

} // namespace

TEST_CASE("order terms: size and root computed from the stored file", "[market][order_terms]") {
  memory_block_store store;
  auto bytes = random_bytes(300 * 1024 + 5, 1); // two 256 KiB leaves
  auto imp = import_bytes(store, import_options{}, bytes);
  REQUIRE(imp.ok());
  auto expected = proof::compute_root(bytes).root;

  auto t = market::settle_order_terms(store, imp->root, true, std::nullopt, std::nullopt);
  REQUIRE(t.ok());
  CHECK(t->size == bytes.size());
  CHECK(t->root == expected);
  CHECK(t->computed);

  // The right size and root given: checked and kept.
  auto same = market::settle_order_terms(store, imp->root, true, bytes.size(), expected);
  REQUIRE(same.ok());
  CHECK(same->root == expected);

  // A declared size smaller than the file is refused with both numbers.
  auto smaller = market::settle_order_terms(store, imp->root, true, uint64_t{10}, std::nullopt);
  REQUIRE_FALSE(smaller.ok());
  CHECK(smaller.err().code == errc::invalid_input);
  CHECK(smaller.err().message == "declared size 10 is smaller than the file's 307205 bytes");
  // Larger cannot match any proof root either.
  auto larger = market::settle_order_terms(store, imp->root, true, bytes.size() + 1, std::nullopt);
  REQUIRE_FALSE(larger.ok());
  CHECK_THAT(larger.err().message, Catch::StartsWith("declared size 307206 is larger than the file's 307205 bytes"));
  // A root that is not the file's.
  auto other = expected;
  other[0] ^= 1;
  auto wrong = market::settle_order_terms(store, imp->root, true, std::nullopt, other);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.err().code == errc::invalid_input);
  CHECK_THAT(wrong.err().message, Catch::StartsWith("proof root " + market::root_hex(other) + " does not match"));
}

TEST_CASE("order terms: a raw CID's root is its block's bytes' root", "[market][order_terms]") {
  memory_block_store store;
  import_options v1;
  v1.cid_version = 1;
  v1.raw_leaves = true;
  auto bytes = random_bytes(5000, 2);
  auto imp = import_bytes(store, v1, bytes);
  REQUIRE(imp.ok());
  REQUIRE(imp->root.codec == codec::raw);
  auto t = market::settle_order_terms(store, imp->root, true, std::nullopt, std::nullopt);
  INFO(message_of(t));
  REQUIRE(t.ok());
  CHECK(t->size == 5000);
  CHECK(t->root == proof::compute_root(bytes).root);
  auto smaller = market::settle_order_terms(store, imp->root, true, uint64_t{10}, std::nullopt);
  CHECK(message_of(smaller) == "declared size 10 is smaller than the file's 5000 bytes");
}

TEST_CASE("order terms: a file not stored here needs both size and root", "[market][order_terms]") {
  memory_block_store empty;
  memory_block_store elsewhere;
  auto imp = import_bytes(elsewhere, import_options{}, random_bytes(1000, 3));
  REQUIRE(imp.ok());
  auto root = proof::compute_root(random_bytes(1000, 3)).root;
  for (bool with_size : {false, true}) {
    auto t = market::settle_order_terms(empty, imp->root, false, with_size ? std::optional<uint64_t>(1000) : std::nullopt,
                                        std::nullopt);
    REQUIRE_FALSE(t.ok());
    CHECK(t.err().code == errc::not_found);
    CHECK_THAT(t.err().message, Catch::Contains("is not stored on this node"));
  }
  auto given = market::settle_order_terms(empty, imp->root, false, uint64_t{1000}, root);
  REQUIRE(given.ok());
  CHECK(given->size == 1000);
  CHECK(given->root == root);
  CHECK_FALSE(given->computed);
}

TEST_CASE("order terms: directories are refused", "[market][order_terms]") {
  memory_block_store store;
  auto imp = import_bytes(store, import_options{}, random_bytes(100, 4));
  REQUIRE(imp.ok());
  directory_builder dir(store, import_options{});
  REQUIRE(dir.add_file("a.bin", *imp).ok());
  auto d = dir.finish();
  REQUIRE(d.ok());
  auto t = market::settle_order_terms(store, d->back().second.root, true, std::nullopt, std::nullopt);
  REQUIRE_FALSE(t.ok());
  CHECK(t.err().code == errc::invalid_input);
  CHECK_THAT(t.err().message, Catch::Contains("is not a file"));
}

TEST_CASE("order terms: proof root hex", "[market][order_terms]") {
  proof::digest d{};
  for (size_t i = 0; i < d.size(); ++i)
    d[i] = static_cast<uint8_t>(i * 7);
  auto hex = market::root_hex(d);
  CHECK(hex.size() == 64);
  auto back = market::parse_root_hex(hex);
  REQUIRE(back.ok());
  CHECK(*back == d);
  CHECK_FALSE(market::parse_root_hex(hex.substr(2)).ok());
  CHECK_FALSE(market::parse_root_hex(std::string(64, 'g')).ok());
  CHECK(market::parse_root_hex("ab").err().message == "proof root must be 64 hex digits, not 2");
}
