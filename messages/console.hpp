// The remote actor console's interface (actors/console). The node publishes the "console"
// actor through the middleman on --console-addr; `mantle console HOST:PORT` connects with
// remote_actor and speaks this protocol. Atoms are in messages/node_types.hpp.
//
// Authentication (challenge-response, the admin key never crosses the wire):
//   (con_hello_atom)                                  -> std::string nonce (hex, 32 random bytes,
//                                                        valid 30 s, usable once)
//   (con_auth_atom, std::string nonce, std::string mac) -> std::string session token (hex, 32 random bytes)
//       mac = hex(HMAC-SHA256(admin key bytes, "mantle-console-v1:" + nonce)); a wrong or stale
//       mac is refused with errc::permission_denied and the attempt is logged.
// Every other request carries the session token; an unknown token is refused the same way.
//   (con_cmd_atom, std::string token, std::string line) -> console_reply
//       one command line as a person types it ("status", "tree", "send blocks stats", ...)
//   (con_watch_atom, std::string token, std::vector<std::string> kinds) -> ok
//       the sender receives every node_event (messages/events.hpp) whose kind is in `kinds`
//       (empty: all) until it unwatches, its session ends or it goes down
//   (con_unwatch_atom, std::string token) -> ok
#pragma once
#include <caf/meta/type_name.hpp>

#include <string>

namespace mantle {

constexpr const char* console_name = "console";

struct console_reply {
  bool ok = false;
  std::string json;  // the result as JSON (object or array); the client prints it as a table or raw
  std::string error; // when !ok: a message a person can act on
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, console_reply& x) {
  return f(caf::meta::type_name("mantle::console_reply"), x.ok, x.json, x.error);
}

} // namespace mantle
