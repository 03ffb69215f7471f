// The size and proof root that go into a storage order (issue #6), settled from what the person
// ordering gave and the node's own copy of the file. Shared by the Mantle API's order/place and
// the Pinning Service API's orders. Pure C++ over storage/block_io.hpp, no CAF.
//
// Rules, so an order the chain accepts can also be served:
//   - both size and root given, file not stored here: taken as given (nothing to check against);
//   - anything missing: the file must be stored here; the missing values are computed from it
//     (actors/prover/file_proof.hpp: the UnixFS content bytes, real size);
//   - the file stored here: a declared size must equal the file's (smaller is refused — storing
//     nodes would fetch more than was paid for; larger cannot match any proof root, since the
//     root binds the exact size), and a given root must equal the computed one.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "actors/prover/proof_tree.hpp"
#include "storage/block_io.hpp"
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle::market {

struct order_terms {
  uint64_t size = 0;
  proof::digest root{};
  bool computed = false; // checked against (or computed from) the local copy
};

// `stored`: whether the file's root block is in the local store (the caller asks the store,
// so a network-backed `blocks` never fetches a file nobody has here).
result<order_terms> settle_order_terms(block_source& blocks, const cid& c, bool stored,
                                       std::optional<uint64_t> size, std::optional<proof::digest> root);

// "ab01..." (64 hex digits) -> digest; invalid_input naming the problem otherwise.
result<proof::digest> parse_root_hex(std::string_view hex);
std::string root_hex(const proof::digest& d);

} // namespace mantle::market
