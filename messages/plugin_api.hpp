// The ABI a Mantle plugin is built against (docs/plugins.md). A plugin is a shared object that
// exports one C function,
//
//   extern "C" const mantle_plugin_descriptor* mantle_plugin_entry(void);
//
// (write MANTLE_PLUGIN(name, version, spawn_fn) in one .cpp to define it). The node's plugin
// host (actors/plugin_host, registry name "plugins") dlopens the file, reads abi_version before
// any other field, then checks the CAF version and the name, and calls `spawn` with the node's
// context. The actor it returns is registered under the plugin's name, monitored and restarted
// with its own budget when it fails; a plugin never takes the node down by an exception or an
// error exit (a memory fault in its code still kills the process: it shares the address space).
//
// Rules:
// - abi_version must be MANTLE_PLUGIN_ABI_VERSION of the node's headers. It changes whenever
//   this header's structs or the meaning of their fields change; a mismatch is refused.
// - caf_version is CAF_VERSION of the headers the plugin was compiled with; it must equal the
//   node's (the plugin shares the node's libcaf_core and passes CAF objects across).
// - name: 1 to 10 characters of [A-Za-z0-9_] (a CAF atom); unique among the loaded plugins and
//   not the name of a node actor. version: free text ("1.2.0").
// - The descriptor and the strings it points to must live as long as the library (static).
// - spawn runs on the plugin host's thread: spawn and return, never block. Blocking work
//   (files, sockets) goes into caf::detached actors. Throwing or returning an invalid handle
//   counts as a failed start.
// - Plugins may use the message types of messages/*.hpp and the atoms of
//   messages/node_types.hpp; the node registers every one of them. A plugin that defines
//   message types of its own can only use them between its own actors, in this process.
// - The library is never unmapped (dlclose) while the node runs: CAF may still hold objects
//   whose code lives in it (actor vtables, message types, pending timeouts) after its actor is
//   gone. Unloading stops the actor; loading the same path again reuses the mapped code, so a
//   rebuilt plugin needs a node restart (or another file name).
#pragma once
#include <caf/actor.hpp>
#include <caf/config.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/group.hpp>
#include <caf/sec.hpp>

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <string>

// Bump on any change to mantle_plugin_descriptor or mantle::plugin_context.
#define MANTLE_PLUGIN_ABI_VERSION 1u

namespace mantle {

// What a plugin's spawn function is given. Valid only during the call: copy what you keep.
struct plugin_context {
  caf::actor_system& system;
  std::string name; // the plugin's name, as registered (its actor's registry key)
  // Current handle of a named node actor ("blocks", "validator", "market", "peer", another
  // plugin, ...) from the registry; an invalid handle when it is not running. Handles change
  // when actors restart: look up again after a down message or a failed request. Safe to copy
  // and call later from the plugin's actors.
  std::function<caf::actor(const std::string&)> lookup;
  // The node event group (messages/events.hpp: node_event on "mantle.events"); join it to
  // receive every event, send node_event to it to publish one.
  std::string event_group_name;
  caf::group events;
  // The plugin's section of the node config: `plugin.<name>.<key> = value` gives key -> value.
  std::map<std::string, std::string> config;
  std::string peer_id;  // this node's peer id (base58btc "12D3KooW...")
  std::string data_dir; // the node's data directory; keep plugin files under data_dir/plugins/<name>
  // Writes one line to the node's log under "plugin.<name>"; level is "error", "warning",
  // "info" or "debug". Thread-safe; safe to copy and call from the plugin's actors.
  std::function<void(const std::string& level, const std::string& text)> log;
};

// An exception handler that keeps the exception's text in the exit reason, so the host's
// plugin list (last_exit) and log say what went wrong; CAF's default keeps only the type.
// In a plugin actor: self->set_exception_handler(mantle::exception_text_reason);
inline caf::error exception_text_reason(caf::scheduled_actor*, std::exception_ptr& eptr) {
  try {
    std::rethrow_exception(eptr);
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, std::string(e.what()));
  } catch (...) {
    return caf::make_error(caf::sec::runtime_error, std::string("unknown exception"));
  }
}

} // namespace mantle

using mantle_plugin_spawn_fn = caf::actor (*)(const mantle::plugin_context&);

struct mantle_plugin_descriptor {
  uint32_t abi_version; // MANTLE_PLUGIN_ABI_VERSION; first, so any build can read it safely
  uint32_t caf_version; // CAF_VERSION the plugin was compiled with
  const char* name;
  const char* version;
  mantle_plugin_spawn_fn spawn;
};

extern "C" {
using mantle_plugin_entry_fn = const mantle_plugin_descriptor* (*)();
}

// Name of the entry point the host looks up with dlsym.
#define MANTLE_PLUGIN_ENTRY_SYMBOL "mantle_plugin_entry"

// Defines the entry point. Use once per plugin, at namespace scope:
//   MANTLE_PLUGIN("webhook", "1.0.0", spawn_webhook)
#define MANTLE_PLUGIN(NAME, VERSION, SPAWN)                                                          \
  extern "C" __attribute__((visibility("default"))) const mantle_plugin_descriptor*                 \
  mantle_plugin_entry(void) {                                                                        \
    static const mantle_plugin_descriptor descriptor{MANTLE_PLUGIN_ABI_VERSION, CAF_VERSION, NAME,   \
                                                     VERSION, SPAWN};                                \
    return &descriptor;                                                                              \
  }
