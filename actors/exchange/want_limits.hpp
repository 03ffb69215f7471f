// How much one peer may ask of this node at once. Everything in a want message comes from the
// network, so the serving side bounds it before doing any work: one message names at most
// `max_cids` CIDs, and at most `max_pending` of a peer's want-haves / want-blocks are being
// answered at a time. An over-limit message is dropped whole (with a logged reason) rather
// than partly served: the sender is not one of ours, since our want engine never sends more
// than `max_cids` in one message and keeps far fewer requests outstanding per peer.
// Pure logic: no CAF.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "actors/exchange/want_engine.hpp"

namespace mantle::exchange {

struct want_limits {
  size_t max_cids = 512;    // per want_have / want_block / cancel message
  size_t max_pending = 2048; // want-haves plus want-blocks of one peer being answered
};

// Empty when a `kind` message naming `cids` CIDs may be served to a peer that already has
// `pending` requests being answered; otherwise the reason it is dropped, for the log.
std::string refuse_reason(msg_kind kind, size_t cids, size_t pending, const want_limits& lim);

// Splits `cids` into messages of at most `max_cids` each (at least one CID per message).
std::vector<std::vector<cid>> split_cids(std::vector<cid> cids, size_t max_cids);

} // namespace mantle::exchange
