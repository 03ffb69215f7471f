#include "actors/exchange/exchange_client.hpp"

#include "actors/ask_named.hpp"
#include "messages/exchange.hpp"

namespace mantle {

bitswap_source exchange_client(caf::actor_system& sys, std::string name, std::chrono::milliseconds timeout) {
  return [&sys, name, timeout]() -> result<bitswap_status> {
    auto st = ask_named<exchange_status>(sys, name, timeout, "the block exchange is not running",
                                         "the block exchange did not answer: ", bitswap_atom::value);
    if (!st)
      return st.err();
    bitswap_status s;
    s.blocks_received = st->stats.blocks_received;
    s.data_received = st->stats.bytes_received;
    s.blocks_sent = st->stats.blocks_sent;
    s.data_sent = st->stats.bytes_sent;
    s.dup_blocks = st->stats.dup_blocks;
    s.dup_data = st->stats.dup_bytes;
    s.messages_received = st->stats.messages_received;
    s.rejected = st->stats.rejected;
    s.deferred = st->stats.deferred;
    s.peers = std::move(st->peers);
    s.wantlist = std::move(st->wantlist);
    return s;
  };
}

} // namespace mantle
