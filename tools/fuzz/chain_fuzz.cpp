// What validators and clients send the chain: transactions (RPC chain/submit, gossip), votes,
// proposals, evidence, commit certificates and blocks (consensus messages, catch-up).
#include "actors/validator/chain_types.hpp"
#include "actors/validator/tx.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

namespace {

void transactions(std::string_view in) {
  auto tx = chain::decode_tx(in);
  if (!tx)
    return;
  // decode_tx promises a canonical encoding: the bytes are the encoding of what they decode to.
  check(chain::encode(*tx) == in, "decode_tx accepted a non-canonical encoding");
  (void)chain::tx_hash(in);
  (void)chain::verify_tx("fuzz", *tx);
  (void)chain::tx_type_name(tx->type);
  auto body = chain::decode_body(*tx);
  if (!body)
    return;
  check(static_cast<uint64_t>(chain::type_of(*body)) == tx->type, "decode_body changed the type");
  check(chain::args_of(*body) == tx->args, "a typed transaction re-encodes to other arguments");
}

} // namespace

void chain(std::string_view in) {
  using namespace mantle::chain;
  auto enc = [](const auto& v) { return encode(v); };
  switch (take_selector(in) % 7) {
  case 0: transactions(in); break;
  case 1: check_roundtrip(in, decode_vote, enc, "vote"); break;
  case 2: check_roundtrip(in, decode_proposal, enc, "proposal"); break;
  case 3: check_roundtrip(in, [](std::string_view b) { return decode_commit_cert(b); }, enc, "commit certificate"); break;
  case 4: check_roundtrip(in, decode_evidence, enc, "evidence"); break;
  case 5: check_roundtrip(in, decode_block_header, enc, "block header"); break;
  default:
    check_roundtrip(in, [](std::string_view b) { return decode_block(b); }, enc, "block");
    if (auto b = decode_block(in))
      (void)check_body(*b);
    break;
  }
}

} // namespace mantle::fuzz
