#include <catch2/catch.hpp>

#include "config/options.hpp"
#include "config/peer_address.hpp"
#include "storage/identity.hpp"

using namespace mantle;
using namespace mantle::config;

TEST_CASE("peer addresses: host:port and multiaddrs", "[peer_address]") {
  auto a = parse_peer_address("10.0.0.2:4001");
  REQUIRE(a);
  CHECK(a->addr == host_port{"10.0.0.2", 4001});
  CHECK(a->peer_id.empty());
  CHECK(a->multiaddr() == "/ip4/10.0.0.2/tcp/4001");

  auto id = node_identity::generate().peer_id();
  auto m = parse_peer_address("/ip4/127.0.0.1/tcp/4002/p2p/" + id);
  REQUIRE(m);
  CHECK(m->addr == host_port{"127.0.0.1", 4002});
  CHECK(m->peer_id == id);
  CHECK(m->multiaddr() == "/ip4/127.0.0.1/tcp/4002/p2p/" + id);

  auto v6 = parse_peer_address("/ip6/::1/tcp/4003");
  REQUIRE(v6);
  CHECK(v6->addr.host == "::1");
  CHECK(v6->multiaddr() == "/ip6/::1/tcp/4003");
  auto dns = parse_peer_address("/dns4/node.example/tcp/4001");
  REQUIRE(dns);
  CHECK(dns->multiaddr() == "/dns/node.example/tcp/4001");
}

TEST_CASE("peer addresses: bad input gets a clear error", "[peer_address]") {
  for (const char* bad : {"", "nohost", "127.0.0.1:0", "/ip4/1.2.3.4/udp/4001", "/ip4/1.2.3.4/tcp",
                          "/ip4/1.2.3.4/tcp/99999", "/ip4/1.2.3.4/tcp/4001/p2p/notapeerid",
                          "/quic/1.2.3.4/tcp/1", "/ip4//tcp/4001"}) {
    INFO(bad);
    auto r = parse_peer_address(bad);
    REQUIRE_FALSE(r);
    CHECK(r.err().code == errc::invalid_input);
  }
}

TEST_CASE("peer options: defaults, bootstrap lists and the TLS switch", "[peer_address][options]") {
  auto d = resolve({}, {});
  REQUIRE(d);
  CHECK(d->peer_addr == host_port{"127.0.0.1", 4001});
  CHECK(d->bootstrap.empty());
  CHECK(d->peer_tls);

  auto cl = parse_command_line({"--bootstrap", "127.0.0.1:4002", "--bootstrap=/ip4/127.0.0.1/tcp/4003,127.0.0.1:4002",
                                "--peer-tls", "off", "--peer-addr", "0.0.0.0:0"});
  REQUIRE(cl);
  auto o = resolve({}, cl->values);
  REQUIRE(o);
  CHECK(o->bootstrap == std::vector<std::string>{"/ip4/127.0.0.1/tcp/4002", "/ip4/127.0.0.1/tcp/4003"});
  CHECK_FALSE(o->peer_tls);
  CHECK(o->peer_addr == host_port{"0.0.0.0", 0});

  auto bad = parse_command_line({"--peer-tls", "maybe"});
  REQUIRE(bad);
  auto r = resolve({}, bad->values);
  REQUIRE_FALSE(r);
  CHECK(r.err().message.find("--peer-tls") != std::string::npos);
  auto bad_boot = parse_command_line({"--bootstrap", "/ip4/1.2.3.4/tcp/1/p2p/xyz"});
  REQUIRE(bad_boot);
  CHECK_FALSE(resolve({}, bad_boot->values));
  CHECK(help_text("mantled").find("0.0.0.0") != std::string::npos);
}
