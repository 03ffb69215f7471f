#include "net/exchange_rpc.hpp"

#include "net/kubo_rpc.hpp"

namespace mantle {

namespace {

// Kubo encodes a cid.Cid in JSON as {"/": "<cid>"}.
nlohmann::json cid_links(const std::vector<cid>& cids) {
  auto out = nlohmann::json::array();
  for (const auto& c : cids)
    out.push_back({{"/", c.str()}});
  return out;
}

void stat_command(const bitswap_source& source, http_request&, response_writer& w) {
  auto s = source();
  if (!s) {
    kubo::send_error(w, s.err());
    return;
  }
  kubo::send_json(w, bitswap_stat_json(*s));
}

void wantlist_command(const bitswap_source& source, http_request& r, response_writer& w) {
  if (r.query.has("peer")) {
    kubo::send_error(w, make_error(errc::invalid_input,
                                   "bitswap/wantlist --peer is not supported: mantled does not keep its "
                                   "partners' wantlists as CIDs (see mantle/credit/ls for what each peer was sent)"));
    return;
  }
  auto s = source();
  if (!s) {
    kubo::send_error(w, s.err());
    return;
  }
  kubo::send_json(w, bitswap_wantlist_json(*s));
}

} // namespace

nlohmann::json bitswap_stat_json(const bitswap_status& s) {
  return {{"BlocksReceived", s.blocks_received},
          {"BlocksSent", s.blocks_sent},
          {"DataReceived", s.data_received},
          {"DataSent", s.data_sent},
          {"DupBlksReceived", s.dup_blocks},
          {"DupDataReceived", s.dup_data},
          {"MessagesReceived", s.messages_received},
          {"Peers", s.peers},
          {"ProvideBufLen", 0},
          {"Wantlist", cid_links(s.wantlist)}};
}

nlohmann::json bitswap_wantlist_json(const bitswap_status& s) { return {{"Keys", cid_links(s.wantlist)}}; }

std::vector<std::string> exchange_rpc_commands() { return {"bitswap/stat", "bitswap/wantlist"}; }

void add_exchange_rpc(router& routes, bitswap_source source) {
  routes.add_rpc("bitswap/stat", [source](http_request& r, response_writer& w) { stat_command(source, r, w); });
  routes.add_rpc("bitswap/wantlist", [source](http_request& r, response_writer& w) { wantlist_command(source, r, w); });
}

} // namespace mantle
