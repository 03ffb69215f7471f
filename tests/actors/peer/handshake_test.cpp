#include <catch2/catch.hpp>

#include "actors/peer/handshake.hpp"

using namespace mantle;
using namespace mantle::handshake;

namespace {

struct pair_of_nodes {
  node_identity a = node_identity::generate(); // initiator
  node_identity b = node_identity::generate(); // responder
  session s{make_nonce(), make_nonce(), a.public_key(), b.public_key()};
};

} // namespace

TEST_CASE("both sides of an honest handshake verify and learn each other's peer id", "[handshake]") {
  pair_of_nodes p;
  auto welcome_sig = sign(p.b, role::responder, p.s);
  auto proof_sig = sign(p.a, role::initiator, p.s);
  auto b_seen_by_a = verify_remote(p.s, role::responder, welcome_sig, p.b.peer_id());
  REQUIRE(b_seen_by_a);
  CHECK(*b_seen_by_a == p.b.peer_id());
  auto a_seen_by_b = verify_remote(p.s, role::initiator, proof_sig);
  REQUIRE(a_seen_by_b);
  CHECK(*a_seen_by_b == p.a.peer_id());
}

TEST_CASE("a signature from another key is refused (peer id spoofing)", "[handshake]") {
  pair_of_nodes p;
  auto mallory = node_identity::generate();
  // Mallory claims b's key but can only sign with her own.
  auto forged = sign(mallory, role::responder, p.s);
  auto r = verify_remote(p.s, role::responder, forged);
  REQUIRE_FALSE(r);
  CHECK(r.err().message.find("does not verify") != std::string::npos);
}

TEST_CASE("a signature is bound to this connection's nonces", "[handshake]") {
  pair_of_nodes p;
  auto sig = sign(p.b, role::responder, p.s);
  session other = p.s;
  other.initiator_nonce = make_nonce(); // a new connection: a fresh challenge
  CHECK_FALSE(verify_remote(other, role::responder, sig));
  other = p.s;
  other.responder_nonce = make_nonce();
  CHECK_FALSE(verify_remote(other, role::responder, sig));
}

TEST_CASE("a relayed signature names the relay, not the victim", "[handshake]") {
  pair_of_nodes p;
  auto relay = node_identity::generate();
  // b signed for a session with the relay; the relay forwards it to a.
  session with_relay = p.s;
  with_relay.initiator_key = relay.public_key();
  auto sig = sign(p.b, role::responder, with_relay);
  CHECK(verify_remote(with_relay, role::responder, sig));
  CHECK_FALSE(verify_remote(p.s, role::responder, sig));
}

TEST_CASE("a signature cannot be replayed in the other role", "[handshake]") {
  pair_of_nodes p;
  auto sig = sign(p.b, role::responder, p.s);
  session swapped{p.s.initiator_nonce, p.s.responder_nonce, p.b.public_key(), p.a.public_key()};
  CHECK_FALSE(verify_remote(swapped, role::initiator, sig));
}

TEST_CASE("the wrong expected peer id is refused", "[handshake]") {
  pair_of_nodes p;
  auto sig = sign(p.b, role::responder, p.s);
  auto other = node_identity::generate();
  auto r = verify_remote(p.s, role::responder, sig, other.peer_id());
  REQUIRE_FALSE(r);
  CHECK(r.err().message.find("expected " + other.peer_id()) != std::string::npos);
}

TEST_CASE("a node connecting to itself is refused", "[handshake]") {
  auto me = node_identity::generate();
  session s{make_nonce(), make_nonce(), me.public_key(), me.public_key()};
  auto r = verify_remote(s, role::responder, sign(me, role::responder, s));
  REQUIRE_FALSE(r);
  CHECK(r.err().message.find("itself") != std::string::npos);
}

TEST_CASE("malformed handshake fields are refused", "[handshake]") {
  pair_of_nodes p;
  auto sig = sign(p.b, role::responder, p.s);
  session s = p.s;
  s.initiator_nonce = "short";
  CHECK_FALSE(verify_remote(s, role::responder, sig));
  s = p.s;
  s.responder_nonce = s.initiator_nonce;
  CHECK_FALSE(verify_remote(s, role::responder, sig));
  s = p.s;
  s.responder_key = "not a key";
  CHECK_FALSE(verify_remote(s, role::responder, sig));
  CHECK_FALSE(verify_remote(p.s, role::responder, sig.substr(1)));
  CHECK(make_nonce() != make_nonce());
}
