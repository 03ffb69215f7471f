// Multibase text, varints, multihashes, CIDs (text and binary) and peer IDs: what every
// /ipfs/{cid} path, RPC argument and peer address goes through.
#include "storage/cid.hpp"
#include "storage/identity.hpp"
#include "storage/multibase.hpp"
#include "storage/multihash.hpp"
#include "storage/varint.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

namespace {

constexpr multibase::base all_bases[] = {multibase::base::base16, multibase::base::base32,
                                         multibase::base::base36, multibase::base::base58btc};

void bare_codecs(std::string_view in) {
  using namespace multibase;
  struct codec {
    std::string (*enc)(std::string_view);
    result<std::string> (*dec)(std::string_view);
  };
  const codec codecs[] = {{base16_encode, base16_decode}, {base32_encode, base32_decode},
                          {base36_encode, base36_decode}, {base58btc_encode, base58btc_decode}};
  for (const auto& c : codecs) {
    // Any bytes encode, and decode back to themselves.
    auto text = c.enc(in);
    auto back = c.dec(text);
    check(back.ok() && *back == in, "bare multibase codec does not round-trip");
    // Any text either fails cleanly or decodes to bytes that encode to a text decoding alike.
    auto d = c.dec(in);
    if (d) {
      auto again = c.dec(c.enc(*d));
      check(again.ok() && *again == *d, "decoded multibase text does not re-encode");
    }
  }
}

void prefixed(std::string_view in) {
  auto d = multibase::decode(in);
  if (!d)
    return;
  for (auto b : all_bases) {
    auto again = multibase::decode(multibase::encode(b, *d));
    check(again.ok() && *again == *d, "multibase::decode(encode(b, x)) != x");
  }
}

void varints(std::string_view in) {
  for (bool protobuf : {false, true}) {
    std::string_view rest = in;
    while (!rest.empty()) {
      std::string_view before = rest;
      auto v = varint::read(rest, protobuf);
      if (!v)
        break;
      size_t used = before.size() - rest.size();
      if (protobuf) { // protobuf readers accept padded varints; the value must still survive
        std::string again = varint::encode(*v);
        std::string_view a = again;
        auto w = varint::read(a, true);
        check(w.ok() && *w == *v && a.empty(), "protobuf varint does not re-read");
        continue;
      }
      check(used == varint::encoded_size(*v), "varint accepted a non-minimal encoding");
      check(varint::encode(*v) == before.substr(0, used), "varint re-encodes differently");
    }
  }
}

void multihashes(std::string_view in) {
  auto v = multihash::parse(in);
  if (v) {
    check(multihash::wrap(v->code, v->digest) == in, "multihash::parse accepted non-canonical bytes");
    (void)multihash::verify(in, "abc");
  }
  std::string_view rest = in;
  (void)multihash::read(rest);
}

void check_cid(const cid& c) {
  auto from_bytes = cid::from_bytes(c.bytes());
  check(from_bytes.ok() && *from_bytes == c, "cid::from_bytes(c.bytes()) != c");
  auto from_text = cid::parse(c.str());
  check(from_text.ok() && *from_text == c, "cid::parse(c.str()) != c");
  for (auto b : all_bases) {
    auto s = c.str(b);
    if (!s)
      continue; // v0 has only base58btc
    auto back = cid::parse(*s);
    check(back.ok() && *back == c, "cid::parse(c.str(base)) != c");
  }
  (void)codec_name(c.codec);
  (void)c.to_v1().str();
}

void cids(std::string_view in) {
  if (auto c = cid::parse(in))
    check_cid(*c);
  if (auto c = cid::from_bytes(in)) {
    check(c->bytes() == in, "cid::from_bytes accepted non-canonical bytes");
    check_cid(*c);
  }
  std::string_view rest = in;
  if (auto c = cid::read(rest))
    check_cid(*c);
}

void peer_ids(std::string_view in) {
  auto mh = peer_id::parse(in);
  if (!mh)
    return;
  auto b58 = peer_id::parse(peer_id::to_base58(*mh));
  check(b58.ok() && *b58 == *mh, "peer ID does not round-trip through base58");
  auto as_cid = peer_id::parse(peer_id::to_cid(*mh));
  check(as_cid.ok() && *as_cid == *mh, "peer ID does not round-trip through its CID form");
}

} // namespace

void multiformats(std::string_view in) {
  switch (take_selector(in) % 6) {
  case 0: bare_codecs(in); break;
  case 1: prefixed(in); break;
  case 2: varints(in); break;
  case 3: multihashes(in); break;
  case 4: cids(in); break;
  default: peer_ids(in); break;
  }
}

} // namespace mantle::fuzz
