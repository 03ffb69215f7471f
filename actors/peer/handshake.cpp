#include "actors/peer/handshake.hpp"

#include <botan/auto_rng.h>

namespace mantle::handshake {

namespace {

void put_field(std::string& out, std::string_view field) {
  // Length-prefixed, so no two different field lists give the same bytes.
  auto n = static_cast<uint32_t>(field.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(field);
}

error refused(std::string msg) { return make_error(errc::invalid_input, std::move(msg)); }

} // namespace

std::string make_nonce() {
  Botan::AutoSeeded_RNG rng;
  std::string out(nonce_size, '\0');
  rng.randomize(reinterpret_cast<uint8_t*>(out.data()), out.size());
  return out;
}

std::string transcript(role signer, std::string_view initiator_nonce, std::string_view responder_nonce,
                       std::string_view initiator_key, std::string_view responder_key) {
  std::string out = "mantle-peer-handshake-v1";
  put_field(out, signer == role::initiator ? "initiator" : "responder");
  put_field(out, initiator_nonce);
  put_field(out, responder_nonce);
  put_field(out, initiator_key);
  put_field(out, responder_key);
  return out;
}

std::string sign(const node_identity& me, role as, const session& s) {
  return me.sign(transcript(as, s.initiator_nonce, s.responder_nonce, s.initiator_key, s.responder_key));
}

std::string peer_id_of(std::string_view public_key) {
  return peer_id::to_base58(peer_id::from_ed25519(public_key));
}

result<std::string> verify_remote(const session& s, role remote_role, std::string_view signature,
                                  std::string_view expected_peer_id) {
  if (s.initiator_nonce.size() != nonce_size || s.responder_nonce.size() != nonce_size)
    return refused("handshake nonce has the wrong size");
  if (s.initiator_nonce == s.responder_nonce)
    return refused("handshake nonces are equal (replayed hello)");
  if (s.initiator_key.size() != node_identity::public_key_size ||
      s.responder_key.size() != node_identity::public_key_size)
    return refused("handshake public key has the wrong size");
  if (s.initiator_key == s.responder_key)
    return refused("connection to this node itself");
  const std::string& remote_key = remote_role == role::initiator ? s.initiator_key : s.responder_key;
  auto id = peer_id_of(remote_key);
  if (!expected_peer_id.empty() && id != expected_peer_id)
    return refused("peer is " + id + ", expected " + std::string(expected_peer_id));
  if (signature.size() != node_identity::signature_size ||
      !node_identity::verify(remote_key,
                             transcript(remote_role, s.initiator_nonce, s.responder_nonce, s.initiator_key, s.responder_key),
                             signature))
    return refused("handshake signature of " + id + " does not verify");
  return id;
}

} // namespace mantle::handshake
