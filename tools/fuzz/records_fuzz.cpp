// Records the node keeps in LMDB (pins, credit, pinning-service requests and tokens, chain state,
// market state) and the prover's answers and proofs that peers send. A damaged database or a
// hostile peer must get an error from these decoders, never a crash.
#include "actors/market/market_rules.hpp"
#include "actors/prover/proof_tree.hpp"
#include "actors/prover/reserved_space.hpp"
#include "actors/validator/state_tables.hpp"
#include "storage/api_tokens.hpp"
#include "storage/credit_store.hpp"
#include "storage/pin_record.hpp"
#include "storage/psa_store.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

void records(std::string_view in) {
  auto enc = [](const auto& v) { return encode(v); };
  switch (take_selector(in) % 18) {
  case 0: check_roundtrip(in, decode_pin_record, enc, "pin record"); break;
  case 1: check_roundtrip(in, decode_peer_credit, enc, "peer credit"); break;
  case 2: check_roundtrip(in, psa::decode_request_record, enc, "pinning request"); break;
  case 3: check_roundtrip(in, psa::decode_api_token, enc, "API token"); break;
  case 4: check_roundtrip(in, chain::decode_account, enc, "account"); break;
  case 5: check_roundtrip(in, chain::decode_stake, enc, "stake"); break;
  case 6: check_roundtrip(in, chain::decode_candidate, enc, "candidate"); break;
  case 7: check_roundtrip(in, chain::decode_node, enc, "node record"); break;
  case 8: check_roundtrip(in, chain::decode_exposure, enc, "exposure"); break;
  case 9: check_roundtrip(in, chain::decode_era, enc, "era"); break;
  case 10: check_roundtrip(in, chain::decode_params, enc, "chain params"); break;
  case 11: check_roundtrip(in, chain::decode_u64, chain::encode_u64, "u64"); break;
  case 12: check_roundtrip(in, chain::decode_validator_set, chain::encode_validator_set, "validator set"); break;
  case 13: check_roundtrip(in, market::decode_file_record, enc, "file record"); break;
  case 14: check_roundtrip(in, market::decode_node_report, enc, "node report"); break;
  case 15: check_roundtrip(in, market::decode_challenge_set, enc, "challenge set"); break;
  case 16: check_roundtrip(in, market::decode_slot_info, enc, "slot info"); break;
  default:
    check_roundtrip(in, reserved::decode_answer, reserved::encode_answer, "reserved-space answer");
    check_roundtrip(in, proof::decode_segment_proof, enc, "segment proof");
    break;
  }
}

} // namespace mantle::fuzz
