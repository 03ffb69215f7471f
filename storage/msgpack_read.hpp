// Strict decoding of one stored msgpack value: the whole input must be exactly one object
// within `limit` (so a hostile length prefix cannot make the parser allocate gigabytes).
// Anything else is errc::corrupt, prefixed with `what` ("pin request record").
#pragma once
#include <msgpack.hpp>

#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle {

inline result<msgpack::object_handle> unpack_whole(std::string_view bytes, const msgpack::unpack_limit& limit,
                                                   const std::string& what) {
  try {
    std::size_t off = 0;
    auto oh = msgpack::unpack(bytes.data(), bytes.size(), off, nullptr, nullptr, limit);
    if (off != bytes.size())
      return make_error(errc::corrupt, what + ": trailing bytes");
    return oh;
  } catch (const std::exception& e) {
    return make_error(errc::corrupt, what + ": not valid msgpack (" + e.what() + ")");
  }
}

} // namespace mantle
