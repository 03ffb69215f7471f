#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <map>

#include "storage/car.hpp"
#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "storage/varint.hpp"

using namespace mantle;

namespace {

// Blocks in a std::map keyed by multihash, as the real store keys them.
class test_blocks : public block_source, public block_sink {
public:
  result<std::string> get(const cid& c) override {
    auto it = blocks.find(c.mh);
    if (it == blocks.end())
      return make_error(errc::not_found, "no such block");
    return it->second;
  }
  status put(block b) override {
    pending.emplace_back(std::move(b));
    return {};
  }
  status flush() override {
    ++flushes;
    for (auto& b : pending)
      blocks[b.cid.mh] = std::move(b.data);
    pending.clear();
    return {};
  }
  cid add(uint64_t codec_, std::string data, uint64_t version = 1) {
    cid c{version, codec_, multihash::sha256(data)};
    blocks[c.mh] = std::move(data);
    return c;
  }
  cid add_node(const std::vector<cid>& children, const std::string& payload) {
    dag_pb::node n;
    for (size_t i = 0; i < children.size(); ++i)
      n.links.push_back({children[i], "l" + std::to_string(i), 1});
    n.data = payload;
    return add(codec::dag_pb, dag_pb::encode(n), 0);
  }

  std::map<std::string, std::string> blocks;
  std::vector<block> pending;
  int flushes = 0;
};

std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

// Serves `bytes` at most `step` bytes per call, to exercise refills at every boundary.
car::read_fn from_string(std::string bytes, size_t step = 1 << 20) {
  auto data = std::make_shared<std::string>(std::move(bytes));
  auto pos = std::make_shared<size_t>(0);
  return [data, pos, step](char* buf, size_t max) -> result<size_t> {
    size_t n = std::min({max, step, data->size() - *pos});
    std::memcpy(buf, data->data() + *pos, n);
    *pos += n;
    return n;
  };
}

std::string export_to_string(block_source& src, const std::vector<cid>& roots, status* st = nullptr) {
  std::string out;
  auto s = car::export_dag(src, roots, [&](std::string_view b) {
    out.append(b);
    return status{};
  });
  if (st)
    *st = s;
  else
    REQUIRE(s.ok());
  return out;
}

std::vector<block> read_all(car::reader& r) {
  std::vector<block> out;
  for (;;) {
    auto b = r.next();
    REQUIRE(b.ok());
    if (!*b)
      return out;
    out.push_back(std::move(**b));
  }
}

const cid empty_dir = *cid::parse("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn");
const cid hello_raw = *cid::parse("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");

error header_error_of(const std::string& bytes) {
  car::reader r(from_string(bytes));
  auto h = r.read_header();
  REQUIRE_FALSE(h.ok());
  return h.err();
}

} // namespace

TEST_CASE("CAR header is byte-exact DAG-CBOR", "[storage][car]") {
  // Worked by hand from the CARv1 spec and RFC 8949 (keys sorted length-first as DAG-CBOR wants):
  // 38 varint length 56 | a2 map(2) | 65 "roots" | 81 array(1) | d8 2a tag(42) |
  // 58 23 bytes(35) | 00 multibase identity prefix | 12 20 <digest> CIDv0 |
  // 67 "version" | 01 uint 1
  const std::string expected = unhex(
      "38a265726f6f747381d82a5823001220"
      "59948439065f29619ef41280cbb932be52c56d99c5966b65e0111239f098bbef"
      "6776657273696f6e01");
  CHECK(car::encode_header({empty_dir}) == expected);

  // Two roots, the second a CIDv1 raw: array(2), bytes(37) for the 36-byte CID.
  const std::string two = unhex(
      "61a265726f6f747382"
      "d82a5823001220"
      "59948439065f29619ef41280cbb932be52c56d99c5966b65e0111239f098bbef"
      "d82a58250001551220"
      "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
      "6776657273696f6e01");
  CHECK(car::encode_header({empty_dir, hello_raw}) == two);
}

