// One exchange status with every field set, and routes that serve it, for the bitswap RPC and
// CLI tests.
#pragma once
#include "net/exchange_rpc.hpp"
#include "net/router.hpp"
#include "storage/multihash.hpp"

namespace mantle::test {

inline bitswap_status sample_bitswap_status() {
  bitswap_status s;
  s.blocks_received = 3;
  s.data_received = 300;
  s.blocks_sent = 5;
  s.data_sent = 500;
  s.dup_blocks = 1;
  s.dup_data = 100;
  s.messages_received = 12;
  s.peers = {"12D3KooWATZi2wFwQxQ14Z3q24TDNWKap6f8W5ryLE6Da4RMfsxy", "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"};
  s.wantlist = {cid{1, codec::raw, multihash::sha256("wanted")}};
  return s;
}

// bitswap/stat and bitswap/wantlist answering with the sample while `up` is true, and with
// the error of an exchange that is not running once it is false.
inline void add_sample_exchange_rpc(router& r, const bool& up) {
  add_exchange_rpc(r, [&up]() -> result<bitswap_status> {
    if (!up)
      return make_error(errc::unavailable, "the block exchange is not running");
    return sample_bitswap_status();
  });
}

} // namespace mantle::test
