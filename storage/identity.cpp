#include "storage/identity.hpp"

#include <botan/auto_rng.h>
#include <botan/ed25519.h>
#include <botan/pubkey.h>
#include <botan/system_rng.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/cid.hpp"
#include "storage/multibase.hpp"
#include "storage/multihash.hpp"
#include "storage/protobuf.hpp"

namespace mantle {

namespace {

constexpr uint64_t key_type_ed25519 = 1; // libp2p crypto.proto KeyType
constexpr size_t max_inline_key = 42;    // peer-ids spec: longer keys are sha2-256 hashed

std::string sys_error(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

std::string key_protobuf(std::string_view data) {
  std::string out;
  pb::put_varint(out, 1, key_type_ed25519);
  pb::put_bytes(out, 2, data);
  return out;
}

// Parses {1: type, 2: data} with exactly these two fields, the way go-libp2p writes them.
result<std::string> parse_key_protobuf(std::string_view bytes, const char* what) {
  bool have_type = false, have_data = false;
  uint64_t type = 0;
  std::string_view data;
  while (!bytes.empty()) {
    auto f = pb::read_field(bytes, what);
    if (!f)
      return f.err();
    if (f->number == 1 && f->type == pb::varint_type && !have_type) {
      type = f->value;
      have_type = true;
    } else if (f->number == 2 && f->type == pb::length_delimited && !have_data) {
      data = f->bytes;
      have_data = true;
    } else {
      return make_error(errc::invalid_input, std::string(what) + ": unexpected field " + std::to_string(f->number));
    }
  }
  if (!have_type || !have_data)
    return make_error(errc::invalid_input, std::string(what) + ": missing key type or key data");
  if (type != key_type_ed25519)
    return make_error(errc::unsupported, std::string(what) + ": key type " + std::to_string(type) +
                                             " is not Ed25519 (1)");
  return std::string(data);
}

Botan::Ed25519_PrivateKey botan_key(const std::string& seed) {
  Botan::secure_vector<uint8_t> s(seed.begin(), seed.end());
  return Botan::Ed25519_PrivateKey(s);
}

std::string public_from_seed(const std::string& seed) {
  auto pub = botan_key(seed).get_public_key();
  return std::string(pub.begin(), pub.end());
}

} // namespace

node_identity node_identity::generate() {
  Botan::System_RNG rng;
  Botan::Ed25519_PrivateKey key(rng);
  auto priv = key.get_private_key(); // seed || public key
  std::string seed(priv.begin(), priv.begin() + seed_size);
  auto pub = key.get_public_key();
  return node_identity(std::move(seed), std::string(pub.begin(), pub.end()));
}

result<node_identity> node_identity::from_seed(std::string_view seed) {
  if (seed.size() != seed_size)
    return make_error(errc::invalid_input, "Ed25519 seed must be 32 bytes, got " + std::to_string(seed.size()));
  std::string s(seed);
  auto pub = public_from_seed(s);
  return node_identity(std::move(s), std::move(pub));
}

result<node_identity> node_identity::from_private_key_protobuf(std::string_view bytes) {
  auto data = parse_key_protobuf(bytes, "private key");
  if (!data)
    return data.err();
  if (data->size() != seed_size + public_key_size)
    return make_error(errc::invalid_input, "private key: Ed25519 key data must be 64 bytes, got " +
                                               std::to_string(data->size()));
  auto id = from_seed(std::string_view(*data).substr(0, seed_size));
  if (!id)
    return id.err();
  if (id->public_key_ != data->substr(seed_size))
    return make_error(errc::corrupt, "private key: stored public key does not belong to the seed");
  return id;
}

std::string node_identity::private_key_protobuf() const { return key_protobuf(seed_ + public_key_); }
std::string node_identity::public_key_protobuf() const { return key_protobuf(public_key_); }
std::string node_identity::peer_id_multihash() const { return peer_id::from_ed25519(public_key_); }
std::string node_identity::peer_id() const { return peer_id::to_base58(peer_id_multihash()); }
std::string node_identity::peer_id_cid() const { return peer_id::to_cid(peer_id_multihash()); }

std::string node_identity::sign(std::string_view message) const {
  Botan::System_RNG rng; // Ed25519 signing is deterministic; the RNG is unused but required
  auto key = botan_key(seed_);
  Botan::PK_Signer signer(key, rng, "Pure");
  auto sig = signer.sign_message(reinterpret_cast<const uint8_t*>(message.data()), message.size(), rng);
  return std::string(sig.begin(), sig.end());
}

bool node_identity::verify(std::string_view public_key, std::string_view message, std::string_view signature) {
  if (public_key.size() != public_key_size || signature.size() != signature_size)
    return false;
  Botan::Ed25519_PublicKey key(std::vector<uint8_t>(public_key.begin(), public_key.end()));
  Botan::PK_Verifier verifier(key, "Pure");
  return verifier.verify_message(reinterpret_cast<const uint8_t*>(message.data()), message.size(),
                                 reinterpret_cast<const uint8_t*>(signature.data()), signature.size());
}

result<node_identity> node_identity::load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return make_error(errc::not_found, "identity key '" + path + "' does not exist");
    if (errno == ELOOP)
      return make_error(errc::invalid_input, "identity key '" + path + "' is a symbolic link; refusing it");
    return make_error(errc::io_error, sys_error("cannot open identity key", path));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    auto e = make_error(errc::io_error, sys_error("cannot stat identity key", path));
    ::close(fd);
    return e;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(errc::invalid_input, "identity key '" + path + "' is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error(errc::invalid_input, "identity key '" + path + "' has mode " + mode +
                                               "; it must be readable by its owner only (chmod 600 it)");
  }
  if (st.st_size != static_cast<off_t>(key_file_size)) {
    ::close(fd);
    return make_error(errc::corrupt, "identity key '" + path + "' is " + std::to_string(st.st_size) +
                                         " bytes, expected " + std::to_string(key_file_size) +
                                         "; it is damaged or not a Mantle key");
  }
  std::string bytes(key_file_size, '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto e = make_error(errc::io_error, sys_error("cannot read identity key", path));
      ::close(fd);
      return e;
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  auto id = from_private_key_protobuf(bytes);
  if (!id)
    return make_error(id.err().code, "identity key '" + path + "': " + id.err().message);
  return id;
}

status node_identity::save_new(const std::string& path) const {
  // O_EXCL with mode 0600: the secret is never readable by others, not even between creation
  // and a chmod, and an existing key is never overwritten.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return make_error(errc::conflict, "identity key '" + path + "' already exists; not overwriting it");
    return make_error(errc::io_error, sys_error("cannot create identity key", path));
  }
  std::string bytes = private_key_protobuf();
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto e = make_error(errc::io_error, sys_error("cannot write identity key", path));
      ::close(fd);
      ::unlink(path.c_str()); // a partial key would be refused on the next start anyway
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto e = make_error(errc::io_error, sys_error("cannot sync identity key", path));
    ::close(fd);
    ::unlink(path.c_str());
    return e;
  }
  ::close(fd);
  return status::success();
}