TEST_CASE("CAR header with one and two roots reads back", "[storage][car]") {
  for (const auto& roots : {std::vector<cid>{empty_dir}, std::vector<cid>{empty_dir, hello_raw},
                            std::vector<cid>{}}) {
    car::reader r(from_string(car::encode_header(roots), 3));
    auto h = r.read_header();
    REQUIRE(h.ok());
    CHECK(h->version == 1);
    CHECK(h->roots == roots);
    auto again = r.read_header(); // idempotent
    REQUIRE(again.ok());
    CHECK(again->roots == roots);
    auto end = r.next();
    REQUIRE(end.ok());
    CHECK_FALSE(end->has_value());
  }
}

TEST_CASE("CAR header keys in either order are accepted", "[storage][car]") {
  // {version: 1, roots: [..]} is not canonical DAG-CBOR but carries the same header.
  auto canonical = car::encode_header_block({hello_raw});
  std::string block = "\xa2\x67version\x01" + canonical.substr(1, canonical.size() - 1 - 9);
  REQUIRE(block.size() == canonical.size());
  car::reader r(from_string(varint::encode(block.size()) + block));
  auto h = r.read_header();
  REQUIRE(h.ok());
  CHECK(h->roots == std::vector<cid>{hello_raw});
}

TEST_CASE("CAR export and import round trip a DAG", "[storage][car]") {
  test_blocks src;
  cid a = src.add(codec::raw, "leaf a");
  cid b = src.add(codec::raw, "leaf b");
  cid shared = src.add(codec::raw, "shared leaf");
  cid file = src.add_node({a, b, shared}, "file");
  cid inner = src.add_node({shared}, "inner");
  cid root = src.add_node({file, inner, shared}, "dir");
  cid other = src.add(codec::raw, "second root");
  src.blocks["unrelated"] = "not exported";

  std::string car_bytes = export_to_string(src, {root, other});

  // dfs order, root before children, each CID once.
  car::reader r(from_string(car_bytes, 7));
  auto h = r.read_header();
  REQUIRE(h.ok());
  CHECK(h->roots == std::vector<cid>{root, other});
  auto blocks = read_all(r);
  std::vector<cid> order;
  for (auto& blk : blocks)
    order.push_back(blk.cid);
  CHECK(order == std::vector<cid>{root, file, a, b, shared, inner, other});
  CHECK(r.offset() == car_bytes.size());

  test_blocks dst;
  car::reader r2(from_string(car_bytes, 4096));
  auto s = car::import(r2, dst);
  REQUIRE(s.ok());
  CHECK(s->roots == std::vector<cid>{root, other});
  CHECK(s->blocks == 7);
  CHECK(dst.flushes == 1);
  CHECK(dst.pending.empty());
  CHECK(dst.blocks.size() == 7);
  for (const auto& c : order) {
    REQUIRE(dst.blocks.count(c.mh) == 1);
    CHECK(dst.blocks[c.mh] == src.blocks[c.mh]);
  }
  uint64_t bytes = 0;
  for (auto& kv : dst.blocks)
    bytes += kv.second.size();
  CHECK(s->bytes == bytes);

  // Exporting what was imported gives the same bytes.
  CHECK(export_to_string(dst, {root, other}) == car_bytes);
}

TEST_CASE("CAR export of a single raw block is header plus one section", "[storage][car]") {
  test_blocks src;
  cid c = src.add(codec::raw, "hello world");
  REQUIRE(c == hello_raw);
  auto out = export_to_string(src, {c});
  // 0x2f = 47 = 36-byte CIDv1 + 11 bytes of data
  std::string section = unhex("2f01551220b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9") +
                        "hello world";
  CHECK(out == car::encode_header({c}) + section);
  CHECK(car::encode_section(c, "hello world") == section);
}

