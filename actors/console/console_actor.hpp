// The remote console (registry name "console"): an actor published through the middleman on
// --console-addr that operators reach with `mantle console HOST:PORT`. The protocol is in
// messages/console.hpp; authentication (challenge-response over the admin key, sessions) in
// console_auth.hpp; the command language in console_command.hpp.
//
// The actor itself only checks sessions, keeps the event watchers and hands each command line
// to a detached worker that asks the node's actors (blocking requests with timeouts, so a slow
// actor never stalls the console) and answers the client directly.
#pragma once
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace mantle {

namespace console {
class console_auth;
}

struct console_actor_config {
  std::string host = "127.0.0.1";
  uint16_t port = 0; // 0: a free port, kept by later incarnations (bound_port)
  std::shared_ptr<uint16_t> bound_port = std::make_shared<uint16_t>(0);
  // Sessions and nonces, shared by every incarnation so a restart of the console keeps them.
  std::shared_ptr<console::console_auth> auth;
  // What `status` reports.
  std::string peer_id;
  std::string version;
  std::string data_dir;
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  // How long a command waits for one actor's answer, and for a mailbox probe.
  std::chrono::milliseconds ask_timeout{10000};
  std::chrono::milliseconds probe_timeout{500};
  std::chrono::milliseconds restart_timeout{30000};
};

// Spawns the console; it publishes itself and logs "console listening on HOST:PORT".
caf::actor spawn_console_actor(caf::actor_system& sys, console_actor_config cfg);

} // namespace mantle
