// The block exchange's fetch logic driven by hostile peers: any sequence of connects,
// disconnects, bans, haves, dont-haves, not-nows, blocks (asked for or not), drops and clock
// ticks, with small windows so the limits bind. Checked after every step: the windows hold,
// messages go only to connected peers, a block counts as wanted only from a peer we asked for
// it, and a want never fails while a connected peer that has it only said "not now".
#include <map>
#include <set>
#include "actors/exchange/want_engine.hpp"
#include "storage/multihash.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

void want_engine(std::string_view in) {
  using namespace mantle::exchange;
  engine_limits lim;
  lim.per_peer = 2;
  lim.total = 5;
  lim.have_per_peer = 3;
  lim.slow_after = std::chrono::milliseconds(100);
  exchange::want_engine e(lim);
  const std::string peers[] = {"pA", "pB", "pC", "pD"};
  std::vector<cid> cids;
  for (int i = 0; i < 8; ++i)
    cids.push_back(cid{1, codec::raw, multihash::sha256(std::string(1, static_cast<char>(i)))});
  auto now = clock::time_point{} + std::chrono::hours(1);
  std::set<std::pair<std::string, std::string>> asked_block; // (peer, mh) ever sent want-block
  std::set<std::string> wanted_ever;

  for (size_t i = 0; i + 1 < in.size(); i += 2) {
    unsigned op = static_cast<unsigned char>(in[i]) % 13;
    unsigned arg = static_cast<unsigned char>(in[i + 1]);
    const std::string& p = peers[arg % 4];
    const cid& c = cids[(arg / 4) % cids.size()];
    switch (op) {
    case 0: e.peer_up(p); break;
    case 1: e.peer_down(p); break;
    case 2: e.ban(p); break;
    case 3: {
      std::vector<std::string> hints;
      if (arg & 0x80)
        hints.push_back(peers[(arg + 1) % 4]);
      e.want(c, hints);
      wanted_ever.insert(c.mh);
      break;
    }
    case 4: e.drop(c); break;
    case 5: e.on_have(p, c); break;
    case 6: e.on_dont_have(p, c); break;
    case 7: {
      bool was_wanted = e.wanted(c);
      bool asked = asked_block.count({p, c.mh}) != 0;
      auto out = e.on_block(p, c);
      if (out.verdict != block_verdict::unrequested)
        check(asked, "a block counted as requested from a peer never sent want-block for it");
      if (out.verdict == block_verdict::wanted) {
        check(was_wanted, "a block nobody wanted counted as wanted");
        check(!e.wanted(c), "a wanted block that arrived is still wanted");
      }
      break;
    }
    case 8: now += std::chrono::milliseconds(arg); e.tick(now); break;
    case 11: e.on_not_now(p, c, now); break;
    case 9: {
      std::map<std::string, std::vector<std::string>> deferring;
      for (const auto& x : cids)
        deferring[x.mh] = e.deferring(x);
      for (const auto& m : e.take_outgoing(now)) {
        check(e.connected(m.peer) && !e.banned(m.peer), "a message to a peer that is not connected");
        check(!m.cids.empty(), "an empty message");
        if (m.kind == msg_kind::want_block)
          for (const auto& x : m.cids)
            asked_block.insert({m.peer, x.mh});
      }
      for (const auto& f : e.take_failures()) {
        check(wanted_ever.count(f.id.mh) != 0, "a failure for a block never wanted");
        check(deferring[f.id.mh].empty(), "a want failed while a connected peer that has it said not now");
      }
      break;
    }
    case 10:
      for (const auto& f : e.take_failures()) {
        check(wanted_ever.count(f.id.mh) != 0, "a failure for a block never wanted");
        check(!f.err.message.empty(), "a failure without a message");
      }
      break;
    default: now += std::chrono::seconds(arg); break;
    }
    size_t sum = 0;
    for (const auto& q : peers) {
      check(e.in_flight(q) <= lim.per_peer, "per-peer window exceeded");
      check(e.haves_in_flight(q) <= lim.have_per_peer, "per-peer want-have window exceeded");
      if (!e.connected(q))
        check(e.in_flight(q) == 0, "requests outstanding at a disconnected peer");
      sum += e.in_flight(q);
    }
    check(e.in_flight() == sum, "total in flight differs from the sum over peers");
    check(e.in_flight() <= lim.total, "total window exceeded");
  }
}

} // namespace mantle::fuzz
