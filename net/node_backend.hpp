// What the HTTP front needs from the node, without knowing it is made of actors. The actor
// implementation (actors/gateway/actor_backend) turns each call into a request to the
// block-store actor; calls block the calling HTTP connection thread, never an actor.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/block_io.hpp"
#include "storage/block_store.hpp"

namespace mantle {

// Blocks of one add. put() batches and writes in the background; commit() waits for every
// block, then records the root (pin) so a crash never leaves a pinned root half stored.
class add_session : public block_sink {
public:
  // Pins every root recursively when `pin` (the last pin also closes the session).
  virtual status commit(const std::vector<cid>& roots, bool pin, const std::string& name) = 0;
};

struct peer_info {
  std::string peer_id;
  std::string public_key_b64; // libp2p protobuf-encoded public key, base64 (Kubo's id output)
  std::vector<std::string> addresses;
  std::string agent_version;
};

class node_backend {
public:
  virtual ~node_backend() = default;
  virtual result<std::unique_ptr<add_session>> begin_add() = 0;
  virtual block_source& blocks() = 0; // safe to use from any HTTP thread
  virtual result<bool> has_block(const cid& c) = 0;
  virtual result<uint64_t> block_size(const cid& c) = 0;
  virtual status put_block(block b) = 0;
  virtual status remove_block(const cid& c) = 0;
  virtual status pin_add(const cid& c, pin_type t, const std::string& name) = 0;
  virtual status pin_rm(const cid& c, bool recursive) = 0;
  virtual result<std::vector<pin_info>> pin_ls(std::optional<pin_type> only,
                                               const std::vector<cid>& which) = 0;
  virtual result<gc_result> gc() = 0;
  virtual result<repo_stat> stat() = 0;
  virtual peer_info identity() = 0;
};

} // namespace mantle