TEST_CASE("CAR carries identity CIDs without a store", "[storage][car]") {
  test_blocks src;
  cid id{1, codec::raw, multihash::wrap(multihash::identity, "inline")};
  auto out = export_to_string(src, {id});
  car::reader r(from_string(out));
  auto blocks = read_all(r);
  REQUIRE(blocks.size() == 1);
  CHECK(blocks[0].cid == id);
  CHECK(blocks[0].data == "inline");
}

TEST_CASE("CAR export errors", "[storage][car]") {
  test_blocks src;
  cid leaf = src.add(codec::raw, "leaf");
  cid root = src.add_node({leaf}, "root");
  status st;

  SECTION("missing block is not_found and names the CID") {
    src.blocks.erase(leaf.mh);
    export_to_string(src, {root}, &st);
    REQUIRE_FALSE(st.ok());
    CHECK(st.err().code == errc::not_found);
    CHECK_THAT(st.err().message, Catch::Contains(leaf.str()));
  }
  SECTION("a stored block that does not match its hash is corrupt") {
    src.blocks[leaf.mh] = "tampered";
    export_to_string(src, {root}, &st);
    REQUIRE_FALSE(st.ok());
    CHECK(st.err().code == errc::corrupt);
  }
  SECTION("codecs whose links we cannot follow are refused, not silently cut") {
    cid cbor = src.add(codec::dag_cbor, "\xa0");
    export_to_string(src, {cbor}, &st);
    REQUIRE_FALSE(st.ok());
    CHECK(st.err().code == errc::unsupported);
  }
  SECTION("a failing writer stops the export with its error") {
    int calls = 0;
    auto s = car::export_dag(src, {root}, [&](std::string_view) -> status {
      if (++calls == 2)
        return make_error(errc::io_error, "disk full");
      return {};
    });
    REQUIRE_FALSE(s.ok());
    CHECK(s.err().code == errc::io_error);
    CHECK(calls == 2);
  }
}

