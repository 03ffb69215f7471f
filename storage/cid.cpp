#include "storage/cid.hpp"

#include "storage/multihash.hpp"
#include "storage/varint.hpp"

namespace mantle {

const char* codec_name(uint64_t c) {
  switch (c) {
    case codec::raw: return "raw";
    case codec::dag_pb: return "dag-pb";
    case codec::dag_cbor: return "dag-cbor";
    case codec::libp2p_key: return "libp2p-key";
    default: return "unknown";
  }
}

result<cid> cid::read(std::string_view& in) {
  // A v0 CID is a bare sha2-256 multihash: 0x12 0x20 <32 bytes>.
  if (in.size() >= 2 && static_cast<uint8_t>(in[0]) == 0x12 && static_cast<uint8_t>(in[1]) == 0x20) {
    if (in.size() < 34)
      return make_error(errc::invalid_input, "truncated CIDv0");
    cid c{0, codec::dag_pb, std::string(in.substr(0, 34))};
    in.remove_prefix(34);
    return c;
  }
  auto version = varint::read(in);
  if (!version)
    return make_error(errc::invalid_input, "CID version: " + version.err().message);
  if (*version != 1)
    return make_error(errc::invalid_input, "unsupported CID version " + std::to_string(*version));
  auto codec = varint::read(in);
  if (!codec)
    return make_error(errc::invalid_input, "CID codec: " + codec.err().message);
  auto start = in;
  auto mh = multihash::read(in);
  if (!mh)
    return make_error(errc::invalid_input, "CID multihash: " + mh.err().message);
  return cid{1, *codec, std::string(start.substr(0, start.size() - in.size()))};
}

result<cid> cid::from_bytes(std::string_view bytes) {
  auto c = read(bytes);
  if (c && !bytes.empty())
    return make_error(errc::invalid_input, "trailing bytes after CID");
  return c;
}

result<cid> cid::parse(std::string_view text) {
  if (text.empty())
    return make_error(errc::invalid_input, "empty CID");
  if (text.size() == 46 && text[0] == 'Q' && text[1] == 'm') {
    auto raw = multibase::base58btc_decode(text);
    if (!raw)
      return make_error(errc::invalid_input, "invalid CIDv0 '" + std::string(text) + "': " +
                                               raw.err().message);
    auto c = from_bytes(*raw);
    if (!c || c->version != 0)
      return make_error(errc::invalid_input, "invalid CIDv0 '" + std::string(text) + "'");
    return c;
  }
  auto raw = multibase::decode(text);
  if (!raw)
    return make_error(errc::invalid_input, "invalid CID '" + std::string(text) + "': " +
                                             raw.err().message);
  auto c = from_bytes(*raw);
  if (!c)
    return make_error(errc::invalid_input, "invalid CID '" + std::string(text) + "': " +
                                             c.err().message);
  if (c->version == 0)
    return make_error(errc::invalid_input, "CIDv0 must be base58btc without a multibase prefix");
  return c;
}

std::string cid::bytes() const {
  if (version == 0)
    return mh;
  std::string out;
  out.reserve(mh.size() + 4);
  varint::append(out, 1);
  varint::append(out, codec);
  out += mh;
  return out;
}

std::string cid::str() const {
  if (version == 0)
    return multibase::base58btc_encode(mh);
  return multibase::encode(multibase::base::base32, bytes());
}

result<std::string> cid::str(multibase::base b) const {
  if (version == 0) {
    if (b != multibase::base::base58btc)
      return make_error(errc::invalid_input, "a CIDv0 can only be encoded in base58btc");
    return str();
  }
  return multibase::encode(b, bytes());
}

} // namespace mantle
