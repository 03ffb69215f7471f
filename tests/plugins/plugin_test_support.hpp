// Shared by the sample plugin tests: an actor system with a plugin host, and the path of the
// sample plugins CMake built.
#pragma once
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <optional>
#include <string>

#include "actors/plugin_host/plugin_host_actor.hpp"
#include "messages/errors.hpp"
#include "messages/node_types.hpp"
#include "messages/plugin.hpp"
#include "tests/actors/actor_test_support.hpp"

namespace mantle::test {

inline std::string sample_plugin(const std::string& file) { return std::string(MANTLE_PLUGIN_DIR) + "/" + file; }

struct plugin_host_fixture : actor_system_fixture {
  caf::scoped_actor self{*sys};
  caf::actor host = spawn_plugin_host(*sys, plugin_host_config{});
  ~plugin_host_fixture() { stop(self, host); }

  // plg_load: the info, or the error's text in `error`.
  std::optional<plugin_info> load(const std::string& path, std::map<std::string, std::string> config,
                                  std::string* error = nullptr) {
    std::optional<plugin_info> out;
    self->request(host, std::chrono::seconds(10), plg_load_atom::value, path, config)
      .receive([&](plugin_info& i) { out = i; },
               [&](caf::error& e) {
                 if (error)
                   *error = from_caf(e).message;
               });
    return out;
  }
  caf::actor lookup(const std::string& name) { return sys->registry().get<caf::actor>(caf::atom_from_string(name)); }
};

} // namespace mantle::test
