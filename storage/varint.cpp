#include "storage/varint.hpp"

namespace mantle::varint {

void append(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::string encode(uint64_t v) {
  std::string s;
  append(s, v);
  return s;
}

size_t encoded_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

result<uint64_t> read(std::string_view& in, bool protobuf) {
  const size_t max_len = protobuf ? 10 : 9;
  uint64_t v = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (i >= max_len)
      return make_error(errc::invalid_input, "varint longer than " + std::to_string(max_len) + " bytes");
    auto b = static_cast<uint8_t>(in[i]);
    if (i == 9 && b > 1)
      return make_error(errc::invalid_input, "varint overflows 64 bits");
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      if (!protobuf && b == 0 && i > 0)
        return make_error(errc::invalid_input, "varint is not minimally encoded");
      in.remove_prefix(i + 1);
      return v;
    }
  }
  return make_error(errc::invalid_input, "truncated varint");
}

} // namespace mantle::varint
