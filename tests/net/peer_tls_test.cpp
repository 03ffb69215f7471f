#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

#include "net/peer_tls.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;

TEST_CASE("a network CA issues node certificates that chain to it", "[peer_tls]") {
  test::temp_dir t;
  std::string net = t.path + "/net";
  REQUIRE(peer_tls::create_network_ca(net));
  struct stat st{};
  REQUIRE(::stat((net + "/ca.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 077) == 0);
  CHECK_FALSE(peer_tls::create_network_ca(net)); // never replaced

  REQUIRE(peer_tls::issue_node_certificate(net + "/ca.crt", net + "/ca.key", t.path + "/n/node.crt",
                                           t.path + "/n/node.key", "node a"));
  auto ok = peer_tls::signed_by(t.path + "/n/node.crt", net + "/ca.crt");
  REQUIRE(ok);
  CHECK(*ok);

  std::string other = t.path + "/other";
  REQUIRE(peer_tls::create_network_ca(other));
  auto no = peer_tls::signed_by(t.path + "/n/node.crt", other + "/ca.crt");
  REQUIRE(no);
  CHECK_FALSE(*no);
  // A CA key that does not belong to the certificate is refused.
  CHECK_FALSE(peer_tls::issue_node_certificate(net + "/ca.crt", other + "/ca.key", t.path + "/x.crt",
                                               t.path + "/x.key", "x"));
}

TEST_CASE("prepare: a default start creates a one-node network, then reuses it", "[peer_tls]") {
  test::temp_dir t;
  auto f = peer_tls::prepare({}, t.path, "12D3test");
  REQUIRE(f);
  CHECK(f->ca == t.path + "/tls/ca.crt");
  CHECK(f->note.find("one-node network CA") != std::string::npos);
  auto again = peer_tls::prepare({}, t.path, "12D3test");
  REQUIRE(again);
  CHECK(again->note.empty());
  CHECK(again->cert == f->cert);
}

TEST_CASE("prepare: a shared CA key issues the node's certificate; without it, a clear error", "[peer_tls]") {
  test::temp_dir t;
  std::string net = t.path + "/net";
  REQUIRE(peer_tls::create_network_ca(net));
  peer_tls::settings s{net + "/ca.crt", "", "", ""};
  auto missing = peer_tls::prepare(s, t.path + "/a", "id");
  REQUIRE_FALSE(missing);
  CHECK(missing.err().message.find("mantle tls issue") != std::string::npos);
  s.ca_key = net + "/ca.key";
  auto f = peer_tls::prepare(s, t.path + "/a", "id");
  REQUIRE(f);
  CHECK(f->ca == net + "/ca.crt");
  CHECK(*peer_tls::signed_by(f->cert, net + "/ca.crt"));

  // A node that first ran alone, then joins a network: its old certificate is re-issued.
  auto alone = peer_tls::prepare({}, t.path + "/b", "id");
  REQUIRE(alone);
  auto joined = peer_tls::prepare(s, t.path + "/b", "id");
  REQUIRE(joined);
  CHECK(*peer_tls::signed_by(joined->cert, net + "/ca.crt"));
  // Without the key the mismatch is an error, not a silent failure at connect time.
  auto alone2 = peer_tls::prepare({}, t.path + "/c", "id");
  REQUIRE(alone2);
  auto refused = peer_tls::prepare({net + "/ca.crt", "", "", ""}, t.path + "/c", "id");
  REQUIRE_FALSE(refused);
  CHECK(refused.err().message.find("not signed by the network CA") != std::string::npos);
  CHECK_FALSE(peer_tls::prepare({"", net + "/ca.key", "", ""}, t.path + "/d", "id"));
}
