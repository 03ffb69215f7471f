// Persistence of the credit ledger: bytes sent to and received from each peer, in its own LMDB
// environment (<data_dir>/ledger), table `credit`: peer id (text) -> msgpack
// [sent, received, exchanged] (fixed order; fields may only be appended). The ledger keeps the
// live numbers in memory and saves the changed peers in one transaction per batch (every
// second and at shutdown), so a block exchange never waits for a disk write.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle {

namespace lmdb {
class env;
}

// What this node has exchanged with one peer.
struct peer_credit {
  uint64_t sent = 0;      // bytes we served to the peer
  uint64_t received = 0;  // bytes the peer served to us
  uint64_t exchanged = 0; // records (blocks) exchanged either way, Kubo's "Exchanged"
  bool operator==(const peer_credit& o) const {
    return sent == o.sent && received == o.received && exchanged == o.exchanged;
  }
};

// One row of the ledger as the ledger actor reports it (messages/credit.hpp gives it inspect()).
// Kept here, CAF-free, so the RPC and CLI code can format it.
struct ledger_entry {
  std::string peer_id;
  uint64_t sent = 0;
  uint64_t received = 0;
  bool trusted = false;
  uint64_t exchanged = 0; // appended to the issue-4 contract's fields
  bool cut = false;       // credit cut for misbehaviour: never served
  uint64_t refused = 0;   // serve requests refused by the debt-ratio draw since this node started
  uint64_t unit = 0;      // the ledger's credit unit in bytes (0: bytes, i.e. 1)
};

std::string encode(const peer_credit& c);
// Strict: anything but an array of at least three unsigned integers is errc::corrupt.
result<peer_credit> decode_peer_credit(std::string_view bytes);

class credit_store {
public:
  // Opens (creating) the environment in directory `dir`. One per process: LMDB forbids opening
  // the same environment twice, so the node opens it once and shares it.
  static result<std::unique_ptr<credit_store>> open(const std::string& dir);
  ~credit_store();

  result<std::map<std::string, peer_credit>> load_all() const;
  // Writes every entry of `batch` (absolute values, not deltas) in one durable transaction.
  status save(const std::map<std::string, peer_credit>& batch);

private:
  credit_store(std::unique_ptr<lmdb::env> env, unsigned dbi);
  std::unique_ptr<lmdb::env> env_;
  unsigned dbi_;
};

} // namespace mantle
