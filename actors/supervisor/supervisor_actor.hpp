// One-for-one supervisor. Children start in list order and stop in reverse order; a child that
// exits abnormally is restarted with a fresh handle; more than `restart_limit` restarts within
// `restart_window` (counted over all children, as Erlang/OTP does) means the fault is not
// transient: the supervisor stops every child and exits with an escalation reason.
//
// Adding a child is one line in the list mantled passes in:
//   children.push_back({"blocks", [&](caf::actor_system& sys) {
//     return sys.spawn<caf::detached>(block_store_actor, opts.data_dir); }});
// `start` runs on the supervisor's thread: it must only spawn, never block. Children that do
// blocking I/O (LMDB, disk, sockets) must be spawned with caf::detached.
//
// Clients find a child by name: the CAF registry (`sys.registry().get(caf::atom_from_string(
// name))`) or the request (whereis_atom, name) -> caf::actor (messages/supervisor.hpp). After a
// restart the old handle is dead: resolve again. A client's own down message can arrive before
// the supervisor's, so right after a crash a lookup may still return the dead handle; a request
// to it fails with request_receiver_down, and the client resolves once more.
//
// Stopping: send the supervisor an exit message (caf::anon_send_exit(sup,
// caf::exit_reason::user_shutdown)). It sends each child, last started first, an exit with
// user_shutdown and waits for its down message (up to `stop_timeout`, then kills it), so each
// child can flush and sync in its exit handler before the next one is asked. The supervisor
// then quits with the reason it was given. After an escalation it quits with a mantle error
// (category "mantle", code unavailable) whose message names the child and its last exit reason.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/actor_name.hpp" // valid_actor_name: what child names must be

namespace mantle {

struct child_spec {
  // Registry key and log name: 1 to 10 characters of [A-Za-z0-9_] (a CAF atom).
  std::string name;
  // Spawns the child and returns its handle; an invalid handle or an exception counts as a
  // failed start.
  std::function<caf::actor(caf::actor_system&)> start;
};

struct supervisor_options {
  uint32_t restart_limit = 5;
  std::chrono::milliseconds restart_window{10000};
  std::chrono::milliseconds stop_timeout{10000};
};

// Spawns the supervisor (event-based; it never blocks). Invalid or duplicate child names make
// it exit at once with an invalid_input escalation reason.
caf::actor spawn_supervisor(caf::actor_system& sys, std::vector<child_spec> children,
                            supervisor_options opts = {});

// True for the exit reasons a supervisor uses for a clean stop (normal, user_shutdown).
bool is_clean_shutdown(const caf::error& reason);

} // namespace mantle
