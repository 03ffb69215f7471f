// The block-store proxy in one process: as a relay it forwards every block-store request to
// the supervised "blocks" actor and follows it across restarts; in remote mode with nothing
// listening it answers at once with "block store unavailable" and keeps retrying instead of
// exiting. The cross-process path (middleman, SIGKILL, reconnect) is
// tests/cluster/remote_block_store.sh.
#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include <thread>

#include "actors/block_store/block_store_actor.hpp"
#include "actors/block_store/block_store_proxy.hpp"
#include "actors/gateway/actor_backend.hpp"
#include "actors/supervisor/supervisor_actor.hpp"
#include "messages/block_store.hpp"
#include "messages/errors.hpp"
#include "messages/node_types.hpp"
#include "storage/block_store.hpp"
#include "storage/multihash.hpp"
#include "tests/net/free_port.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace std::chrono_literals;

namespace {

block make_block(const std::string& text) { return block{cid{1, codec::raw, multihash::sha256(text)}, text}; }

struct relay_fixture {
  test::temp_dir dir{"mantle-bsproxy"};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor sup;
  std::unique_ptr<node_backend> backend; // talks only to the relay, never to "blocks" itself

  relay_fixture() {
    cfg.set("scheduler.max-threads", size_t{2});
    register_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    auto opened = block_store::open(dir.path, store_options{});
    REQUIRE(opened);
    std::shared_ptr<block_store> store = std::move(*opened);
    block_store_proxy_config relay;
    relay.local_name = "blocks";
    sup = spawn_supervisor(*sys, {{"blocks", [store](caf::actor_system& s) { return spawn_block_store_actor(s, store); }},
                                  {"relay", [relay](caf::actor_system& s) { return spawn_block_store_proxy(s, relay); }}});
    backend = make_actor_backend(*sys, registry_resolver(*sys, "relay"), peer_info{});
  }
  caf::actor get(const char* name) {
    caf::actor a;
    for (int t = 0; t < 500 && !a; ++t) {
      a = caf::actor_cast<caf::actor>(sys->registry().get(caf::atom_from_string(name)));
      if (!a)
        std::this_thread::sleep_for(2ms);
    }
    return a;
  }
  ~relay_fixture() {
    backend.reset();
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    sys->await_all_actors_done();
  }
};

} // namespace

TEST_CASE("the relay forwards every block-store request", "[remote][actors]") {
  relay_fixture f;
  auto& b = *f.backend;
  auto a = make_block("through the relay");
  REQUIRE(b.put_block(a));
  auto got = b.blocks().get(a.cid);
  REQUIRE(got);
  CHECK(*got == a.data);
  CHECK(*b.has_block(a.cid));
  CHECK(*b.block_size(a.cid) == a.data.size());
  REQUIRE(b.pin_add(a.cid, pin_type::direct, "named"));
  auto pins = b.pin_ls(std::nullopt, {});
  REQUIRE(pins);
  REQUIRE(pins->size() == 1);
  CHECK(pins->front().name == "named");
  auto st = b.stat();
  REQUIRE(st);
  CHECK(st->num_objects == 1);
  REQUIRE(b.pin_rm(a.cid, false));
  REQUIRE(b.remove_block(a.cid));
  CHECK_FALSE(*b.has_block(a.cid));
  // The store's own errors come back unchanged (not turned into "unavailable").
  auto missing = b.blocks().get(make_block("never stored").cid);
  REQUIRE_FALSE(missing);
  CHECK(missing.err().code == errc::not_found);

  // An add session of two 4 MiB blocks in one batch message.
  auto session = b.begin_add();
  REQUIRE(session);
  auto big1 = make_block(std::string(4u << 20, 'x'));
  auto big2 = make_block(std::string(4u << 20, 'y'));
  REQUIRE((*session)->put(big1));
  REQUIRE((*session)->put(big2));
  REQUIRE((*session)->commit({big1.cid}, true, ""));
  CHECK(b.blocks().get(big2.cid)->size() == (4u << 20));
}

TEST_CASE("the relay follows a restarted store", "[remote][actors]") {
  relay_fixture f;
  auto a = make_block("survives a crash behind the relay");
  REQUIRE(f.backend->put_block(a));
  auto relay = f.get("relay");
  for (int i = 0; i < 3; ++i) {
    auto before = f.get("blocks");
    REQUIRE(before);
    caf::anon_send(before, fault_atom::value);
    auto got = f.backend->blocks().get(a.cid); // retried across the restart
    REQUIRE(got);
    CHECK(*got == a.data);
  }
  CHECK(f.get("relay") == relay); // the relay itself never restarts
}

