#include <catch2/catch.hpp>
#include "tests/temp_dir.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/identity.hpp"
#include "storage/multibase.hpp"
#include "storage/repo_lock.hpp"

using namespace mantle;

namespace {

std::string unhex(const std::string& h) { return *multibase::base16_decode(h); }
std::string hex(const std::string& b) { return multibase::base16_encode(b); }

// libp2p specs, peer-ids/peer-ids.md "Test vectors": Ed25519 private and public key protobufs.
const std::string spec_private_pb =
    "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"
    "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
const std::string spec_public_pb = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
// The same key's peer ID as go-libp2p prints it (go-libp2p's http auth tests use this key).
const std::string spec_peer_id = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";

void write_file(const std::string& path, const std::string& bytes, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

} // namespace

TEST_CASE("libp2p spec Ed25519 vector gives the known peer ID", "[storage][identity]") {
  auto id = node_identity::from_private_key_protobuf(unhex(spec_private_pb));
  REQUIRE(id.ok());
  CHECK(hex(id->public_key_protobuf()) == spec_public_pb);
  CHECK(hex(id->private_key_protobuf()) == spec_private_pb);
  CHECK(id->peer_id() == spec_peer_id);
  CHECK(hex(id->peer_id_multihash()) == "0024" + spec_public_pb); // identity multihash, 36 bytes
  CHECK(id->peer_id_cid().substr(0, 3) == "k51");
  // The same peer ID as a base32 CIDv1 (libp2p-key), as other libp2p implementations print it.
  CHECK(peer_id::to_cid(id->peer_id_multihash(), 'b') == "bafzaajaiaejcahwr5d5ofrfbis4l5d6uwr57hu5tjodrypfm6yaq6dsc2r2pzyt6");
  auto from_seed = node_identity::from_seed(unhex("7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"));
  REQUIRE(from_seed.ok());
  CHECK(from_seed->peer_id() == spec_peer_id);
}

TEST_CASE("peer ID base58 and base36 CID forms convert both ways", "[storage][identity]") {
  // Pair from libp2p specs tls/autotls-client.md.
  const std::string b58 = "12D3KooWATZi2wFwQxQ14Z3q24TDNWKap6f8W5ryLE6Da4RMfsxy";
  const std::string b36 = "k51qzi5uqu5dgf513xbrfjl4smgo2eh1x8p8y6grzsf1oz0reiy56p65tds3s6";
  auto mh = peer_id::parse(b58);
  REQUIRE(mh.ok());
  CHECK(peer_id::to_cid(*mh) == b36);
  auto back = peer_id::parse(b36);
  REQUIRE(back.ok());
  CHECK(*back == *mh);
  CHECK(peer_id::to_base58(*back) == b58);
  CHECK_FALSE(peer_id::parse("").ok());
  CHECK_FALSE(peer_id::parse("12D3KooW0OIl").ok()); // not base58
  // A CID that is not libp2p-key is not a peer ID.
  CHECK_FALSE(peer_id::parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku").ok());
}

TEST_CASE("Ed25519 signatures match RFC 8032 and verify", "[storage][identity]") {
  // RFC 8032 section 7.1, TEST 1 (empty message).
  auto id = node_identity::from_seed(unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  REQUIRE(id.ok());
  CHECK(hex(id->public_key()) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = id->sign("");
  CHECK(hex(sig) == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(node_identity::verify(id->public_key(), "", sig));
  CHECK_FALSE(node_identity::verify(id->public_key(), "x", sig));
  CHECK_FALSE(node_identity::verify(id->public_key(), "", sig.substr(1)));
  auto fresh = node_identity::generate();
  CHECK(node_identity::verify(fresh.public_key(), "hello", fresh.sign("hello")));
  CHECK(fresh.peer_id().substr(0, 8) == "12D3KooW");
  CHECK(fresh.peer_id() != id->peer_id());
}

TEST_CASE("key protobuf parsing rejects malformed keys", "[storage][identity]") {
  auto priv = unhex(spec_private_pb);
  CHECK_FALSE(node_identity::from_private_key_protobuf(priv.substr(0, 40)).ok());
  std::string wrong_type = priv;
  wrong_type[1] = 2; // secp256k1
  CHECK(node_identity::from_private_key_protobuf(wrong_type).err().code == errc::unsupported);
  std::string wrong_pub = priv;
  wrong_pub.back() ^= 1;
  CHECK(node_identity::from_private_key_protobuf(wrong_pub).err().code == errc::corrupt);
  CHECK_FALSE(node_identity::from_seed("short").ok());
}

TEST_CASE("identity file is created 0600 once and loaded afterwards", "[storage][identity]") {
  mantle::test::temp_dir dir{"mantle-id"};
  std::string path = dir.path + "/identity.key";
  ::umask(0); // creation must not rely on the umask to hide the key
  bool created = false;
  auto first = node_identity::load_or_create(path, &created);
  ::umask(022);
  REQUIRE(first.ok());
  CHECK(created);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 68);
  auto second = node_identity::load_or_create(path, &created);
  REQUIRE(second.ok());
  CHECK_FALSE(created);
  CHECK(second->peer_id() == first->peer_id());
  CHECK(first->save_new(path).err().code == errc::conflict); // never overwritten
}

TEST_CASE("identity file with wrong permissions, size or type is refused", "[storage][identity]") {
  mantle::test::temp_dir dir{"mantle-id"};
  std::string path = dir.path + "/identity.key";
  auto priv = unhex(spec_private_pb);

  write_file(path, priv, 0644);
  auto r = node_identity::load_or_create(path);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.err().message, Catch::Contains("mode 0644") && Catch::Contains("chmod 600"));

  write_file(path, priv.substr(0, 67), 0600);
  r = node_identity::load(path);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.err().message, Catch::Contains("67 bytes, expected 68"));

  write_file(path, priv, 0600);
  CHECK(node_identity::load(path)->peer_id() == spec_peer_id);

  std::string link = dir.path + "/link.key";
  REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
  r = node_identity::load(link);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.err().message, Catch::Contains("symbolic link"));

  r = node_identity::load(dir.path); // a directory
  REQUIRE_FALSE(r.ok());
  CHECK(node_identity::load(dir.path + "/missing.key").err().code == errc::not_found);
}

TEST_CASE("repo lock excludes a second holder until released", "[storage][lock]") {
  mantle::test::temp_dir dir{"mantle-id"};
  std::string data = dir.path + "/a/b";
  auto first = repo_lock::acquire(data);
  REQUIRE(first.ok());
  auto second = repo_lock::acquire(data);
  REQUIRE_FALSE(second.ok());
  CHECK(second.err().code == errc::conflict);
  CHECK_THAT(second.err().message, Catch::Contains("in use by another mantled"));
  { auto moved = std::move(*first); } // releasing closes the descriptor
  CHECK(repo_lock::acquire(data).ok());
}
