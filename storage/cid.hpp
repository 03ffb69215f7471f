// Content identifiers, v0 (bare sha2-256 multihash, base58btc "Qm...") and v1
// (<varint 1><varint codec><multihash>, base32 "b..." by default).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include "storage/multibase.hpp"
#include "storage/result.hpp"

namespace mantle {

namespace codec {
constexpr uint64_t raw = 0x55;
constexpr uint64_t dag_pb = 0x70;
constexpr uint64_t dag_cbor = 0x71;
constexpr uint64_t libp2p_key = 0x72;
} // namespace codec

struct cid {
  uint64_t version = 1;
  uint64_t codec = codec::raw;
  std::string mh; // multihash bytes

  cid() = default;
  cid(uint64_t v, uint64_t c, std::string m) : version(v), codec(c), mh(std::move(m)) {}

  static result<cid> parse(std::string_view text);       // string form, any supported base
  static result<cid> from_bytes(std::string_view bytes); // binary form, no trailing bytes
  // Reads a binary CID from the front of `in` (CAR sections) and advances it.
  static result<cid> read(std::string_view& in);

  std::string bytes() const;
  std::string str() const; // v0: base58btc, v1: base32
  result<std::string> str(multibase::base b) const;
  cid to_v1() const { return cid{1, codec, mh}; }

  bool operator==(const cid& o) const {
    return version == o.version && codec == o.codec && mh == o.mh;
  }
  bool operator!=(const cid& o) const { return !(*this == o); }
  bool operator<(const cid& o) const { return bytes() < o.bytes(); }
};

const char* codec_name(uint64_t c);

} // namespace mantle
