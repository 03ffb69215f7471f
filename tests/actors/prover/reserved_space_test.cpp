#include <catch2/catch.hpp>

#include "actors/prover/reserved_space.hpp"

using namespace mantle;

namespace {

const std::string key_a(32, 'a');
const std::string key_b(32, 'b');
const std::string beacon_1(32, '\x01');
const std::string beacon_2(32, '\x02');

std::string generate_all(const std::string& key, const std::string& beacon, uint64_t bytes,
                         proof::tree_summary* sum = nullptr) {
  std::string all;
  auto r = reserved::generate(key, beacon, bytes, [&](std::string_view b) {
    all.append(b);
    return status{};
  });
  REQUIRE(r.ok());
  if (sum)
    *sum = *r;
  return all;
}

} // namespace

TEST_CASE("reserved labels follow the documented hash chain", "[prover][reserved]") {
  proof::tree_summary sum;
  auto all = generate_all(key_a, beacon_1, 64 * 1024, &sum);
  REQUIRE(all.size() == 64 * 1024);
  // The chain, recomputed label by label from its definition.
  reserved::label prev{};
  for (uint64_t i = 0; i < all.size() / reserved::label_size; ++i) {
    prev = reserved::make_label(key_a, beacon_1, i, prev);
    REQUIRE(std::string(reinterpret_cast<const char*>(prev.data()), prev.size()) ==
            all.substr(i * reserved::label_size, reserved::label_size));
  }
  // The committed root is the proof tree over the same bytes.
  CHECK(sum.root == proof::compute_root(all).root);
  CHECK(sum.leaf_count == 64);
  // Another node or another beacon gives unrelated labels.
  CHECK(generate_all(key_b, beacon_1, 1024) != all.substr(0, 1024));
  CHECK(generate_all(key_a, beacon_2, 1024) != all.substr(0, 1024));
  // Streaming in 1 MiB pieces gives the same bytes as a prefix of a longer chain.
  auto longer = generate_all(key_a, beacon_1, 3 << 20);
  CHECK(longer.substr(0, all.size()) == all);
}

TEST_CASE("check_labels accepts real segments and refuses forged ones", "[prover][reserved]") {
  auto all = generate_all(key_a, beacon_1, 16 * 1024);
  for (uint64_t s = 0; s < 16; ++s)
    CHECK(reserved::check_labels(key_a, beacon_1, s, all.substr(s * 1024, 1024)));

  auto seg5 = all.substr(5 * 1024, 1024);
  CHECK_FALSE(reserved::check_labels(key_a, beacon_1, 6, seg5));   // wrong position
  CHECK_FALSE(reserved::check_labels(key_b, beacon_1, 5, seg5));   // another node's key
  CHECK_FALSE(reserved::check_labels(key_a, beacon_2, 5, seg5));   // another beacon
  CHECK_FALSE(reserved::check_labels(key_a, beacon_1, 5, seg5.substr(0, 1000))); // short
  auto flipped = seg5;
  flipped[700] ^= 0x10;
  CHECK_FALSE(reserved::check_labels(key_a, beacon_1, 5, flipped));
  // Segment 0's first label is fixed by the chain's start, not free.
  auto seg0 = all.substr(0, 1024);
  seg0[3] ^= 1;
  CHECK_FALSE(reserved::check_labels(key_a, beacon_1, 0, seg0));
  // Random bytes are not labels.
  CHECK_FALSE(reserved::check_labels(key_a, beacon_1, 2, std::string(1024, 'x')));
}

TEST_CASE("reserved generation refuses bad sizes and stops on a write error", "[prover][reserved]") {
  auto sink = [](std::string_view) { return status{}; };
  CHECK_FALSE(reserved::generate(key_a, beacon_1, 0, sink).ok());
  CHECK_FALSE(reserved::generate(key_a, beacon_1, 1000, sink).ok());
  int calls = 0;
  auto r = reserved::generate(key_a, beacon_1, 4 << 20, [&](std::string_view) {
    ++calls;
    return status{make_error(errc::storage_full, "disk full")};
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::storage_full);
  CHECK(calls == 1);
  auto c = reserved::generate(key_a, beacon_1, 4 << 20, sink, [](uint64_t done) { return done < (2 << 20); });
  REQUIRE_FALSE(c.ok());
  CHECK(c.err().message.find("cancelled") != std::string::npos);
}

TEST_CASE("a reserved answer binds the challenged segment to the label before it", "[prover][reserved]") {
  auto all = generate_all(key_a, beacon_1, 16 * 1024);
  auto last_label_of = [&](uint64_t seg) { return all.substr(seg * 1024 + 1024 - reserved::label_size, reserved::label_size); };
  CHECK(reserved::check_labels(key_a, beacon_1, 5, all.substr(5 * 1024, 1024), last_label_of(4)));
  CHECK_FALSE(reserved::check_labels(key_a, beacon_1, 5, all.substr(5 * 1024, 1024), last_label_of(3)));
  // A segment started from a label of the node's own choosing passes the inner links but not
  // the link from the segment before: that is what the answer's second proof is for.
  std::string forged;
  reserved::label prev{};
  prev.fill(0x5a);
  for (uint64_t j = 0; j < reserved::labels_per_segment; ++j) {
    if (j > 0)
      prev = reserved::make_label(key_a, beacon_1, 5 * reserved::labels_per_segment + j, prev);
    forged.append(reinterpret_cast<const char*>(prev.data()), prev.size());
  }
  CHECK(reserved::check_labels(key_a, beacon_1, 5, forged));
  CHECK_FALSE(reserved::check_labels(key_a, beacon_1, 5, forged, last_label_of(4)));

  // The answer's encoding round-trips strictly.
  auto root = proof::compute_root(all).root;
  auto proofs = proof::make_proofs(root, all.size(), {5, 4}, [&](uint64_t off, size_t n, std::string& out) {
    out.append(all.substr(off, n));
    return status{};
  });
  REQUIRE(proofs.ok());
  reserved::answer a{(*proofs)[0], (*proofs)[1]};
  auto bytes = reserved::encode_answer(a);
  auto back = reserved::decode_answer(bytes);
  REQUIRE(back.ok());
  CHECK(back->challenged == a.challenged);
  REQUIRE(back->previous);
  CHECK(*back->previous == *a.previous);
  reserved::answer wrong_order{(*proofs)[1], (*proofs)[0]};
  CHECK_FALSE(reserved::decode_answer(reserved::encode_answer(wrong_order)).ok());
  CHECK_FALSE(reserved::decode_answer(bytes + "x").ok());
  CHECK_FALSE(reserved::decode_answer(proof::encode(a.challenged)).ok());
}
