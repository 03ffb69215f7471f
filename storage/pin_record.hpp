// The value stored per pin in the LMDB `pins` table (key: binary CID). msgpack array with a
// fixed field order, [type, name, created_unix], so records stay byte-stable and a field can
// only ever be appended.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle {

enum class pin_type : uint8_t {
  direct = 1,
  recursive = 2,
  indirect = 3, // computed from recursive pins, never stored
};

const char* to_string(pin_type t);

struct pin_record {
  pin_type type = pin_type::recursive;
  std::string name;
  uint64_t created_unix = 0;
};

std::string encode(const pin_record& r);
// Strict: anything but an array of at least [uint 1|2, str, uint] is errc::corrupt.
result<pin_record> decode_pin_record(std::string_view bytes);

} // namespace mantle
