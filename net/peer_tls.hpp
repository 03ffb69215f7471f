// Certificates for TLS between nodes (Botan X.509, no CAF). A network is one CA: every node
// holds a certificate the CA signed, and CAF's openssl module accepts exactly the peers whose
// certificate chains to that CA (mutual TLS). Node identity itself is proven separately by the
// Ed25519 handshake (actors/peer/handshake.hpp); TLS decides who may talk to the network.
//
// Operators: `mantle tls init-network DIR` creates DIR/ca.crt and DIR/ca.key; then either copy
// both to each node and start it with --peer-tls-ca DIR/ca.crt --peer-tls-ca-key DIR/ca.key (it
// issues its own certificate on first start), or keep the CA key offline and run
// `mantle tls issue DIR NODE_TLS_DIR` per node (writes node.crt, node.key, ca.crt).
#pragma once
#include <string>
#include "storage/result.hpp"

namespace mantle::peer_tls {

// Writes `dir`/ca.crt and `dir`/ca.key (0600), creating `dir`. Refuses to replace an existing CA.
status create_network_ca(const std::string& dir, const std::string& name = "Mantle network CA");

// Issues a node certificate (ECDSA P-256, ~10 years) signed by the CA in the given files and
// writes it and a fresh key (0600) to `cert_out` and `key_out`, replacing them.
status issue_node_certificate(const std::string& ca_cert, const std::string& ca_key,
                              const std::string& cert_out, const std::string& key_out,
                              const std::string& common_name);

// Whether `cert` is a certificate signed by the CA certificate `ca_cert` (both PEM files).
result<bool> signed_by(const std::string& cert, const std::string& ca_cert);

struct settings { // the peer-tls-* options; empty = default
  std::string ca, ca_key, cert, key;
};
struct files { // what CAF's openssl module gets
  std::string ca, cert, key;
  std::string note; // what was created, for the log; empty when nothing was
};

// Resolves the files a node uses, creating what it may:
// - cert/key default to <data_dir>/tls/node.{crt,key}, the CA to <data_dir>/tls/ca.crt;
// - with a CA key, a missing certificate (or one from another CA) is issued from it;
// - with no CA option at all and no CA in <data_dir>/tls, a one-node network CA is created
//   there (the default single-node start);
// - anything else missing, or a certificate the CA did not sign, is an error naming the fix.
result<files> prepare(const settings& s, const std::string& data_dir, const std::string& peer_id);

} // namespace mantle::peer_tls