result<node_identity> node_identity::load_or_create(const std::string& path, bool* created) {
  if (created)
    *created = false;
  auto id = load(path);
  if (id || id.err().code != errc::not_found)
    return id;
  auto fresh = generate();
  if (auto st = fresh.save_new(path); !st)
    return st.err();
  if (created)
    *created = true;
  return fresh;
}

namespace peer_id {

std::string from_ed25519(std::string_view public_key) {
  std::string pb = key_protobuf(public_key);
  if (pb.size() <= max_inline_key)
    return multihash::wrap(multihash::identity, pb);
  return multihash::sha256(pb);
}

std::string to_base58(std::string_view mh) { return multibase::base58btc_encode(mh); }

std::string to_cid(std::string_view mh, char prefix) {
  cid c(1, codec::libp2p_key, std::string(mh));
  auto s = c.str(static_cast<multibase::base>(prefix));
  return s ? *s : c.str();
}

result<std::string> parse(std::string_view text) {
  if (text.empty())
    return make_error(errc::invalid_input, "empty peer ID");
  std::string mh;
  if (text.front() == '1' || text.substr(0, 2) == "Qm") {
    auto raw = multibase::base58btc_decode(text);
    if (!raw)
      return make_error(errc::invalid_input, "peer ID '" + std::string(text) + "': " + raw.err().message);
    mh = std::move(*raw);
  } else {
    auto c = cid::parse(text);
    if (!c)
      return make_error(errc::invalid_input, "peer ID '" + std::string(text) + "': " + c.err().message);
    if (c->version != 1 || c->codec != codec::libp2p_key)
      return make_error(errc::invalid_input, "peer ID '" + std::string(text) + "' is a CID but not a libp2p-key CIDv1");
    mh = std::move(c->mh);
  }
  auto v = multihash::parse(mh);
  if (!v)
    return make_error(errc::invalid_input, "peer ID '" + std::string(text) + "': " + v.err().message);
  if (v->code != multihash::identity && v->code != multihash::sha2_256)
    return make_error(errc::invalid_input, "peer ID '" + std::string(text) + "': multihash must be identity or sha2-256");
  return mh;
}

} // namespace peer_id

} // namespace mantle
