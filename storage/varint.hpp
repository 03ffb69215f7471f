// Unsigned LEB128 varints as multiformats uses them (at most 9 bytes, minimal encoding).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle::varint {

void append(std::string& out, uint64_t v);
std::string encode(uint64_t v);
size_t encoded_size(uint64_t v);

// Reads a varint from the front of `in` and advances it. Rejects truncated and overlong (> 9
// bytes for multiformats, > 10 for protobuf) varints, and non-minimal multiformats ones;
// protobuf readers accept padded varints, as protobuf itself does.
result<uint64_t> read(std::string_view& in, bool protobuf = false);

} // namespace mantle::varint
