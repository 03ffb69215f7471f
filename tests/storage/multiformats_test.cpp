// varint, multibase, multihash, CID, dag-pb and UnixFS codecs: round trips, known encodings,
// and malformed input that must come back as a clear error, never a crash.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include <botan/hash.h>

#include "storage/cid.hpp"
#include "storage/dag_pb.hpp"
#include "storage/multibase.hpp"
#include "storage/multihash.hpp"
#include "storage/unixfs_pb.hpp"
#include "storage/varint.hpp"

using namespace mantle;

TEST_CASE("varints round-trip and reject truncated, overlong and non-minimal input", "[storage][varint]") {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, 16383ull, 16384ull, (1ull << 63) - 1}) {
    auto enc = varint::encode(v);
    CHECK(enc.size() == varint::encoded_size(v));
    std::string_view in = enc;
    auto dec = varint::read(in);
    REQUIRE(dec);
    CHECK(*dec == v);
    CHECK(in.empty());
  }
  CHECK(varint::encode(300) == std::string("\xac\x02", 2));
  std::string_view truncated("\x80\x80", 2);
  auto t = varint::read(truncated);
  REQUIRE_FALSE(t);
  CHECK(t.err().code == errc::invalid_input);
  CHECK(t.err().message.find("truncated") != std::string::npos);
  std::string ten(9, '\xff');
  ten += '\x01';
  std::string_view overlong = ten;
  CHECK_FALSE(varint::read(overlong)); // multiformats allow 9 bytes at most
  std::string_view nonminimal("\x81\x00", 2);
  auto nm = varint::read(nonminimal);
  REQUIRE_FALSE(nm);
  CHECK(nm.err().message.find("minimal") != std::string::npos);
  std::string_view empty;
  CHECK_FALSE(varint::read(empty));
}

TEST_CASE("multibase encodings match the multibase spec examples", "[storage][multibase]") {
  // "yes mani !" from the multibase test vectors.
  std::string text = "yes mani !";
  CHECK(multibase::encode(multibase::base::base16, text) == "f796573206d616e692021");
  CHECK(multibase::encode(multibase::base::base32, text) == "bpfsxgidnmfxgsibb");
  CHECK(multibase::encode(multibase::base::base58btc, text) == "z7paNL19xttacUY");
  CHECK(multibase::encode(multibase::base::base36, text) == "k2lcpzo5yikidynfl");
  for (auto b : {multibase::base::base16, multibase::base::base32, multibase::base::base36,
                 multibase::base::base58btc}) {
    std::string zeros("\0\0abc", 5);
    auto back = multibase::decode(multibase::encode(b, zeros));
    REQUIRE(back);
    CHECK(*back == zeros); // leading zero bytes survive
  }
}

TEST_CASE("bad multibase text is a clear error", "[storage][multibase]") {
  CHECK(multibase::decode("").err().code == errc::invalid_input);
  CHECK(multibase::decode("xabc").err().code == errc::unsupported);
  auto b58 = multibase::decode("z0OIl");
  REQUIRE_FALSE(b58);
  CHECK(b58.err().message.find("base58btc") != std::string::npos);
  CHECK_FALSE(multibase::decode("b1"));  // '1' is not base32
  CHECK_FALSE(multibase::decode("fabc")); // odd length
  CHECK_FALSE(multibase::decode("fzz"));
  CHECK_FALSE(multibase::decode("k!!"));
  CHECK_FALSE(multibase::parse_base("base64"));
}

