// CAR v1 (Content Addressable aRchive) import and export, as `ipfs dag import/export` and the
// trustless gateway's format=car use it:
//   varint(len) DAG-CBOR{roots:[CID...], version:1}   then   (varint(len) CID bytes)*
// The reader pulls bytes through a callback and holds at most one section in memory, so a
// multi-GiB CAR never sits in RAM. Only the DAG-CBOR needed for the header is understood.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "storage/block_io.hpp"
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle::car {

// Kubo refuses blocks above 4 MiB on import; a section also carries the CID in front, and an
// identity CID may inline up to 128 bytes, so 256 bytes of slack cover any CID we accept.
constexpr size_t max_block_size = size_t{4} << 20;
constexpr size_t max_section_size = max_block_size + 256;
// A 1 MiB header still holds ~28,000 CIDv1 roots; anything bigger is not a CAR we want.
constexpr size_t max_header_size = size_t{1} << 20;

// Fills buf with up to max bytes; returns how many, 0 = end of input.
using read_fn = std::function<result<size_t>(char* buf, size_t max)>;
using write_fn = std::function<status(std::string_view)>;

struct header {
  std::vector<cid> roots;
  uint64_t version = 1;
};

class reader {
public:
  explicit reader(read_fn in);

  // Reads and checks the header. Calling it again returns the same header.
  result<header> read_header();
  // Next block, or nullopt at a clean end of input (after a complete section). Reads the header
  // first if read_header() was not called. Every block's bytes are checked against its CID:
  // a mismatch is errc::corrupt, an unsupported hash function errc::unsupported.
  result<std::optional<block>> next();

  // Bytes consumed so far (header included); for progress reports and error positions.
  uint64_t offset() const { return offset_; }

private:
  // Makes at least `need` bytes available unless the input ends first; returns how many are.
  result<size_t> fill(size_t need);
  // Reads a section length; nullopt when the input ends cleanly before its first byte.
  result<std::optional<uint64_t>> read_length(const char* what);
  std::string_view available() const {
    return std::string_view(buf_).substr(pos_);
  }
  void consume(size_t n) {
    pos_ += n;
    offset_ += n;
  }

  read_fn in_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  uint64_t offset_ = 0;
  std::optional<header> header_;
  // Set by a framing error: past it the stream position is unknown, so every later call fails.
  std::optional<error> broken_;
};

// The DAG-CBOR header block alone, without its length prefix.
std::string encode_header_block(const std::vector<cid>& roots);
// The complete header section: varint(length) followed by encode_header_block(roots).
std::string encode_header(const std::vector<cid>& roots);
// One data section: varint(length) CID bytes, block bytes.
std::string encode_section(const cid& c, std::string_view data);

// Writes a CAR of the DAGs under `roots`: header, then blocks depth-first in link order
// (root before children), each distinct CID once, following dag-pb links; raw and identity
// blocks are leaves. Blocks are checked against their CIDs before they are written. A missing
// block is errc::not_found naming the CID; a codec whose links we cannot read (dag-cbor...)
// is errc::unsupported, rather than a silently partial CAR.
status export_dag(block_source& src, const std::vector<cid>& roots, const write_fn& out);

struct import_summary {
  std::vector<cid> roots;
  uint64_t blocks = 0;
  uint64_t bytes = 0; // block bytes, CIDs and framing excluded
};

// Reads every block of the CAR into `sink`, then flushes it. Nothing read after a bad section is
// stored, but blocks before it may have been handed to the sink (each one verified).
result<import_summary> import(reader& in, block_sink& sink);

} // namespace mantle::car
