#include "actors/market/order_terms.hpp"

#include <algorithm>

#include "actors/prover/file_proof.hpp"
#include "actors/validator/chain_types.hpp"
#include "storage/unixfs_exporter.hpp"

namespace mantle::market {

result<order_terms> settle_order_terms(block_source& blocks, const cid& c, bool stored,
                                       std::optional<uint64_t> size, std::optional<proof::digest> root) {
  if (!stored) {
    if (size && root)
      return order_terms{*size, *root, false};
    return make_error(errc::not_found, c.str() + " is not stored on this node: add it first, or give both its size "
                                                 "and its proof root");
  }
  // The size is cheap (the root block's UnixFS data); the root costs one read of the file.
  auto info = unixfs::stat(blocks, c);
  if (!info)
    return info.err();
  if (info->kind != unixfs::node_kind::file && info->kind != unixfs::node_kind::raw)
    return make_error(errc::invalid_input, c.str() + " is not a file: only files can be ordered (order each file of a "
                                                     "directory)");
  if (size && *size < info->size)
    return make_error(errc::invalid_input, "declared size " + std::to_string(*size) + " is smaller than the file's " +
                                             std::to_string(info->size) + " bytes");
  if (size && *size > info->size)
    return make_error(errc::invalid_input, "declared size " + std::to_string(*size) + " is larger than the file's " +
                                             std::to_string(info->size) +
                                             " bytes (the proof root binds the exact size; omit the size)");
  auto computed = proof::compute_file_root(blocks, c);
  if (!computed)
    return computed.err();
  if (computed->size != info->size) // the DAG's declared sizes and its bytes disagree
    return make_error(errc::corrupt, c.str() + ": the file's DAG declares " + std::to_string(info->size) +
                                       " bytes but holds " + std::to_string(computed->size));
  if (root && *root != computed->root)
    return make_error(errc::invalid_input, "proof root " + root_hex(*root) + " does not match the file's " +
                                             root_hex(computed->root));
  return order_terms{computed->size, computed->root, true};
}

result<proof::digest> parse_root_hex(std::string_view hex) {
  auto raw = chain::from_hex(hex);
  if (!raw)
    return make_error(errc::invalid_input, "proof root must be hex: " + raw.err().message);
  if (raw->size() != proof::digest_size)
    return make_error(errc::invalid_input, "proof root must be " + std::to_string(2 * proof::digest_size) +
                                             " hex digits, not " + std::to_string(hex.size()));
  proof::digest d{};
  std::copy(raw->begin(), raw->end(), d.begin());
  return d;
}

std::string root_hex(const proof::digest& d) {
  return chain::to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

} // namespace mantle::market
