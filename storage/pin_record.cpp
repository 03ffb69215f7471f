#include "storage/pin_record.hpp"

#include <msgpack.hpp>

namespace mantle {

const char* to_string(pin_type t) {
  switch (t) {
    case pin_type::direct: return "direct";
    case pin_type::recursive: return "recursive";
    case pin_type::indirect: return "indirect";
  }
  return "unknown";
}

std::string encode(const pin_record& r) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(3);
  pk.pack_uint8(static_cast<uint8_t>(r.type));
  pk.pack(r.name);
  pk.pack_uint64(r.created_unix);
  return std::string(buf.data(), buf.size());
}

result<pin_record> decode_pin_record(std::string_view bytes) {
  auto bad = [](const std::string& why) { return make_error(errc::corrupt, "pin record: " + why); };
  msgpack::object_handle oh;
  try {
    std::size_t off = 0;
    // Limits keep a hostile length prefix from making the parser allocate gigabytes.
    msgpack::unpack_limit limit(16, 16, 64 * 1024, 64 * 1024, 64 * 1024, 4);
    oh = msgpack::unpack(bytes.data(), bytes.size(), off, nullptr, nullptr, limit);
    if (off != bytes.size())
      return bad("trailing bytes");
  } catch (const std::exception& e) {
    return bad(std::string("not valid msgpack (") + e.what() + ")");
  }
  const msgpack::object& o = oh.get();
  if (o.type != msgpack::type::ARRAY)
    return bad("not an array");
  // Later versions may append fields; the first three are fixed.
  if (o.via.array.size < 3)
    return bad("expected 3 fields, found " + std::to_string(o.via.array.size));
  const msgpack::object* f = o.via.array.ptr;
  if (f[0].type != msgpack::type::POSITIVE_INTEGER)
    return bad("type is not an unsigned integer");
  if (f[0].via.u64 != static_cast<uint64_t>(pin_type::direct) &&
      f[0].via.u64 != static_cast<uint64_t>(pin_type::recursive))
    return bad("unknown pin type " + std::to_string(f[0].via.u64));
  if (f[1].type != msgpack::type::STR)
    return bad("name is not a string");
  if (f[2].type != msgpack::type::POSITIVE_INTEGER)
    return bad("created time is not an unsigned integer");
  pin_record r;
  r.type = static_cast<pin_type>(f[0].via.u64);
  r.name.assign(f[1].via.str.ptr, f[1].via.str.size);
  r.created_unix = f[2].via.u64;
  return r;
}

} // namespace mantle