TEST_CASE("CAR reader rejects malformed input", "[storage][car]") {
  const std::string hdr = car::encode_header({hello_raw});
  const std::string good = car::encode_section(hello_raw, "hello world");

  SECTION("empty input") {
    auto e = header_error_of("");
    CHECK(e.code == errc::invalid_input);
    CHECK_THAT(e.message, Catch::Contains("not a CAR"));
  }
  SECTION("truncated varint in the header length") {
    auto e = header_error_of("\x80");
    CHECK(e.code == errc::invalid_input);
    CHECK_THAT(e.message, Catch::Contains("truncated varint"));
  }
  SECTION("truncated varint in a section length") {
    car::reader r(from_string(hdr + good + "\xff\xff"));
    REQUIRE(r.next().ok());
    auto b = r.next();
    REQUIRE_FALSE(b.ok());
    CHECK(b.err().code == errc::invalid_input);
    CHECK_THAT(b.err().message, Catch::Contains("truncated varint"));
    // The stream position is lost: later calls keep failing instead of reading garbage.
    CHECK_FALSE(r.next().ok());
  }
  SECTION("oversized section is refused before it is read") {
    size_t asked = 0;
    std::string bytes = hdr + varint::encode(car::max_section_size + 1);
    auto inner = from_string(bytes);
    car::reader r([&](char* buf, size_t max) {
      asked += max;
      return inner(buf, max);
    });
    auto b = r.next();
    REQUIRE_FALSE(b.ok());
    CHECK(b.err().code == errc::invalid_input);
    CHECK_THAT(b.err().message, Catch::Contains("exceeds the limit"));
    CHECK(asked < car::max_block_size);
  }
  SECTION("a 4 MiB block, the largest allowed, reads") {
    std::string data(car::max_block_size, 'x');
    cid c{1, codec::raw, multihash::sha256(data)};
    car::reader r(from_string(hdr + car::encode_section(c, data), 100000));
    auto b = r.next();
    REQUIRE(b.ok());
    REQUIRE(b->has_value());
    CHECK((*b)->data.size() == car::max_block_size);
  }
  SECTION("truncated section") {
    car::reader r(from_string(hdr + good.substr(0, good.size() - 1)));
    auto b = r.next();
    REQUIRE_FALSE(b.ok());
    CHECK(b.err().code == errc::invalid_input);
    CHECK_THAT(b.err().message, Catch::Contains("truncated section"));
  }
  SECTION("empty section") {
    car::reader r(from_string(hdr + std::string(1, '\0')));
    auto b = r.next();
    REQUIRE_FALSE(b.ok());
    CHECK(b.err().code == errc::invalid_input);
  }
  SECTION("block bytes that do not match the CID are corrupt") {
    std::string bad = good;
    bad.back() = 'D';
    car::reader r(from_string(hdr + bad + good));
    auto b = r.next();
    REQUIRE_FALSE(b.ok());
    CHECK(b.err().code == errc::corrupt);
    CHECK(b.err().message == "block " + hello_raw.str() + " does not match its hash");
    // The framing was sound, so the next section is still readable.
    auto b2 = r.next();
    REQUIRE(b2.ok());
    REQUIRE(b2->has_value());
    CHECK((*b2)->data == "hello world");
  }
  SECTION("unsupported hash function") {
    cid c{1, codec::raw, multihash::wrap(0x13, std::string(64, 'a'))}; // sha2-512
    car::reader r(from_string(hdr + car::encode_section(c, "x")));
    auto b = r.next();
    REQUIRE_FALSE(b.ok());
    CHECK(b.err().code == errc::unsupported);
  }
  SECTION("header that is not a map") {
    std::string block = "\x82\x01\x02"; // [1, 2]
    auto e = header_error_of(varint::encode(block.size()) + block);
    CHECK(e.code == errc::invalid_input);
    CHECK_THAT(e.message, Catch::Contains("expected a DAG-CBOR map"));
  }
  SECTION("CARv2 pragma") {
    // The 11 bytes every CARv2 file starts with: a header that decodes to {version: 2}.
    auto e = header_error_of(unhex("0aa16776657273696f6e02") + std::string(40, '\0'));
    CHECK(e.code == errc::unsupported);
    CHECK_THAT(e.message, Catch::Contains("CARv2 not supported"));
  }
  SECTION("version 3") {
    std::string block = car::encode_header_block({hello_raw});
    block.back() = '\x03';
    auto e = header_error_of(varint::encode(block.size()) + block);
    CHECK(e.code == errc::unsupported);
  }
  SECTION("garbage") {
    auto e = header_error_of("This is certainly not a CAR file.\n");
    CHECK(e.code == errc::invalid_input);
    std::string noise;
    for (int i = 0; i < 200; ++i)
      noise.push_back(static_cast<char>((i * 73 + 11) & 0xff));
    CHECK(header_error_of(noise).code == errc::invalid_input);
  }
  SECTION("header errors from the DAG-CBOR subset") {
    auto bad = [](std::string block) {
      return header_error_of(varint::encode(block.size()) + block);
    };
    std::string cid0 = "\xd8\x2a\x58\x23" + std::string(1, '\0') + empty_dir.bytes();
    CHECK(bad("\xa1\x65roots\x81" + cid0).message == "CAR header: no 'version'");
    CHECK(bad("\xa1\x67version\x01").message == "CAR header: no 'roots'");
    CHECK_THAT(bad("\xa2\x65roots\x81" + cid0 + "\x65roots\x81" + cid0).message,
               Catch::Contains("duplicate"));
    CHECK_THAT(bad("\xa2\x65roots\x81" + cid0 + "\x65other\x01").message,
               Catch::Contains("unexpected key 'other'"));
    // tag 43 instead of 42
    CHECK_THAT(bad("\xa2\x65roots\x81\xd8\x2b\x58\x23" + std::string(1, '\0') + empty_dir.bytes() +
                   "\x67version\x01").message,
               Catch::Contains("expected 42"));
    // no 0x00 prefix in the CID byte string
    CHECK_THAT(bad("\xa2\x65roots\x81\xd8\x2a\x58\x22" + empty_dir.bytes() + "\x67version\x01").message,
               Catch::Contains("0x00 prefix"));
    // version written as 0x18 0x01 (not shortest form)
    CHECK_THAT(bad("\xa2\x65roots\x81" + cid0 + "\x67version\x18\x01").message,
               Catch::Contains("shortest form"));
    // indefinite-length map
    CHECK_THAT(bad("\xbf\x67version\x01\xff").message, Catch::Contains("indefinite"));
    // trailing byte after the map
    CHECK_THAT(bad(car::encode_header_block({empty_dir}) + std::string(1, '\0')).message,
               Catch::Contains("after the header map"));
    // an array count that could not fit
    CHECK_THAT(bad("\xa2\x65roots\x9b\xff\xff\xff\xff\xff\xff\xff\xff").message,
               Catch::Contains("claims"));
    // header length far beyond the limit
    CHECK_THAT(header_error_of(varint::encode(uint64_t{1} << 40)).message,
               Catch::Contains("exceeds the limit"));
    // truncated header
    CHECK_THAT(header_error_of(hdr.substr(0, hdr.size() - 2)).message, Catch::Contains("truncated"));
  }
  SECTION("bad CID in a section") {
    std::string body = "\x02\x55\x12\x20" + std::string(32, 'a'); // CID version 2
    car::reader r(from_string(hdr + varint::encode(body.size()) + body));
    auto b = r.next();
    REQUIRE_FALSE(b.ok());
    CHECK(b.err().code == errc::invalid_input);
    CHECK_THAT(b.err().message, Catch::Contains("bad CID"));
  }
  SECTION("read errors pass through") {
    car::reader r([](char*, size_t) -> result<size_t> {
      return make_error(errc::io_error, "connection reset");
    });
    auto h = r.read_header();
    REQUIRE_FALSE(h.ok());
    CHECK(h.err().code == errc::io_error);
    CHECK_THAT(h.err().message, Catch::Contains("connection reset"));
  }
}

