// Writing the canonical msgpack this project stores and signs: binary and string fields with
// their exact lengths (no container of the caller's choosing in between).
#pragma once
#include <msgpack.hpp>

#include <cstdint>
#include <string_view>

namespace mantle {

using msgpack_packer = msgpack::packer<msgpack::sbuffer>;

inline void pack_bin(msgpack_packer& pk, std::string_view s) {
  pk.pack_bin(static_cast<uint32_t>(s.size()));
  pk.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
}

inline void pack_str(msgpack_packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

} // namespace mantle
