#include <catch2/catch.hpp>

#include <random>

#include "actors/prover/file_proof.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/unixfs_importer.hpp"
#include "tests/random_bytes.hpp"

using namespace mantle;
using test::random_bytes;
using namespace mantle::unixfs;

TEST_CASE("file proof root of a stored multi-block file equals the root of its bytes", "[prover][file_proof]") {
  memory_block_store store;
  // 1 MiB + 777 bytes: five 256 KiB leaves, the last one short, and a partial last segment.
  auto bytes = random_bytes((1 << 20) + 777, 7);
  auto imp = import_bytes(store, import_options{}, bytes);
  REQUIRE(imp.ok());
  auto fr = proof::compute_file_root(store, imp->root);
  REQUIRE(fr.ok());
  CHECK(fr->size == bytes.size());
  CHECK(fr->root == proof::compute_root(bytes).root);

  SECTION("raw leaves (CIDv1) give the same root for the same bytes") {
    import_options v1;
    v1.cid_version = 1;
    v1.raw_leaves = true;
    auto imp1 = import_bytes(store, v1, bytes);
    REQUIRE(imp1.ok());
    REQUIRE(imp1->root != imp->root);
    auto fr1 = proof::compute_file_root(store, imp1->root);
    REQUIRE(fr1.ok());
    CHECK(fr1->root == fr->root);
  }

  SECTION("proofs made through the segment reader verify") {
    std::vector<uint64_t> idx{0, 255, 256, 1024};
    auto proofs = proof::make_proofs(fr->root, fr->size, idx, proof::file_segment_reader(store, imp->root));
    REQUIRE(proofs.ok());
    REQUIRE(proofs->size() == idx.size());
    for (const auto& p : *proofs)
      CHECK(proof::verify(fr->root, fr->size, p) == proof::verify_status::ok);
    CHECK((*proofs)[3].segment == bytes.substr(1024 * 1024, 777));
  }
}

TEST_CASE("file proof root fails clearly for a missing block and for a directory", "[prover][file_proof]") {
  memory_block_store full;
  auto bytes = random_bytes(600 * 1024, 3);
  auto imp = import_bytes(full, import_options{}, bytes);
  REQUIRE(imp.ok());

  SECTION("missing leaf") {
    // Copy everything except one leaf into a second store.
    memory_block_store partial;
    auto root_block = full.get(imp->root);
    REQUIRE(root_block.ok());
    REQUIRE(partial.put(block{imp->root, *root_block}).ok());
    auto fr = proof::compute_file_root(partial, imp->root);
    REQUIRE_FALSE(fr.ok());
    CHECK(fr.err().code == errc::not_found);
  }

  SECTION("directory") {
    directory_builder dir(full, import_options{});
    REQUIRE(dir.add_file("a.bin", *imp).ok());
    auto d = dir.finish();
    REQUIRE(d.ok());
    REQUIRE_FALSE(d->empty());
    auto fr = proof::compute_file_root(full, d->back().second.root);
    REQUIRE_FALSE(fr.ok());
    CHECK(fr.err().code == errc::invalid_input);
    CHECK(fr.err().message.find("not a file") != std::string::npos);
  }
}

TEST_CASE("make_proofs over a stored file refuses a file that lost bytes", "[prover][file_proof]") {
  memory_block_store store;
  auto bytes = random_bytes(300 * 1024, 11);
  auto imp = import_bytes(store, import_options{}, bytes);
  REQUIRE(imp.ok());
  auto fr = proof::compute_file_root(store, imp->root);
  REQUIRE(fr.ok());
  auto other = bytes;
  other[5000] ^= 1;
  auto wrong_root = proof::compute_root(other).root;
  auto p = proof::make_proofs(wrong_root, fr->size, {4}, proof::file_segment_reader(store, imp->root));
  REQUIRE_FALSE(p.ok());
  CHECK(p.err().code == errc::corrupt);
}
