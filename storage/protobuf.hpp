// The few protobuf wire-format primitives dag-pb, UnixFS and libp2p keys need. Header-only and
// tiny on purpose: a generated protobuf library would not give the byte-exact field order
// Kubo produces, and the codecs must reject malformed input field by field.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include "storage/result.hpp"
#include "storage/varint.hpp"

namespace mantle::pb {

enum wire : uint8_t { varint_type = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

inline void put_tag(std::string& out, uint32_t field, wire w) {
  varint::append(out, (static_cast<uint64_t>(field) << 3) | w);
}
inline void put_varint(std::string& out, uint32_t field, uint64_t v) {
  put_tag(out, field, varint_type);
  varint::append(out, v);
}
inline void put_bytes(std::string& out, uint32_t field, std::string_view b) {
  put_tag(out, field, length_delimited);
  varint::append(out, b.size());
  out.append(b);
}
inline size_t bytes_field_size(uint32_t field, size_t len) {
  return varint::encoded_size(static_cast<uint64_t>(field) << 3) + varint::encoded_size(len) + len;
}
inline size_t varint_field_size(uint32_t field, uint64_t v) {
  return varint::encoded_size(static_cast<uint64_t>(field) << 3) + varint::encoded_size(v);
}

struct field {
  uint32_t number = 0;
  wire type = varint_type;
  uint64_t value = 0;    // varint / fixed values
  std::string_view bytes; // length-delimited payload
};

// Reads one field from the front of `in`; `what` names the message in error texts.
inline result<field> read_field(std::string_view& in, const char* what) {
  auto tag = varint::read(in, true);
  if (!tag)
    return make_error(errc::invalid_input, std::string(what) + ": bad field tag: " + tag.err().message);
  field f;
  f.number = static_cast<uint32_t>(*tag >> 3);
  f.type = static_cast<wire>(*tag & 7);
  if (f.number == 0)
    return make_error(errc::invalid_input, std::string(what) + ": field number 0");
  switch (f.type) {
    case varint_type: {
      auto v = varint::read(in, true);
      if (!v)
        return make_error(errc::invalid_input, std::string(what) + ": bad varint: " + v.err().message);
      f.value = *v;
      return f;
    }
    case length_delimited: {
      auto len = varint::read(in, true);
      if (!len)
        return make_error(errc::invalid_input, std::string(what) + ": bad length: " + len.err().message);
      if (*len > in.size())
        return make_error(errc::invalid_input, std::string(what) + ": field " +
                                                 std::to_string(f.number) + " runs past the end");
      f.bytes = in.substr(0, *len);
      in.remove_prefix(*len);
      return f;
    }
    case fixed64:
    case fixed32: {
      size_t n = f.type == fixed64 ? 8 : 4;
      if (in.size() < n)
        return make_error(errc::invalid_input, std::string(what) + ": truncated fixed field");
      uint64_t v = 0;
      for (size_t i = 0; i < n; ++i)
        v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
      f.value = v;
      in.remove_prefix(n);
      return f;
    }
    default:
      return make_error(errc::invalid_input, std::string(what) + ": unsupported wire type " +
                                               std::to_string(static_cast<int>(f.type)));
  }
}

} // namespace mantle::pb
