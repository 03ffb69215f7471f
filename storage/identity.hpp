// The node's Ed25519 identity and its libp2p peer ID. The key file holds the libp2p PrivateKey
// protobuf {1: Ed25519, 2: seed || public key} (68 bytes), the form go-libp2p marshals, so a
// key can move between Mantle and libp2p tools.
#pragma once
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle {

class node_identity {
public:
  static constexpr size_t seed_size = 32;
  static constexpr size_t public_key_size = 32;
  static constexpr size_t signature_size = 64;
  static constexpr size_t key_file_size = 68;

  // A fresh key from the system RNG.
  static node_identity generate();
  static result<node_identity> from_seed(std::string_view seed);
  // Parses the 68-byte key file format; checks that the stored public key matches the seed.
  static result<node_identity> from_private_key_protobuf(std::string_view bytes);

  // Reads `path`, refusing files that are not regular, are readable by group or others, or
  // have the wrong size or contents.
  static result<node_identity> load(const std::string& path);
  // Loads `path`, or creates it (mode 0600 from the first byte, never replaced) when it does not
  // exist. `created` tells which happened.
  static result<node_identity> load_or_create(const std::string& path, bool* created = nullptr);
  // Writes the key to a new file; fails if `path` exists.
  status save_new(const std::string& path) const;

  const std::string& public_key() const { return public_key_; } // 32 raw bytes
  std::string private_key_protobuf() const;
  std::string public_key_protobuf() const; // {1: Ed25519, 2: public key}, 36 bytes
  std::string peer_id_multihash() const;   // identity multihash of the public key protobuf
  std::string peer_id() const;             // base58btc, "12D3KooW..."
  std::string peer_id_cid() const;         // CIDv1 libp2p-key in base36, "k51..."

  std::string sign(std::string_view message) const; // 64-byte Ed25519 signature
  static bool verify(std::string_view public_key, std::string_view message, std::string_view signature);

private:
  node_identity(std::string seed, std::string pub) : seed_(std::move(seed)), public_key_(std::move(pub)) {}
  std::string seed_;
  std::string public_key_;
};

namespace peer_id {
// Peer ID multihash from a 32-byte Ed25519 public key.
std::string from_ed25519(std::string_view public_key);
// Accepts both text forms (bare base58btc multihash "12D3KooW..."/"Qm...", or a multibase
// CIDv1 with the libp2p-key codec) and returns the multihash bytes.
result<std::string> parse(std::string_view text);
std::string to_base58(std::string_view multihash);
std::string to_cid(std::string_view multihash, char multibase_prefix = 'k');
} // namespace peer_id

} // namespace mantle
