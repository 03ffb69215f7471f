#include "net/peer_tls.hpp"

#include <botan/auto_rng.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/pkcs8.h>
#include <botan/x509_ca.h>
#include <botan/x509cert.h>
#include <botan/x509self.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <unistd.h>

namespace mantle::peer_tls {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t ten_years = 10u * 365 * 24 * 3600;

error io(std::string msg) { return make_error(errc::io_error, std::move(msg)); }
error invalid(std::string msg) { return make_error(errc::invalid_input, std::move(msg)); }

// Writes a whole file with `mode` from its creation on (keys are never world-readable, not
// even for a moment), replacing what was there.
status write_file(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return io("cannot create " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      return io("cannot write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return io("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  return status::success();
}

status make_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return io("cannot create " + dir + ": " + ec.message());
  return status::success();
}

bool exists(const std::string& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

std::string parent_of(const std::string& p) {
  auto parent = fs::path(p).parent_path().string();
  return parent.empty() ? "." : parent;
}

result<Botan::X509_Certificate> load_cert(const std::string& path) {
  try {
    return Botan::X509_Certificate(path);
  } catch (const std::exception& e) {
    return invalid("cannot read certificate " + path + ": " + e.what());
  }
}

} // namespace

status create_network_ca(const std::string& dir, const std::string& name) {
  std::string crt = dir + "/ca.crt", key = dir + "/ca.key";
  if (exists(crt) || exists(key))
    return make_error(errc::conflict, "a network CA already exists in " + dir + " (ca.crt/ca.key); not replacing it");
  if (auto s = make_dir(dir); !s)
    return s;
  try {
    Botan::AutoSeeded_RNG rng;
    Botan::ECDSA_PrivateKey k(rng, Botan::EC_Group("secp256r1"));
    Botan::X509_Cert_Options opts(name, ten_years);
    opts.start = Botan::X509_Time(std::chrono::system_clock::now() - std::chrono::hours(1));
    opts.CA_key();
    auto cert = Botan::X509::create_self_signed_cert(opts, k, "SHA-256", rng);
    if (auto s = write_file(key, Botan::PKCS8::PEM_encode(k), 0600); !s)
      return s;
    return write_file(crt, cert.PEM_encode(), 0644);
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string("cannot create the network CA: ") + e.what());
  }
}

status issue_node_certificate(const std::string& ca_cert, const std::string& ca_key,
                              const std::string& cert_out, const std::string& key_out,
                              const std::string& common_name) {
  auto ca = load_cert(ca_cert);
  if (!ca)
    return ca.err();
  if (!ca->is_CA_cert())
    return invalid(ca_cert + " is not a CA certificate");
  try {
    Botan::AutoSeeded_RNG rng;
    std::unique_ptr<Botan::Private_Key> cak(Botan::PKCS8::load_key(ca_key, rng));
    if (!cak)
      return invalid("cannot read the CA key " + ca_key);
    std::unique_ptr<Botan::Public_Key> ca_pub(ca->subject_public_key());
    if (cak->public_key_bits() != ca_pub->public_key_bits())
      return invalid(ca_key + " is not the key of " + ca_cert);
    Botan::ECDSA_PrivateKey k(rng, Botan::EC_Group("secp256r1"));
    Botan::X509_Cert_Options opts(common_name, ten_years);
    auto req = Botan::X509::create_cert_req(opts, k, "SHA-256", rng);
    Botan::X509_CA signer(*ca, *cak, "SHA-256", rng);
    auto now = std::chrono::system_clock::now();
    auto cert = signer.sign_request(req, rng, Botan::X509_Time(now - std::chrono::hours(1)),
                                    Botan::X509_Time(now + std::chrono::seconds(ten_years)));
    if (auto s = make_dir(parent_of(cert_out)); !s)
      return s;
    if (auto s = make_dir(parent_of(key_out)); !s)
      return s;
    if (auto s = write_file(key_out, Botan::PKCS8::PEM_encode(k), 0600); !s)
      return s;
    return write_file(cert_out, cert.PEM_encode(), 0644);
  } catch (const std::exception& e) {
    return invalid(std::string("cannot issue a node certificate: ") + e.what());
  }
}

result<bool> signed_by(const std::string& cert, const std::string& ca_cert) {
  auto c = load_cert(cert);
  if (!c)
    return c.err();
  auto ca = load_cert(ca_cert);
  if (!ca)
    return ca.err();
  try {
    std::unique_ptr<Botan::Public_Key> pub(ca->subject_public_key());
    return c->check_signature(*pub);
  } catch (const std::exception& e) {
    return invalid(std::string("cannot check ") + cert + ": " + e.what());
  }
}

result<files> prepare(const settings& s, const std::string& data_dir, const std::string& peer_id) {
  const std::string tls_dir = data_dir + "/tls";
  files out;
  out.cert = s.cert.empty() ? tls_dir + "/node.crt" : s.cert;
  out.key = s.key.empty() ? tls_dir + "/node.key" : s.key;
  out.ca = s.ca.empty() ? tls_dir + "/ca.crt" : s.ca;
  std::string ca_key = s.ca_key;
  if (!s.ca_key.empty() && s.ca.empty())
    return invalid("--peer-tls-ca-key needs --peer-tls-ca (the CA certificate it belongs to)");
  if (s.ca.empty() && s.ca_key.empty() && !exists(out.ca)) {
    if (!s.cert.empty() || !s.key.empty())
      return invalid("--peer-tls-cert/--peer-tls-key need --peer-tls-ca (the network CA certificate)");
    // The default single-node start: a network of one, with its own CA.
    if (auto st = create_network_ca(tls_dir, "Mantle one-node network CA " + peer_id); !st)
      return st.err();
    ca_key = tls_dir + "/ca.key";
    out.note = "created a one-node network CA in " + tls_dir +
               "; to join other nodes, all of them need one network CA: run `mantle tls init-network DIR` once and "
               "start every node with --peer-tls-ca DIR/ca.crt --peer-tls-ca-key DIR/ca.key (or issue each node's "
               "certificate with `mantle tls issue DIR NODE_DIR/tls`)";
  } else if (s.ca.empty() && s.ca_key.empty() && exists(tls_dir + "/ca.key")) {
    ca_key = tls_dir + "/ca.key"; // the node's own one-node CA
  }
  if (!exists(out.ca))
    return invalid("network CA certificate " + out.ca + " does not exist");
  bool have = exists(out.cert) && exists(out.key);
  if (have) {
    auto ok = signed_by(out.cert, out.ca);
    if (!ok)
      return ok.err();
    if (!*ok && ca_key.empty())
      return invalid(out.cert + " was not signed by the network CA " + out.ca +
                     "; issue a new one with `mantle tls issue` or give --peer-tls-ca-key");
    have = *ok;
  }
  if (!have) {
    if (ca_key.empty())
      return invalid("no node certificate (" + out.cert + ", " + out.key + "); issue one with `mantle tls issue "
                     "CA_DIR " + tls_dir + "` or give --peer-tls-ca-key so the node issues its own");
    if (auto st = issue_node_certificate(out.ca, ca_key, out.cert, out.key, "mantle node " + peer_id); !st)
      return st.err();
    if (out.note.empty())
      out.note = "issued this node's TLS certificate " + out.cert + " from the network CA " + out.ca;
  }
  return out;
}

} // namespace mantle::peer_tls