TEST_CASE("a proxy whose remote store is unreachable fails fast and keeps retrying", "[remote][actors]") {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  register_types(cfg);
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  block_store_proxy_config pc;
  pc.remote_host = "127.0.0.1";
  pc.remote_port = test::free_port(); // nothing listens there
  pc.first_retry = 5ms;
  pc.max_retry = 20ms;
  auto proxy = spawn_block_store_proxy(sys, pc);
  caf::scoped_actor self{sys};
  self->monitor(proxy);
  auto c = make_block("x").cid;
  for (int i = 0; i < 20; ++i) {
    std::optional<error> err;
    self->request(proxy, 10s, blk_get_atom::value, c)
      .receive([&](std::string&) { FAIL("a block from nowhere"); },
               [&](caf::error& e) { err = from_caf(e); });
    REQUIRE(err);
    CHECK(err->code == errc::unavailable);
    CHECK(err->message.rfind(block_store_unavailable, 0) == 0);
    CHECK(err->message.find("127.0.0.1:" + std::to_string(pc.remote_port)) != std::string::npos);
    std::this_thread::sleep_for(10ms);
  }
  std::string status;
  self->request(proxy, 10s, stats_atom::value).receive([&](std::string& s) { status = s; }, [&](caf::error&) {});
  CHECK(status.find("unreachable") != std::string::npos);
  CHECK(status.find("retrying") != std::string::npos);
  // Still alive after many failed attempts: no down message.
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(50ms) >> [] {});
  CHECK_FALSE(down);
  caf::anon_send_exit(proxy, caf::exit_reason::user_shutdown);
}

#include "storage/unixfs_exporter.hpp"
#include "storage/unixfs_importer.hpp"

namespace {

// A deep DAG (tiny chunks, four links per node) with repeated leaves, stored through `b`.
cid store_file(node_backend& b, const std::string& bytes) {
  unixfs::import_options opt;
  opt.chunk_size = 1000;
  opt.width = 4;
  auto session = b.begin_add();
  REQUIRE(session);
  auto r = unixfs::import_bytes(**session, opt, bytes);
  REQUIRE(r);
  REQUIRE((*session)->commit(std::vector<cid>{r->root}, true, ""));
  return r->root;
}

std::string read_range(node_backend& b, const cid& c, uint64_t offset, std::optional<uint64_t> length) {
  std::string out;
  auto s = unixfs::cat(b.blocks(), c, offset, length, [&](std::string_view v) -> status {
    out.append(v);
    return {};
  });
  REQUIRE(s);
  return out;
}

std::string pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    // Every fourth kilobyte is zeros, so the DAG repeats a leaf.
    s[i] = (i / 1000) % 4 == 0 ? '\0' : static_cast<char>(seed >> 24);
  }
  return s;
}

} // namespace

TEST_CASE("reads through messages with readahead return exactly the file's bytes", "[remote][actors]") {
  relay_fixture f;
  auto& b = *f.backend;
  auto one = pattern(150000, 1);
  auto two = pattern(90000, 2);
  auto c1 = store_file(b, one);
  auto c2 = store_file(b, two);
  CHECK(read_range(b, c1, 0, std::nullopt) == one);
  CHECK(read_range(b, c1, 12345, 54321) == one.substr(12345, 54321));
  // A read abandoned early (announced blocks left over), then other reads on the same thread.
  CHECK(read_range(b, c1, 0, 10) == one.substr(0, 10));
  CHECK(read_range(b, c2, 0, std::nullopt) == two);
  CHECK(read_range(b, c1, 149000, std::nullopt) == one.substr(149000));
  // Two threads reading at once each get their own readahead.
  std::string r1, r2;
  bool ok1 = false; // Catch2 assertions are not thread-safe: checked after join
  std::thread t([&] {
    ok1 = bool(unixfs::cat(b.blocks(), c1, 0, std::nullopt, [&](std::string_view v) -> status {
      r1.append(v);
      return {};
    }));
  });
  r2 = read_range(b, c2, 0, std::nullopt);
  t.join();
  CHECK(ok1);
  CHECK(r1 == one);
  CHECK(r2 == two);
}
