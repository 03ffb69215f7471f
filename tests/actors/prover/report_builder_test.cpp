// The work report body from the chain's view and local claims: deletions of unpinned and
// dropped files first, adds only with a matching order and a pin, the limit, files_bytes and a
// files root checked against the contract's formula written out here independently.
#include <catch2/catch.hpp>

#include <botan/hash.h>

#include "actors/prover/report_builder.hpp"

using namespace mantle;
using namespace mantle::prover;

namespace {

std::string be(uint64_t v, int n) {
  std::string s(n, '\0');
  for (int i = n - 1; i >= 0; --i, v >>= 8)
    s[i] = static_cast<char>(v & 0xff);
  return s;
}

// BLAKE2b-256("mantle/files/v1" || for each (cid, size) in cid order: u32be(len) || cid || u64be(size))
std::string ref_files_root(std::vector<std::pair<std::string, uint64_t>> set) {
  std::sort(set.begin(), set.end());
  auto h = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  h->update("mantle/files/v1");
  for (const auto& [c, s] : set) {
    h->update(be(c.size(), 4));
    h->update(c);
    h->update(be(s, 8));
  }
  auto d = h->final();
  return std::string(d.begin(), d.end());
}

std::string cid_of(char c) { return std::string("\x01\x55\x12\x20", 4) + std::string(32, c); }

chain_view base_view() {
  chain_view v;
  v.slot = 7;
  v.slot_hash = std::string(32, 'h');
  v.files = {{cid_of('a'), 1000}, {cid_of('b'), 2000}, {cid_of('c'), 3000}};
  v.files_bytes = 6000;
  return v;
}

pinned_fn all_pinned() {
  return [](std::string_view) { return true; };
}

} // namespace

TEST_CASE("report builder: an unchanged set reports its bytes and root", "[prover][report_builder]") {
  auto v = base_view();
  reservation res{1 << 20, std::string(32, 'r')};
  auto plan = build_report(v, {}, all_pinned(), res, 256);
  REQUIRE(plan);
  const auto& b = plan->body;
  CHECK(b.slot == 7);
  CHECK(b.slot_hash == v.slot_hash);
  CHECK(b.reserved_bytes == (1u << 20));
  CHECK(b.reserved_root == res.root);
  CHECK(b.files_bytes == 6000);
  CHECK(b.files_root == ref_files_root(v.files));
  CHECK(b.added.empty());
  CHECK(b.deleted.empty());
  CHECK(plan->new_set == v.files);
}

TEST_CASE("report builder: the empty set hashes the domain alone", "[prover][report_builder]") {
  chain_view v;
  v.slot_hash = std::string(32, '\0');
  auto plan = build_report(v, {}, all_pinned(), {0, std::string(32, '\0')}, 256);
  REQUIRE(plan);
  CHECK(plan->body.files_root == ref_files_root({}));
  CHECK(plan->body.files_bytes == 0);
}

TEST_CASE("report builder: adds need a pin and a matching order, drops and lost pins delete", "[prover][report_builder]") {
  auto v = base_view();
  local_claims claims;
  claims.adds[cid_of('d')] = 500;  // order on chain, pinned -> added
  claims.adds[cid_of('e')] = 700;  // no order yet -> waits
  claims.adds[cid_of('f')] = 800;  // order says 900 -> rejected
  claims.adds[cid_of('g')] = 100;  // not pinned -> rejected
  claims.adds[cid_of('a')] = 1000; // already in the set -> nothing
  claims.drops.insert(cid_of('b'));
  v.record_sizes[cid_of('d')] = 500;
  v.record_sizes[cid_of('f')] = 900;
  v.record_sizes[cid_of('g')] = 100;
  auto pinned = [](std::string_view c) { return c != cid_of('g') && c != cid_of('c'); };
  auto plan = build_report(v, claims, pinned, {0, std::string(32, '\0')}, 256);
  REQUIRE(plan);
  const auto& b = plan->body;
  CHECK(b.added == std::vector<std::string>{cid_of('d')});
  CHECK(b.deleted == std::vector<std::string>{cid_of('b'), cid_of('c')}); // cid order
  CHECK(b.files_bytes == 6000 - 2000 - 3000 + 500);
  std::vector<std::pair<std::string, uint64_t>> after{{cid_of('a'), 1000}, {cid_of('d'), 500}};
  CHECK(plan->new_set == after);
  CHECK(b.files_root == ref_files_root(after));
  CHECK(plan->waiting == 1);
  REQUIRE(plan->rejected.size() == 2);
  CHECK(plan->rejected[0].first == cid_of('f'));
  CHECK(plan->rejected[0].second.find("900") != std::string::npos);
  CHECK(plan->rejected[1].first == cid_of('g'));
}

TEST_CASE("report builder: the entry limit keeps unpinned deletions first, the rest waits", "[prover][report_builder]") {
  auto v = base_view();
  local_claims claims;
  claims.drops.insert(cid_of('a'));
  claims.adds[cid_of('d')] = 10;
  v.record_sizes[cid_of('d')] = 10;
  auto pinned = [](std::string_view c) { return c != cid_of('c'); };
  auto plan = build_report(v, claims, pinned, {0, std::string(32, '\0')}, 1);
  REQUIRE(plan);
  CHECK(plan->body.deleted == std::vector<std::string>{cid_of('c')});
  CHECK(plan->body.added.empty());
  CHECK(plan->waiting == 1);
  CHECK(plan->body.files_bytes == 3000);

  auto two = build_report(v, claims, pinned, {0, std::string(32, '\0')}, 2);
  REQUIRE(two);
  CHECK(two->body.deleted == std::vector<std::string>{cid_of('a'), cid_of('c')});
  CHECK(two->body.added.empty());
  auto three = build_report(v, claims, pinned, {0, std::string(32, '\0')}, 3);
  REQUIRE(three);
  CHECK(three->body.added == std::vector<std::string>{cid_of('d')});
  CHECK(three->body.files_bytes == 2000 + 10);
}

TEST_CASE("report builder: a file dropped before it was ever reported is not added", "[prover][report_builder]") {
  auto v = base_view();
  local_claims claims;
  claims.adds[cid_of('d')] = 10;
  claims.drops.insert(cid_of('d'));
  v.record_sizes[cid_of('d')] = 10;
  auto plan = build_report(v, claims, all_pinned(), {0, std::string(32, '\0')}, 256);
  REQUIRE(plan);
  CHECK(plan->body.added.empty());
  CHECK(plan->body.deleted.empty());
}

TEST_CASE("report builder: an inconsistent view is an error, not a wrapped number", "[prover][report_builder]") {
  auto v = base_view();
  v.files_bytes = 10; // below the sizes of the set
  auto plan = build_report(v, {}, [](std::string_view) { return false; }, {0, std::string(32, '\0')}, 256);
  REQUIRE_FALSE(plan);
  CHECK(plan.err().code == errc::corrupt);
}
