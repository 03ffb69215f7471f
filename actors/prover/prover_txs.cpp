#include "actors/prover/prover_txs.hpp"

#include "storage/identity.hpp"

namespace mantle::prover {
namespace {

using chain::tx_arg;

size_t uint_size(uint64_t v) {
  if (v < 128)
    return 1;
  if (v < 256)
    return 2;
  if (v < 65536)
    return 3;
  if (v <= UINT32_MAX)
    return 5;
  return 9;
}

size_t bin_header_size(size_t n) { return n < 256 ? 2 : n < 65536 ? 3 : 5; }
size_t array_header_size(size_t n) { return n < 16 ? 1 : n < 65536 ? 3 : 5; }

// One [challenge_no, proof] entry as msgpack.
size_t answer_size(const answer& a) {
  return 1 + uint_size(a.challenge_no) + bin_header_size(a.proof.size()) + a.proof.size();
}

} // namespace

std::vector<tx_arg> work_report_args(const report_body& r) {
  tx_arg added, deleted;
  added.k = deleted.k = tx_arg::kind::list;
  for (const auto& c : r.added)
    added.items.push_back(tx_arg::bin(c));
  for (const auto& c : r.deleted)
    deleted.items.push_back(tx_arg::bin(c));
  return {tx_arg::of(r.slot),          tx_arg::bin(r.slot_hash),  tx_arg::of(r.reserved_bytes),
          tx_arg::of(r.files_bytes),   tx_arg::bin(r.reserved_root), tx_arg::bin(r.files_root),
          std::move(added),            std::move(deleted)};
}

std::vector<tx_arg> storage_proof_args(uint64_t slot, const std::vector<answer>& answers) {
  tx_arg list;
  list.k = tx_arg::kind::list;
  for (const auto& a : answers) {
    tx_arg pair;
    pair.k = tx_arg::kind::list;
    pair.items = {tx_arg::of(a.challenge_no), tx_arg::bin(a.proof)};
    list.items.push_back(std::move(pair));
  }
  return {tx_arg::of(slot), std::move(list)};
}

std::string sign_node_tx(const node_identity& node, std::string_view chain_id, uint64_t type, uint64_t nonce,
                         std::vector<tx_arg> args) {
  chain::signed_tx tx;
  tx.type = type;
  tx.sender = node.public_key();
  tx.nonce = nonce;
  tx.fee = 0;
  tx.args = std::move(args);
  tx.signature = node.sign(chain::tx_sign_bytes(chain_id, tx));
  return chain::encode(tx);
}

result<std::vector<std::vector<answer>>> split_answers(std::vector<answer> answers, uint64_t max_tx_bytes,
                                                       const chain::tx_limits& limits) {
  // The envelope with no answers, its integers at their widest, so any nonce and slot fit.
  chain::signed_tx empty;
  empty.type = storage_proof_type;
  empty.sender.assign(node_identity::public_key_size, '\0');
  empty.nonce = UINT64_MAX;
  empty.args = storage_proof_args(UINT64_MAX, {});
  empty.signature.assign(node_identity::signature_size, '\0');
  const size_t envelope = chain::encode(empty).size() - 1; // minus the empty list's header
  // Items of the tx besides the answers (envelope fields, args, the list), and 3 per answer.
  const size_t max_per_tx = limits.max_items > 32 ? (limits.max_items - 16) / 3 : 1;

  std::vector<std::vector<answer>> out;
  std::vector<answer> batch;
  size_t body = 0;
  auto fits = [&](size_t n, size_t bytes) { return envelope + array_header_size(n) + bytes <= max_tx_bytes; };
  for (auto& a : answers) {
    size_t s = answer_size(a);
    if (!fits(1, s))
      return make_error(errc::invalid_input, "a storage proof answer of " + std::to_string(s) +
                                                 " bytes does not fit in a transaction of at most " +
                                                 std::to_string(max_tx_bytes) + " bytes");
    if (!batch.empty() && (batch.size() + 1 > max_per_tx || !fits(batch.size() + 1, body + s))) {
      out.push_back(std::move(batch));
      batch.clear();
      body = 0;
    }
    body += s;
    batch.push_back(std::move(a));
  }
  if (!batch.empty())
    out.push_back(std::move(batch));
  return out;
}

} // namespace mantle::prover
