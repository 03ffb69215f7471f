// Two peer actors in two actor systems (two CAF nodes in one process) over the plaintext
// middleman on loopback: handshake, peer_up with the remote exchange handle, misbehaviour
// (disconnect, ban, ledger cut), and a wrong /p2p/ id. TLS is covered by tests/cluster/peers.sh.
#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "actors/peer/peer_actor.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "messages/peer.hpp"

using namespace mantle;
using namespace std::chrono_literals;

namespace {

constexpr auto patience = 30s; // generous: the machine may be busy

struct test_node {
  node_identity id = node_identity::generate();
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> exchange; // stands in for the "exchange" actor
  std::unique_ptr<caf::scoped_actor> events;   // a console or plugin on the node event group
  caf::actor peer;

  test_node() {
    cfg.set("scheduler.max-threads", size_t{2});
    register_types(cfg);
    cfg.load<caf::io::middleman>();
    sys = std::make_unique<caf::actor_system>(cfg);
    exchange = std::make_unique<caf::scoped_actor>(*sys);
    sys->registry().put(caf::atom("exchange"), caf::actor_cast<caf::strong_actor_ptr>(*exchange));
    events = std::make_unique<caf::scoped_actor>(*sys);
    (*events)->join(sys->groups().get_local(node_event_group));
  }
  ~test_node() {
    sys->registry().erase(caf::atom("exchange"));
    caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
    exchange.reset();
    events.reset();
  }
  void start(std::vector<config::peer_address> bootstrap = {}) {
    peer_actor_config pc;
    pc.identity = &id;
    pc.listen = {"127.0.0.1", 0};
    pc.tls = false;
    pc.bootstrap = std::move(bootstrap);
    peer = spawn_peer_actor(*sys, pc);
  }
  // The listen multiaddr (with /p2p/), once the endpoint is published.
  std::string address() {
    caf::scoped_actor self{*sys};
    for (int i = 0; i < 600; ++i) {
      std::vector<std::string> out;
      self->request(peer, patience, p_addrs_atom::value).receive([&](std::vector<std::string>& v) { out = v; },
                                                                 [&](caf::error&) {});
      if (!out.empty())
        return out.front();
      std::this_thread::sleep_for(50ms);
    }
    FAIL("the peer endpoint was never published");
    return {};
  }
  std::string port() {
    auto a = address();
    auto tcp = a.find("/tcp/");
    return a.substr(tcp + 5, a.find('/', tcp + 5) - tcp - 5);
  }
};

peer_up expect_up(test_node& n) {
  peer_up out;
  bool got = false;
  (*n.exchange)->receive([&](peer_up& u) { out = u; got = true; },
                         caf::after(patience) >> [] {});
  REQUIRE(got);
  return out;
}

node_event expect_event(test_node& n, const std::string& kind) {
  node_event out;
  (*n.events)->receive_while([&] { return out.kind != kind; })([&](node_event& e) { out = e; },
                                                               caf::after(patience) >> [&] { out.kind = kind + "?"; });
  REQUIRE(out.kind == kind);
  return out;
}

peer_down expect_down(test_node& n) {
  peer_down out;
  bool got = false;
  (*n.exchange)->receive([&](peer_down& d) { out = d; got = true; },
                         caf::after(patience) >> [] {});
  REQUIRE(got);
  return out;
}

} // namespace

TEST_CASE("peer actors authenticate each other and hand over their exchange handles", "[peer_actor]") {
  test_node a, b;
  a.start();
  auto a_addr = a.address();
  auto boot = config::parse_peer_address(a_addr);
  REQUIRE(boot);
  b.start({*boot});

  auto up_at_a = expect_up(a);
  CHECK(up_at_a.peer_id == b.id.peer_id());
  REQUIRE(up_at_a.remote_exchange);
  CHECK(up_at_a.remote_exchange.node() == b.sys->node());
  CHECK(up_at_a.remote_exchange.id() == (*b.exchange)->id());
  auto up_at_b = expect_up(b);
  CHECK(up_at_b.peer_id == a.id.peer_id());
  REQUIRE(up_at_b.remote_exchange);
  CHECK(up_at_b.remote_exchange.id() == (*a.exchange)->id());
  CHECK_THAT(expect_event(a, "peer_up").text, Catch::Contains(b.id.peer_id()) && Catch::Contains("inbound"));

  // The exchange handles reach each other directly through the middleman.
  caf::anon_send(up_at_b.remote_exchange, ping_atom::value);
  bool pinged = false;
  (*a.exchange)->receive([&](ping_atom) { pinged = true; }, caf::after(patience) >> [] {});
  CHECK(pinged);

  caf::scoped_actor self{*a.sys};
  std::vector<peer_entry> list;
  self->request(a.peer, patience, p_list_atom::value).receive([&](std::vector<peer_entry>& v) { list = v; },
                                                              [&](caf::error&) {});
  REQUIRE(list.size() == 1);
  CHECK(list[0].peer_id == b.id.peer_id());
  CHECK(list[0].inbound);

  SECTION("a misbehaving peer is disconnected, banned and its credit cut") {
    caf::scoped_actor ledger{*a.sys};
    a.sys->registry().put(caf::atom("ledger"), caf::actor_cast<caf::strong_actor_ptr>(ledger));
    caf::anon_send(a.peer, peer_misbehaved_atom::value, b.id.peer_id(), std::string("sent a corrupt block"));
    std::string cut;
    ledger->receive([&](caf::atom_value what, const std::string& id) {
                      if (what == caf::atom("cut"))
                        cut = id;
                    },
                    caf::after(patience) >> [] {});
    CHECK(cut == b.id.peer_id());
    a.sys->registry().erase(caf::atom("ledger"));
    auto down_at_a = expect_down(a);
    CHECK(down_at_a.peer_id == b.id.peer_id());
    CHECK(down_at_a.reason.find("corrupt block") != std::string::npos);
    CHECK_THAT(expect_event(a, "peer_down").text, Catch::Contains(b.id.peer_id()) && Catch::Contains("corrupt block"));
    auto down_at_b = expect_down(b); // told by a bye
    CHECK(down_at_b.peer_id == a.id.peer_id());
    // While banned, b cannot come back.
    caf::scoped_actor asker{*b.sys};
    std::string failure;
    asker->request(b.peer, patience, p_connect_atom::value, a_addr)
      .receive([&](std::string&) {}, [&](caf::error& e) { failure = from_caf(e).message; });
    CHECK(failure.find("banned") != std::string::npos);
  }
}

TEST_CASE("a /p2p/ id the remote cannot prove is refused; so is this node itself", "[peer_actor]") {
  test_node a, b;
  a.start();
  b.start();
  auto wrong = "/ip4/127.0.0.1/tcp/" + a.port() + "/p2p/" + node_identity::generate().peer_id();
  caf::scoped_actor self{*b.sys};
  std::string failure;
  self->request(b.peer, patience, p_connect_atom::value, wrong)
    .receive([&](std::string&) {}, [&](caf::error& e) { failure = from_caf(e).message; });
  CHECK(failure.find("expected") != std::string::npos);

  failure.clear();
  self->request(b.peer, patience, p_connect_atom::value, "127.0.0.1:" + b.port())
    .receive([&](std::string&) {}, [&](caf::error& e) { failure = from_caf(e).message; });
  CHECK(failure.find("itself") != std::string::npos);

  std::string id;
  self->request(b.peer, patience, p_connect_atom::value, a.address())
    .receive([&](std::string& v) { id = v; }, [&](caf::error& e) { FAIL(from_caf(e).message); });
  CHECK(id == a.id.peer_id());
}
