// The peer handshake's cryptography, without CAF: each side proves it holds the Ed25519 key
// behind its peer id by signing a transcript that binds both fresh nonces and both public
// keys, plus the signer's role. Nonces make a signature useless on any other connection;
// naming the other side's key defeats a relay (a node in the middle gets signatures that name
// itself, not the victim); the role keeps an initiator's signature from being replayed as a
// responder's.
//
// Flow (the actor carries it over the middleman; see peer_actor.cpp):
//   initiator -> responder: hello   {initiator key, initiator nonce}
//   responder -> initiator: welcome {responder key, responder nonce, responder signature}
//   initiator -> responder: proof   {initiator signature}
#pragma once
#include <string>
#include <string_view>
#include "storage/identity.hpp"
#include "storage/result.hpp"

namespace mantle::handshake {

constexpr size_t nonce_size = 32;

enum class role { initiator, responder };

// A fresh random nonce from the system RNG.
std::string make_nonce();

// The exact bytes each side signs.
std::string transcript(role signer, std::string_view initiator_nonce, std::string_view responder_nonce,
                       std::string_view initiator_key, std::string_view responder_key);

// What both sides know once hello and welcome have crossed.
struct session {
  std::string initiator_nonce;
  std::string responder_nonce;
  std::string initiator_key; // raw 32-byte Ed25519 public keys
  std::string responder_key;
};

// Our signature for `s`, playing `as`.
std::string sign(const node_identity& me, role as, const session& s);

// Checks the remote's signature (it played `remote_role`), that both nonces and keys are well
// formed, that the remote is not this node, and, when `expected_peer_id` is not empty, that
// the remote is that node. Returns the remote's peer id (base58btc).
result<std::string> verify_remote(const session& s, role remote_role, std::string_view signature,
                                  std::string_view expected_peer_id = {});

// Peer id (base58btc) of a raw Ed25519 public key.
std::string peer_id_of(std::string_view public_key);

} // namespace mantle::handshake
