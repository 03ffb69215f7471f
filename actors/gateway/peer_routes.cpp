#include "actors/gateway/peer_routes.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>
#include <optional>

#include "actors/ask_named.hpp"
#include "messages/errors.hpp"
#include "messages/node_types.hpp"
#include "messages/peer.hpp"
#include "net/kubo_rpc.hpp"
#include "net/router.hpp"

namespace mantle {
namespace {

using json = nlohmann::json;

template <class T, class... Ts>
result<T> ask_peer(caf::actor_system& sys, std::chrono::seconds timeout, Ts&&... xs) {
  return ask_named<T>(sys, peer_actor_name, timeout, "the peer actor is not running", "", std::forward<Ts>(xs)...);
}

} // namespace

void add_peer_routes(router& routes, caf::actor_system& sys, peer_info me) {
  routes.add_rpc("swarm/peers", [&sys](http_request&, response_writer& w) -> void {
    auto peers = ask_peer<std::vector<peer_entry>>(sys, std::chrono::seconds(10), p_list_atom::value);
    if (!peers) {
      kubo::send_error(w, peers.err());
      return;
    }
    json list = json::array();
    for (auto& p : *peers)
      list.push_back(json{{"Addr", p.addr},
                          {"Peer", p.peer_id},
                          {"Latency", std::to_string(p.latency_ms) + "ms"},
                          {"Direction", p.inbound ? 1 : 2}}); // libp2p network.Direction
    kubo::send_json(w, json{{"Peers", list}});
  });
  routes.add_rpc("swarm/connect", [&sys](http_request& r, response_writer& w) -> void {
    auto args = r.query.args();
    if (args.empty()) {
      kubo::send_error(w, make_error(errc::invalid_input, "argument \"address\" is required"));
      return;
    }
    json strings = json::array();
    for (auto& a : args) {
      auto id = ask_peer<std::string>(sys, std::chrono::seconds(30), p_connect_atom::value, a);
      if (!id) {
        kubo::send_error(w, id.err().code == errc::invalid_input
                              ? id.err()
                              : make_error(id.err().code, id.err().message));
        return;
      }
      strings.push_back("connect " + *id + " success");
    }
    kubo::send_json(w, json{{"Strings", strings}});
  });
  routes.add_rpc("id", [&sys, me](http_request& r, response_writer& w) -> void {
    if (auto args = r.query.args(); !args.empty() && args.front() != me.peer_id) {
      kubo::send_error(w, make_error(errc::unsupported, "looking up other peers is not supported yet"));
      return;
    }
    auto addrs = ask_peer<std::vector<std::string>>(sys, std::chrono::seconds(5), p_addrs_atom::value);
    kubo::send_json(w, json{{"ID", me.peer_id},
                            {"PublicKey", me.public_key_b64},
                            {"Addresses", addrs ? *addrs : me.addresses},
                            {"AgentVersion", me.agent_version},
                            {"Protocols", json::array()}});
  });
}

} // namespace mantle
