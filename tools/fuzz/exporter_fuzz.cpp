// The UnixFS exporter (cat, ls, stat, resolve, tar) over DAGs a peer could send: any blocks,
// linked any way. Hashes are not checked here (the store and the exchange do that): a link
// resolves to block number digest[0] mod N, so the fuzzer can wire blocks into shapes, even
// cycles, that real hashes make hard to reach. A budget of reads stops deep or exponential
// walks; the properties are no crash, no sanitizer report and errors instead of exceptions.
#include <optional>
#include <vector>
#include "storage/multihash.hpp"
#include "storage/unixfs_exporter.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

namespace {

class indexed_source : public block_source {
public:
  explicit indexed_source(std::vector<std::string> blocks) : blocks_(std::move(blocks)) {}
  result<std::string> get(const cid& c) override {
    if (++reads_ > 4000)
      return make_error(errc::unavailable, "fuzz read budget spent");
    auto v = multihash::parse(c.mh);
    if (!v || v->digest.empty() || blocks_.empty())
      return make_error(errc::not_found, "no such block");
    return blocks_[static_cast<unsigned char>(v->digest[0]) % blocks_.size()];
  }
  void reset_budget() { reads_ = 0; }

private:
  std::vector<std::string> blocks_;
  unsigned reads_ = 0;
};

// Input: selector bytes, then blocks as <u16 length little endian><bytes>.
std::vector<std::string> split_blocks(std::string_view in) {
  std::vector<std::string> out;
  while (in.size() >= 2 && out.size() < 64) {
    size_t len = static_cast<unsigned char>(in[0]) | (static_cast<unsigned char>(in[1]) << 8);
    in.remove_prefix(2);
    len = std::min(len, in.size());
    out.emplace_back(in.substr(0, len));
    in.remove_prefix(len);
  }
  return out;
}

unixfs::write_fn capped(size_t& written) {
  return [&written](std::string_view s) -> status {
    written += s.size();
    if (written > (size_t{4} << 20))
      return make_error(errc::invalid_input, "output larger than the fuzz cap");
    return {};
  };
}

} // namespace

void exporter(std::string_view in) {
  unsigned char codec_sel = take_selector(in);
  unsigned char offset_sel = take_selector(in);
  unsigned char length_sel = take_selector(in);
  indexed_source src(split_blocks(in));
  cid root{1, (codec_sel & 1) ? codec::raw : codec::dag_pb, multihash::wrap(multihash::sha2_256, std::string(32, '\0'))};
  if (codec_sel & 2)
    root.version = 0, root.codec = codec::dag_pb;

  auto info = unixfs::stat(src, root);
  src.reset_budget();
  (void)unixfs::ls(src, root);
  src.reset_budget();
  size_t written = 0;
  uint64_t offset = info ? (info->size * offset_sel) / 255 : offset_sel;
  std::optional<uint64_t> length;
  if (length_sel != 255)
    length = length_sel * uint64_t{4099};
  auto st = unixfs::cat(src, root, offset, length, capped(written));
  if (st && length)
    check(written <= *length, "cat wrote more than the length asked for");
  src.reset_budget();
  written = 0;
  (void)unixfs::write_tar(src, root, "fuzz", capped(written));
  for (std::string_view path : {"a", "a/b", "\xff/../x", "//", ""}) {
    src.reset_budget();
    std::vector<cid> trail;
    (void)unixfs::resolve_traced(src, root, path, &trail);
  }
}

} // namespace mantle::fuzz