TEST_CASE("CAR import stops at the first bad block without flushing", "[storage][car]") {
  const std::string hdr = car::encode_header({hello_raw});
  std::string good = car::encode_section(hello_raw, "hello world");
  std::string bad = good;
  bad.back() = '!';
  test_blocks sink;
  car::reader r(from_string(hdr + good + bad));
  auto s = car::import(r, sink);
  REQUIRE_FALSE(s.ok());
  CHECK(s.err().code == errc::corrupt);
  CHECK(sink.flushes == 0);
  CHECK(sink.blocks.empty());
}

TEST_CASE("CAR reader streams: memory stays near one section", "[storage][car]") {
  // 64 blocks of 256 KiB read through a callback: the reader must never ask for the whole
  // 16 MiB at once, only a section plus its read-ahead.
  test_blocks src;
  std::vector<cid> leaves;
  for (int i = 0; i < 64; ++i)
    leaves.push_back(src.add(codec::raw, std::string(256 * 1024, static_cast<char>('a' + i % 26)) +
                                             std::to_string(i)));
  cid root = src.add_node(leaves, "");
  auto bytes = export_to_string(src, {root});
  size_t biggest = 0;
  auto inner = from_string(bytes, 1 << 30);
  car::reader r([&](char* buf, size_t max) {
    biggest = std::max(biggest, max);
    return inner(buf, max);
  });
  test_blocks dst;
  auto s = car::import(r, dst);
  REQUIRE(s.ok());
  CHECK(s->blocks == 65);
  CHECK(biggest < 512 * 1024);
}
