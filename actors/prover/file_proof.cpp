#include "actors/prover/file_proof.hpp"

#include "storage/unixfs_exporter.hpp"

namespace mantle::proof {

result<file_root> compute_file_root(block_source& src, const cid& c) {
  auto info = unixfs::stat(src, c);
  if (!info)
    return info.err();
  if (info->kind != unixfs::node_kind::file && info->kind != unixfs::node_kind::raw)
    return make_error(errc::invalid_input, c.str() + " is a " + unixfs::kind_name(info->kind) +
                                               ", not a file: only files can be ordered");
  tree_builder b(info->size);
  auto st = unixfs::cat(src, c, 0, std::nullopt, [&](std::string_view bytes) { return b.update(bytes); });
  if (!st)
    return st.err();
  auto sum = b.finish();
  if (!sum)
    return sum.err();
  return file_root{info->size, sum->root};
}

segment_reader file_segment_reader(block_source& src, const cid& c) {
  return [&src, c](uint64_t offset, size_t n, std::string& out) -> status {
    out.reserve(out.size() + n);
    return unixfs::cat(src, c, offset, n, [&](std::string_view bytes) {
      out.append(bytes);
      return status{};
    });
  };
}

} // namespace mantle::proof
