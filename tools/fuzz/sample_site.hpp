// The small site every HTTP fuzz input can reach: the same blocks in the target's stores and in
// the seeds' URLs, so seeds name CIDs that exist.
#pragma once
#include "storage/block_io.hpp"
#include "storage/cid.hpp"

namespace mantle::fuzz {

struct sample_site {
  cid root;  // directory: index.html, docs/a.txt, data.bin (multi-block), many/ (HAMT), empty/
  cid data;  // data.bin
  cid index; // index.html
};

// Imports the site into `sink` (CIDv1, raw leaves, 1 KiB chunks, a low HAMT threshold).
sample_site make_sample_site(block_sink& sink);

} // namespace mantle::fuzz
