// The UnixFS Data message carried in a dag-pb node's Data field. Fields are written in field
// number order and blocksizes unpacked, as Kubo writes them, so CIDs match byte for byte.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "storage/result.hpp"

namespace mantle::unixfs {

enum class data_type : uint8_t { raw = 0, directory = 1, file = 2, metadata = 3, symlink = 4, hamt_shard = 5 };

struct data {
  data_type type = data_type::file;
  std::optional<std::string> payload;   // field 2
  std::optional<uint64_t> filesize;     // field 3
  std::vector<uint64_t> blocksizes;     // field 4
  std::optional<uint64_t> hash_type;    // field 5 (HAMT: 0x22 murmur3-x64-64)
  std::optional<uint64_t> fanout;       // field 6
  std::optional<uint32_t> mode;         // field 7
  std::optional<int64_t> mtime_seconds; // field 8.1
  std::optional<uint32_t> mtime_nanos;  // field 8.2
};

std::string encode(const data& d);
result<data> decode(std::string_view bytes);

const char* type_name(data_type t);

} // namespace mantle::unixfs
