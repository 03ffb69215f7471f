// The pinner actor with the real block-store actor under the real supervisor: a woken pinner
// pins what is present, keeps retrying what is missing on its timer, and a fault (restart)
// does not lose a request.
#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <thread>

#include "actors/block_store/block_store_actor.hpp"
#include "actors/pinning/pinner_actor.hpp"
#include "actors/supervisor/supervisor_actor.hpp"
#include "messages/block_store.hpp"
#include "messages/node_types.hpp"
#include "messages/pinner.hpp"
#include "storage/block_store.hpp"
#include "storage/multihash.hpp"
#include "storage/psa_store.hpp"
#include "storage/rfc3339.hpp"
#include "tests/temp_dir.hpp"
#include "tests/test_store.hpp"

using namespace mantle;

namespace {

block make_block(const std::string& text) { return block{cid{1, codec::raw, multihash::sha256(text)}, text}; }

struct pinner_fixture {
  test::temp_dir dir{"mantle-pinner"};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<block_store> store;
  std::shared_ptr<psa::psa_store> psa;
  caf::actor sup;

  pinner_fixture() {
    cfg.set("scheduler.max-threads", size_t{2});
    register_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    store = test::open_test_store(dir.path);
    auto p = psa::psa_store::open(dir.path + "/psa", false);
    REQUIRE(p);
    psa = std::move(*p);
    pinner_config pc;
    pc.options.retry_interval = std::chrono::milliseconds(20);
    pc.store = psa;
    pc.store_name = "blocks";
    pc.local_store = store;
    auto st = store;
    sup = spawn_supervisor(*sys, {{"blocks", [st](caf::actor_system& s) { return spawn_block_store_actor(s, st); }},
                                  {pinner_name, [pc](caf::actor_system& s) { return spawn_pinner(s, pc); }}});
  }
  ~pinner_fixture() {
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    sys->await_all_actors_done();
  }
  caf::actor pinner() { return caf::actor_cast<caf::actor>(sys->registry().get(caf::atom("pinner"))); }
  std::string queue(const cid& c) {
    psa::request_record r;
    r.cid = c.str();
    r.name = "actor-test";
    r.created_ms = now_unix_ms();
    auto stored = psa->create(r);
    REQUIRE(stored);
    return stored->requestid;
  }
  // Polls the persisted status (the pinner runs on its own thread); false if never reached.
  bool reaches(const std::string& id, psa::pin_status want) {
    for (int i = 0; i < 1000; ++i) {
      auto r = psa->get(id);
      REQUIRE(r);
      if (*r && (*r)->status == want)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  // Polls until `id` has been attempted at least `n` times; false if never.
  bool attempted(const std::string& id, uint32_t n) {
    for (int i = 0; i < 1000; ++i) {
      auto r = psa->get(id);
      REQUIRE(r);
      if (*r && (*r)->attempts >= n)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
};

} // namespace

TEST_CASE("the pinner actor pins on wake and retries missing blocks on its timer", "[actors][pinner]") {
  pinner_fixture f;
  auto present = make_block("present");
  auto later = make_block("later");
  REQUIRE(f.store->put_batch({present}));
  auto id1 = f.queue(present.cid);
  auto id2 = f.queue(later.cid);
  for (int i = 0; i < 500 && !f.pinner(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(f.pinner());
  caf::anon_send(f.pinner(), psa_wake_atom::value);
  CHECK(f.reaches(id1, psa::pin_status::pinned));
  CHECK(f.store->pins(pin_type::recursive, present.cid)->size() == 1);
  CHECK(f.reaches(id2, psa::pin_status::pinning));
  // The block is still missing, so only the timer can start a second attempt. (Waiting for
  // "pinning" alone is not enough: a pass marks a request pinning before it asks the store.)
  CHECK(f.attempted(id2, 2));

  // A crash of the pinner loses nothing: the restarted one picks the request up again.
  auto before = f.pinner();
  caf::anon_send(before, fault_atom::value);
  REQUIRE(f.store->put_batch({later}));
  CHECK(f.reaches(id2, psa::pin_status::pinned));
  CHECK(f.store->pins(pin_type::recursive, later.cid)->size() == 1);
}
