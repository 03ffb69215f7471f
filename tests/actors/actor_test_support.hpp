// Shared by the tests of real actors: an actor system with every Mantle message type
// registered, and an orderly stop of one actor.
#pragma once
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <memory>

#include "messages/node_types.hpp"

namespace mantle::test {

struct actor_system_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  actor_system_fixture() {
    cfg.set("scheduler.max-threads", size_t{2});
    register_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  ~actor_system_fixture() { sys->await_all_actors_done(); }
};

// Asks `a` to exit and waits until it is gone.
inline void stop(caf::scoped_actor& self, const caf::actor& a) {
  self->monitor(a);
  self->send_exit(a, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
}

} // namespace mantle::test