TEST_CASE("CIDs parse in every base and reject malformed text and bytes", "[storage][cid]") {
  cid v1{1, codec::dag_pb, multihash::sha256("x")};
  for (auto b : {multibase::base::base16, multibase::base::base32, multibase::base::base36,
                 multibase::base::base58btc}) {
    auto text = v1.str(b);
    REQUIRE(text);
    auto back = cid::parse(*text);
    REQUIRE(back);
    CHECK(*back == v1);
  }
  cid v0{0, codec::dag_pb, v1.mh};
  CHECK(v0.str().rfind("Qm", 0) == 0);
  CHECK_FALSE(v0.str(multibase::base::base32));
  CHECK(cid::parse("").err().code == errc::invalid_input);
  CHECK_FALSE(cid::parse("QmNotACid"));
  CHECK_FALSE(cid::parse("bafyNOTACID"));
  CHECK_FALSE(cid::parse("Qm" + std::string(44, '0'))); // '0' is not base58
  // Binary: wrong version, truncated multihash, trailing bytes, wrong sha2-256 length.
  CHECK_FALSE(cid::from_bytes(std::string("\x02\x70\x12\x20", 4) + std::string(32, 'a')));
  CHECK_FALSE(cid::from_bytes(std::string("\x01\x70\x12\x20", 4) + std::string(31, 'a')));
  CHECK_FALSE(cid::from_bytes(v1.bytes() + "x"));
  CHECK_FALSE(cid::from_bytes(std::string("\x01\x55\x12\x10", 4) + std::string(16, 'a')));
  CHECK_FALSE(cid::from_bytes(std::string("\x12\x20", 2) + std::string(10, 'a')));
}

TEST_CASE("multihash verification catches corrupt bytes", "[storage][multihash]") {
  auto mh = multihash::sha256("hello");
  CHECK(multihash::verify(mh, "hello"));
  auto bad = multihash::verify(mh, "hellO");
  REQUIRE_FALSE(bad);
  CHECK(bad.err().code == errc::corrupt);
  CHECK(multihash::verify(multihash::wrap(multihash::identity, "abc"), "abc"));
  CHECK(multihash::verify(multihash::wrap(0x1b, std::string(32, 'a')), "x").err().code == errc::unsupported);
}

