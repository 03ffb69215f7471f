#include "actors/exchange/exchange_client.hpp"

#include <caf/all.hpp>

#include "messages/errors.hpp"
#include "messages/exchange.hpp"

namespace mantle {

bitswap_source exchange_client(caf::actor_system& sys, std::string name, std::chrono::milliseconds timeout) {
  return [&sys, name, timeout]() -> result<bitswap_status> {
    auto exchange = caf::actor_cast<caf::actor>(sys.registry().get(caf::atom_from_string(name)));
    if (!exchange)
      return make_error(errc::unavailable, "the block exchange is not running");
    std::optional<result<bitswap_status>> out;
    caf::scoped_actor self{sys};
    self->request(exchange, timeout, bitswap_atom::value)
      .receive(
        [&](exchange_status& st) {
          bitswap_status s;
          s.blocks_received = st.stats.blocks_received;
          s.data_received = st.stats.bytes_received;
          s.blocks_sent = st.stats.blocks_sent;
          s.data_sent = st.stats.bytes_sent;
          s.dup_blocks = st.stats.dup_blocks;
          s.dup_data = st.stats.dup_bytes;
          s.messages_received = st.stats.messages_received;
          s.rejected = st.stats.rejected;
          s.deferred = st.stats.deferred;
          s.peers = std::move(st.peers);
          s.wantlist = std::move(st.wantlist);
          out.emplace(std::move(s));
        },
        [&](caf::error& e) {
          out.emplace(e.category() == caf::atom("mantle")
                        ? from_caf(e)
                        : make_error(errc::unavailable, "the block exchange did not answer: " + sys.render(e)));
        });
    return std::move(*out);
  };
}

} // namespace mantle
