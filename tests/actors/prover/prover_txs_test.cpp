// The prover's txs decode as the chain's work_report and storage_proof bodies, verify under the
// node key, and a slot's answers split into txs that each fit max_tx_bytes.
#include <catch2/catch.hpp>

#include <random>

#include "actors/prover/proof_tree.hpp"
#include "actors/prover/prover_txs.hpp"
#include "actors/validator/tx.hpp"
#include "storage/identity.hpp"

using namespace mantle;
using namespace mantle::prover;

TEST_CASE("prover txs: a work report decodes as the chain's body and verifies", "[prover][prover_txs]") {
  auto node = node_identity::generate();
  report_body r;
  r.slot = 12;
  r.slot_hash = std::string(32, 's');
  r.reserved_bytes = 1 << 20;
  r.files_bytes = 4242;
  r.reserved_root = std::string(32, 'r');
  r.files_root = std::string(32, 'f');
  r.added = {std::string("\x01\x55\x12\x20", 4) + std::string(32, 'a')};
  r.deleted = {std::string("\x01\x55\x12\x20", 4) + std::string(32, 'b')};
  auto bytes = sign_node_tx(node, "mantle-test", work_report_type, 9, work_report_args(r));
  auto tx = chain::decode_tx(bytes);
  REQUIRE(tx);
  CHECK(tx->sender == node.public_key());
  CHECK(tx->nonce == 9);
  CHECK(tx->fee == 0);
  CHECK(chain::verify_tx("mantle-test", *tx));
  CHECK_FALSE(chain::verify_tx("other-chain", *tx));
  auto body = chain::decode_body(*tx);
  REQUIRE(body);
  auto* w = std::get_if<chain::txs::work_report>(&*body);
  REQUIRE(w);
  CHECK(w->slot == 12);
  CHECK(w->slot_hash == r.slot_hash);
  CHECK(w->reserved_bytes == r.reserved_bytes);
  CHECK(w->files_bytes == 4242);
  CHECK(w->reserved_root == r.reserved_root);
  CHECK(w->files_root == r.files_root);
  CHECK(w->added == r.added);
  CHECK(w->deleted == r.deleted);
}

TEST_CASE("prover txs: answers split under max_tx_bytes and decode as storage proofs", "[prover][prover_txs]") {
  auto node = node_identity::generate();
  // Real proofs of a 300 KiB file.
  std::string file(300 * 1024, '\0');
  std::mt19937_64 rng(5);
  for (auto& c : file)
    c = static_cast<char>(rng());
  auto root = proof::compute_root(file).root;
  std::vector<uint64_t> idx;
  for (uint64_t i = 0; i < 100; ++i)
    idx.push_back((i * 37) % proof::leaf_count(file.size()));
  auto proofs = proof::make_proofs(root, file.size(), idx, [&](uint64_t off, size_t n, std::string& out) {
    out.append(file, off, n);
    return status{};
  });
  REQUIRE(proofs);
  std::vector<answer> answers;
  for (size_t i = 0; i < proofs->size(); ++i)
    answers.push_back({i * 3, proof::encode((*proofs)[i])});

  for (uint64_t limit : {uint64_t{4000}, uint64_t{20000}, uint64_t{65536}}) {
    auto batches = split_answers(answers, limit);
    REQUIRE(batches);
    size_t total = 0;
    std::vector<answer> seen;
    for (size_t b = 0; b < batches->size(); ++b) {
      const auto& batch = (*batches)[b];
      REQUIRE_FALSE(batch.empty());
      auto bytes = sign_node_tx(node, "c", storage_proof_type, UINT64_MAX - b, storage_proof_args(UINT64_MAX, batch));
      CHECK(bytes.size() <= limit);
      if (b + 1 < batches->size()) {
        // Greedy: the next answer would not have fitted.
        auto more = batch;
        more.push_back((*batches)[b + 1].front());
        auto bigger = sign_node_tx(node, "c", storage_proof_type, UINT64_MAX - b, storage_proof_args(UINT64_MAX, more));
        CHECK(bigger.size() > limit);
      }
      auto tx = chain::decode_tx(bytes, chain::tx_limits{limit});
      REQUIRE(tx);
      auto body = chain::decode_body(*tx);
      REQUIRE(body);
      auto* p = std::get_if<chain::txs::storage_proof>(&*body);
      REQUIRE(p);
      CHECK(p->slot == UINT64_MAX);
      REQUIRE(p->answers.size() == batch.size());
      for (size_t i = 0; i < batch.size(); ++i) {
        CHECK(p->answers[i].challenge_no == batch[i].challenge_no);
        CHECK(p->answers[i].proof == batch[i].proof);
      }
      total += batch.size();
      seen.insert(seen.end(), batch.begin(), batch.end());
    }
    CHECK(total == answers.size());
    CHECK(seen == answers); // order kept
  }
  auto too_small = split_answers(answers, 500);
  REQUIRE_FALSE(too_small);
  CHECK(too_small.err().message.find("does not fit") != std::string::npos);
  auto none = split_answers({}, 65536);
  REQUIRE(none);
  CHECK(none->empty());
}
