// The real block-store actor under the real supervisor: a fault makes it throw, the supervisor
// restarts it, and the node's HTTP-side backend keeps answering; past the restart limit the
// supervisor gives up and stops.
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <atomic>

#include "actors/block_store/block_store_actor.hpp"
#include "actors/gateway/actor_backend.hpp"
#include "actors/supervisor/supervisor_actor.hpp"
#include "messages/block_store.hpp"
#include "messages/node_types.hpp"
#include "storage/block_store.hpp"
#include "storage/multihash.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;

namespace {

struct node_fixture {
  test::temp_dir dir{"mantle-bsactor"};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<block_store> store;
  caf::actor sup;
  std::unique_ptr<node_backend> backend;

  explicit node_fixture(uint32_t restart_limit = 5) {
    cfg.set("scheduler.max-threads", size_t{2});
    register_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    auto opened = block_store::open(dir.path, store_options{});
    REQUIRE(opened);
    store = std::move(*opened);
    supervisor_options opts;
    opts.restart_limit = restart_limit;
    auto st = store;
    sup = spawn_supervisor(*sys, {{"blocks", [st](caf::actor_system& s) { return spawn_block_store_actor(s, st); }}}, opts);
    auto& system = *sys;
    backend = make_actor_backend(system, [&system] {
      return caf::actor_cast<caf::actor>(system.registry().get(caf::atom("blocks")));
    }, peer_info{});
  }

  caf::actor current() { return caf::actor_cast<caf::actor>(sys->registry().get(caf::atom("blocks"))); }

  ~node_fixture() {
    backend.reset();
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    sys->await_all_actors_done();
  }
};

block make_block(const std::string& text) { return block{cid{1, codec::raw, multihash::sha256(text)}, text}; }

} // namespace

TEST_CASE("a crashed block-store actor is restarted and the node keeps answering", "[actors][block_store]") {
  node_fixture node;
  auto b = make_block("survives a crash");
  REQUIRE(node.backend->put_block(b));
  for (int i = 0; i < 3; ++i) {
    caf::actor before;
    for (int t = 0; t < 500 && !before; ++t) {
      before = node.current();
      if (!before)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    REQUIRE(before);
    caf::anon_send(before, fault_atom::value);
    // The backend retries across the restart: the call succeeds with the committed data.
    auto got = node.backend->blocks().get(b.cid);
    REQUIRE(got);
    CHECK(*got == b.data);
    caf::actor after;
    for (int t = 0; t < 500 && (!after || after == before); ++t) {
      after = node.current();
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    CHECK(after != before);
  }
  auto st = node.backend->stat();
  REQUIRE(st);
  CHECK(st->num_objects == 1);
}

TEST_CASE("a write is not handed to a crashed incarnation still in the registry", "[actors][block_store]") {
  node_fixture node;
  // The registry can hold the dead incarnation for a moment while the supervisor restarts it.
  auto dead = node.sys->spawn([]() -> caf::behavior { return {[](int) {}}; });
  {
    caf::scoped_actor self{*node.sys};
    self->monitor(dead);
    caf::anon_send_exit(dead, caf::exit_reason::kill);
    self->receive([](caf::down_msg&) {});
  }
  std::atomic<int> calls{0};
  auto& system = *node.sys;
  auto backend = make_actor_backend(system, [&] {
    if (calls++ < 5)
      return dead;
    return caf::actor_cast<caf::actor>(system.registry().get(caf::atom("blocks")));
  }, peer_info{});
  // The batch is moved, not copied, into its one message: sent to the dead handle it would be
  // lost. The backend sees the handle is dead and waits for the live one instead.
  auto b = make_block("handed over exactly once");
  auto put = backend->put_block(b);
  REQUIRE(put);
  CHECK(calls > 5);
  auto got = node.store->get(b.cid);
  REQUIRE(got);
  CHECK(*got == b.data);
  backend.reset();
}

TEST_CASE("past the restart limit the supervisor stops with an escalation", "[actors][block_store]") {
  node_fixture node(2);
  caf::scoped_actor self{*node.sys};
  self->monitor(node.sup);
  caf::error reason;
  bool down = false;
  for (int crashes = 0; crashes < 10 && !down; ++crashes) {
    caf::actor a;
    for (int t = 0; t < 500 && !a; ++t) {
      a = node.current();
      if (!a)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (a)
      caf::anon_send(a, fault_atom::value);
    self->receive([&](caf::down_msg& dm) { down = true; reason = dm.reason; },
                  caf::after(std::chrono::milliseconds(200)) >> [] {});
  }
  REQUIRE(down);
  CHECK_FALSE(is_clean_shutdown(reason));
  CHECK(node.sys->render(reason).find("blocks") != std::string::npos);
}
