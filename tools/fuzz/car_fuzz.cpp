// CAR v1 files as dag/import and the gateway's ?format=car read them: the reader is fed in
// slices of a fuzzer-chosen size, so section boundaries fall anywhere within a read.
#include <algorithm>
#include "storage/car.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/multihash.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

namespace {

car::read_fn slices(std::string_view data, size_t slice) {
  return [data, slice, pos = size_t{0}](char* buf, size_t max) mutable -> result<size_t> {
    size_t n = std::min({slice, max, data.size() - pos});
    std::copy_n(data.data() + pos, n, buf);
    pos += n;
    return n;
  };
}

} // namespace

void car(std::string_view in) {
  size_t slice = 1 + take_selector(in) % 64;
  memory_block_store store;
  car::reader r(slices(in, slice));
  auto summary = car::import(r, store);
  if (!summary)
    return;
  check(summary->blocks == 0 || store.count() > 0, "imported blocks are not in the store");
  // Whatever was imported was verified: every stored block must hash to its CID.
  for (const auto& root : summary->roots) {
    auto data = store.get(root);
    if (data)
      check(multihash::verify(root.mh, *data).ok(), "a stored block does not match its CID");
  }
  // A CAR of what arrived must itself read back, block for block.
  std::string out;
  auto exported = car::export_dag(store, summary->roots, [&](std::string_view s) -> status {
    if (out.size() + s.size() > (size_t{8} << 20))
      return make_error(errc::invalid_input, "export larger than the fuzz cap");
    out.append(s);
    return {};
  });
  if (!exported)
    return; // a root missing from the CAR, an unreadable codec, the cap
  memory_block_store again;
  car::reader r2(slices(out, 4096));
  auto second = car::import(r2, again);
  check(second.ok(), "a CAR written by export_dag does not import");
  check(second->roots == summary->roots, "exported CAR has other roots");
}

} // namespace mantle::fuzz