TEST_CASE("sha2-256 gives the FIPS 180-2 digests at every length around its prefetch steps",
          "[storage][multihash]") {
  auto hex = [](const std::string& mh) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (size_t i = 2; i < mh.size(); ++i) {
      out += digits[static_cast<uint8_t>(mh[i]) >> 4];
      out += digits[static_cast<uint8_t>(mh[i]) & 15];
    }
    return out;
  };
  CHECK(hex(multihash::sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(multihash::sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(multihash::sha256(std::string(1000000, 'a'))) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // Past 4 KiB the hash is fed in 1 KiB steps while prefetching ahead: at every length
  // around those steps the digest must be Botan's over the bytes in one piece.
  auto botan = Botan::HashFunction::create_or_throw("SHA-256");
  std::mt19937_64 rng(7);
  std::string data(3 * 4096 + 2 * 1024 + 17, '\0');
  for (auto& ch : data)
    ch = static_cast<char>(rng());
  for (size_t n : {size_t{1023}, size_t{1024}, size_t{4095}, size_t{4096}, size_t{4097}, size_t{5120}, size_t{5121},
                   size_t{8192}, size_t{9216}, data.size()}) {
    INFO("length " << n);
    botan->update(reinterpret_cast<const uint8_t*>(data.data()), n);
    auto want = botan->final();
    uint8_t got[32];
    multihash::sha256_raw(std::string_view(data.data(), n), got);
    CHECK(std::equal(want.begin(), want.end(), got));
  }
}

TEST_CASE("dag-pb writes Kubo's field order and rejects malformed nodes", "[storage][dag_pb]") {
  dag_pb::node n;
  n.links.push_back({cid{0, codec::dag_pb, multihash::sha256("a")}, "", 5});
  n.data = std::string("\x08\x01", 2);
  auto enc = dag_pb::encode(n);
  // Link first (0x12), with Hash (0x0a), an empty Name (0x12 0x00) and Tsize (0x18); Data last.
  CHECK(static_cast<uint8_t>(enc[0]) == 0x12);
  CHECK(enc.find(std::string("\x12\x00\x18\x05", 4)) != std::string::npos);
  CHECK(enc.substr(enc.size() - 4) == std::string("\x0a\x02\x08\x01", 4));
  auto back = dag_pb::decode(enc);
  REQUIRE(back);
  REQUIRE(back->links.size() == 1);
  CHECK(back->links[0].tsize == 5);
  CHECK(back->links[0].target == n.links[0].target);
  CHECK(dag_pb::encode(*back) == enc);

  // A link whose length runs past the end of the block (an oversized link).
  auto oversized = std::string("\x12\xff\x01", 3) + std::string(10, 'a');
  auto r = dag_pb::decode(oversized);
  REQUIRE_FALSE(r);
  CHECK(r.err().message.find("past the end") != std::string::npos);
  CHECK_FALSE(dag_pb::decode(std::string("\x12\x02\x08\x01", 4)));   // link without a Hash
  CHECK_FALSE(dag_pb::decode(std::string("\x0a\x00\x12\x00", 4)));   // link after Data
  CHECK_FALSE(dag_pb::decode(std::string("\x1a\x00", 2)));           // unknown field 3
  CHECK_FALSE(dag_pb::decode(std::string("\x08\x01", 2)));           // Data as a varint
  CHECK_FALSE(dag_pb::decode(std::string("\x12\x04\x0a\x02\x01\x02", 6))); // bad CID in a link
  CHECK_FALSE(dag_pb::decode(std::string("\x0a", 1)));               // truncated
}

TEST_CASE("dag-pb links-only decoding gives decode's links and rejects what decode rejects", "[storage][dag_pb]") {
  dag_pb::node n;
  n.links.push_back({cid{0, codec::dag_pb, multihash::sha256("a")}, "first", 5});
  n.links.push_back({cid{1, codec::raw, multihash::sha256("b")}, "", 7});
  n.data = std::string(1000, 'd');
  auto enc = dag_pb::encode(n);
  auto links = dag_pb::decode_links(enc);
  REQUIRE(links);
  REQUIRE(links->size() == 2);
  CHECK((*links)[0].target == n.links[0].target);
  CHECK((*links)[0].name == "first");
  CHECK((*links)[1].target == n.links[1].target);
  CHECK((*links)[1].tsize == 7);
  for (auto bad : {std::string("\x12\x02\x08\x01", 4), std::string("\x0a\x00\x12\x00", 4),
                   std::string("\x1a\x00", 2), std::string("\x0a\x00\x0a\x00", 4), std::string("\x0a", 1)}) {
    CHECK_FALSE(dag_pb::decode(bad));
    CHECK_FALSE(dag_pb::decode_links(bad));
  }
}

TEST_CASE("UnixFS data round-trips and rejects bad fields", "[storage][unixfs]") {
  unixfs::data d;
  d.type = unixfs::data_type::file;
  d.filesize = 300;
  d.blocksizes = {262144, 37856};
  auto enc = unixfs::encode(d);
  // blocksizes unpacked, in field-number order, as Kubo writes them.
  CHECK(enc.find(std::string("\x20\x80\x80\x10", 4)) != std::string::npos);
  auto back = unixfs::decode(enc);
  REQUIRE(back);
  CHECK(back->blocksizes == d.blocksizes);
  CHECK(*back->filesize == 300);
  CHECK_FALSE(unixfs::decode(std::string("\x08\x09", 2)));  // unknown type 9
  CHECK_FALSE(unixfs::decode(std::string("\x18\x01", 2)));  // no Type
  CHECK_FALSE(unixfs::decode(std::string("\x08", 1)));      // truncated
}

TEST_CASE("random bytes never crash the decoders", "[storage][fuzz]") {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    (void) dag_pb::decode(junk);
    (void) unixfs::decode(junk);
    (void) cid::from_bytes(junk);
    (void) multibase::decode(junk);
    std::string_view v = junk;
    (void) varint::read(v);
  }
  SUCCEED("no crash on 20000 random inputs");
}
