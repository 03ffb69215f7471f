#include <catch2/catch.hpp>

#include <random>

#include "storage/dag_pb.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/multihash.hpp"
#include "storage/murmur3.hpp"
#include "storage/unixfs_exporter.hpp"
#include "storage/unixfs_importer.hpp"
#include "storage/unixfs_pb.hpp"
#include "tests/storage/unixfs_test_support.hpp"
#include "tests/random_bytes.hpp"

using namespace mantle;
using test::random_bytes;
using namespace mantle::testing;

namespace {

// boxo's balanced builder written the way boxo writes it (recursive fillNodeRec over a chunk
// queue, whole input in memory), as an independent oracle for the streaming level stack.
struct reference_balanced {
  unixfs::import_options opt;
  std::string_view rest;
  bool first = true;

  bool done() const { return !first && rest.empty(); }
  struct out {
    cid c;
    uint64_t filesize, tsize;
  };
  out leaf() {
    first = false;
    auto take = std::min(rest.size(), opt.chunk_size);
    std::string data(rest.substr(0, take));
    rest.remove_prefix(take);
    if (opt.raw_leaves)
      return {cid{1, codec::raw, multihash::sha256(data)}, take, take};
    unixfs::data d;
    d.type = unixfs::data_type::file;
    if (take)
      d.payload = data;
    d.filesize = take;
    dag_pb::node n;
    n.data = unixfs::encode(d);
    auto bytes = dag_pb::encode(n);
    return {cid{opt.cid_version, codec::dag_pb, multihash::sha256(bytes)}, take, bytes.size()};
  }
  out commit(const std::vector<out>& kids) {
    dag_pb::node n;
    unixfs::data d;
    d.type = unixfs::data_type::file;
    uint64_t fs = 0, ts = 0;
    for (auto& k : kids) {
      n.links.push_back({k.c, "", k.tsize});
      d.blocksizes.push_back(k.filesize);
      fs += k.filesize, ts += k.tsize;
    }
    d.filesize = fs;
    n.data = unixfs::encode(d);
    auto bytes = dag_pb::encode(n);
    return {cid{opt.cid_version, codec::dag_pb, multihash::sha256(bytes)}, fs, ts + bytes.size()};
  }
  out fill(std::vector<out> kids, int depth) {
    while (kids.size() < opt.width && !done())
      kids.push_back(depth == 1 ? leaf() : fill({}, depth - 1));
    return commit(kids);
  }
  out build(std::string_view data) {
    rest = data;
    out root = leaf();
    for (int depth = 1; !done(); ++depth)
      root = fill({root}, depth);
    return root;
  }
};

} // namespace

TEST_CASE("balanced layout matches boxo's recursive builder at every size", "[storage][unixfs][importer]") {
  auto data = random_bytes(200, 1);
  for (bool raw : {false, true})
    for (size_t width : {2, 3, 4})
      for (size_t size = 0; size <= data.size(); ++size) {
        unixfs::import_options opt;
        opt.cid_version = raw ? 1 : 0;
        opt.raw_leaves = raw;
        opt.chunk_size = 3;
        opt.width = width;
        reference_balanced ref{opt, {}, true};
        auto want = ref.build(std::string_view(data).substr(0, size));
        ordered_sink sink;
        auto got = unixfs::import_bytes(sink, opt, std::string_view(data).substr(0, size));
        REQUIRE(got.ok());
        INFO("raw " << raw << " width " << width << " size " << size);
        CHECK(got->root == want.c);
        CHECK(got->tsize == want.tsize);
        CHECK(got->size == size);
        CHECK(sink.violations == 0);
      }
}

TEST_CASE("write sizes and thread counts do not change the result", "[storage][unixfs][importer]") {
  auto data = random_bytes(300'001, 2);
  unixfs::import_options opt;
  opt.chunk_size = 1024;
  opt.width = 7;
  memory_block_store base_store;
  auto base = unixfs::import_bytes(base_store, opt, data);
  REQUIRE(base.ok());
  for (unsigned threads : {0u, 1u, 2u, 4u})
    for (size_t piece : {size_t(1), size_t(1000), size_t(1024), size_t(4097), size_t(300'001)}) {
      if (piece == 1 && threads != 2)
        continue;
      opt.hash_threads = threads;
      ordered_sink sink;
      unixfs::file_importer f(sink, opt);
      for (size_t at = 0; at < data.size(); at += piece)
        REQUIRE(f.write(std::string_view(data).substr(at, piece)).ok());
      CHECK(f.bytes_written() == data.size());
      auto r = f.finish();
      REQUIRE(r.ok());
      INFO("threads " << threads << " piece " << piece);
      CHECK(r->root == base->root);
      CHECK(sink.violations == 0);
      CHECK(sink.count() == base_store.count());
    }
}

TEST_CASE("chunk boundaries: one chunk is a leaf, one more byte makes a node", "[storage][unixfs][importer]") {
  for (bool raw : {false, true}) {
    unixfs::import_options opt;
    opt.cid_version = raw ? 1 : 0;
    opt.raw_leaves = raw;
    opt.chunk_size = 4096;
    for (size_t size : {size_t(4095), size_t(4096), size_t(4097), size_t(8192), size_t(8193)}) {
      memory_block_store store;
      auto data = random_bytes(size, 3);
      auto r = unixfs::import_bytes(store, opt, data);
      REQUIRE(r.ok());
      size_t leaves = (size + 4095) / 4096;
      CHECK(store.count() == (leaves == 1 ? 1 : leaves + 1));
      CHECK(r->root.codec == (leaves == 1 && raw ? codec::raw : codec::dag_pb));
      auto st = unixfs::stat(store, r->root);
      REQUIRE(st.ok());
      CHECK(st->size == size);
      std::string back;
      REQUIRE(unixfs::cat(store, r->root, 0, std::nullopt, [&](std::string_view b) {
                back.append(b);
                return status{};
              }).ok());
      CHECK(back == data);
    }
  }
}

TEST_CASE("raw leaves with CIDv0 keep v1 raw leaves under a v0 root", "[storage][unixfs][importer]") {
  unixfs::import_options opt;
  opt.raw_leaves = true;
  opt.chunk_size = 10;
  memory_block_store store;
  auto r = unixfs::import_bytes(store, opt, random_bytes(25, 4));
  REQUIRE(r.ok());
  CHECK(r->root.version == 0);
  auto node = dag_pb::decode(*store.get(r->root));
  REQUIRE(node.ok());
  for (auto& l : node->links)
    CHECK((l.target.version == 1 && l.target.codec == codec::raw));
}

TEST_CASE("bad options and misuse are errors", "[storage][unixfs][importer]") {
  memory_block_store store;
  unixfs::import_options opt;
  opt.chunk_size = 0;
  CHECK(!unixfs::import_bytes(store, opt, "x").ok());
  opt.chunk_size = 4 << 20;
  CHECK(!unixfs::import_bytes(store, opt, "x").ok());
  opt = {};
  opt.width = 1;
  CHECK(!unixfs::import_bytes(store, opt, "x").ok());
  opt = {};
  opt.cid_version = 2;
  CHECK(!unixfs::import_bytes(store, opt, "x").ok());
  CHECK(!unixfs::import_options::profile("unixfs-v9").ok());

  unixfs::file_importer f(store, {});
  REQUIRE(f.write("abc").ok());
  REQUIRE(f.finish().ok());
  CHECK(!f.write("more").ok());
  CHECK(!f.finish().ok());
}

namespace {
class failing_sink : public block_sink {
public:
  int allow;
  explicit failing_sink(int n) : allow(n) {}
  status put(block) override {
    if (allow-- <= 0)
      return make_error(errc::storage_full, "disk full");
    return {};
  }
  status flush() override { return {}; }
};
} // namespace

TEST_CASE("a failing sink stops the import with its error", "[storage][unixfs][importer]") {
  unixfs::import_options opt;
  opt.chunk_size = 1000;
  auto data = random_bytes(100'000, 5);
  failing_sink sink(10);
  unixfs::file_importer f(sink, opt);
  status s;
  for (size_t at = 0; at < data.size() && s.ok(); at += 777)
    s = f.write(std::string_view(data).substr(at, 777));
  auto r = f.finish();
  REQUIRE(!r.ok());
  CHECK(r.err().code == errc::storage_full);
}

TEST_CASE("directory builder: paths, order, empty dirs", "[storage][unixfs][importer][dir]") {
  memory_block_store store;
  unixfs::import_options opt;
  auto f = unixfs::import_bytes(store, opt, "hello\n");
  REQUIRE(f.ok());
  CHECK(f->root.str() == "QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN");
  unixfs::directory_builder dir(store, opt);
  REQUIRE(dir.add_file("b/c/hello.txt", *f).ok());
  REQUIRE(dir.add_file("a.txt", *f).ok());
  REQUIRE(dir.add_directory("b/empty").ok());
  REQUIRE(dir.add_directory("b").ok()); // already there: fine
  for (auto bad : {"", "/abs", "a//b", "a/", "../x", "a/./b", "b/c/hello.txt", "a.txt/x", "b"}) {
    INFO(bad);
    CHECK(!dir.add_file(bad, *f).ok());
  }
  auto out = dir.finish();
  REQUIRE(out.ok());
  std::vector<std::string> paths;
  for (auto& [p, _] : *out)
    paths.push_back(p);
  CHECK(paths == std::vector<std::string>{"b/c", "b/empty", "b", ""});
  auto root = out->back().second;
  CHECK(root.size == 12);
  auto st = unixfs::stat(store, root.root);
  REQUIRE(st.ok());
  CHECK(st->size == root.tsize);
  auto empty = unixfs::resolve(store, root.root, "b/empty");
  REQUIRE(empty.ok());
  CHECK(empty->str() == "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn");
  CHECK(!dir.finish().ok());
}

TEST_CASE("murmur3 x64_128 known answers", "[storage][unixfs][hamt]") {
  // Reference values from the canonical C++ implementation (SMHasher), seed 0.
  CHECK(murmur3::x64_128("").first == 0);
  CHECK(murmur3::x64_128("").second == 0);
  auto h = murmur3::x64_128("hello");
  CHECK(h.first == 0xcbd8a7b341bd9b02ULL);
  CHECK(h.second == 0x5b1e906a48ae1d19ULL);
}

TEST_CASE("HAMT shards past a small threshold and reads back", "[storage][unixfs][importer][hamt]") {
  for (auto rule : {unixfs::hamt_rule::link_bytes, unixfs::hamt_rule::block_size}) {
    memory_block_store store;
    unixfs::import_options opt;
    opt.hamt = rule;
    opt.hamt_threshold = 1000;
    auto f = unixfs::import_bytes(store, opt, "x");
    REQUIRE(f.ok());
    unixfs::directory_builder dir(store, opt);
    std::vector<std::string> names;
    for (int i = 0; i < 600; ++i) {
      names.push_back("file-" + std::to_string(i));
      REQUIRE(dir.add_file("d/" + names.back(), *f).ok());
    }
    REQUIRE(dir.add_file("small.txt", *f).ok());
    auto out = dir.finish();
    REQUIRE(out.ok());
    auto root = out->back().second.root;
    auto d = unixfs::resolve(store, root, "d");
    REQUIRE(d.ok());
    auto st = unixfs::stat(store, *d);
    REQUIRE(st.ok());
    CHECK(st->kind == unixfs::node_kind::hamt_directory);
    auto top = unixfs::stat(store, root);
    REQUIRE(top.ok());
    CHECK(top->kind == unixfs::node_kind::directory);
    auto listing = unixfs::ls(store, *d);
    REQUIRE(listing.ok());
    std::sort(names.begin(), names.end());
    REQUIRE(listing->size() == names.size());
    for (size_t i = 0; i < names.size(); ++i) {
      CHECK((*listing)[i].name == names[i]);
      auto c = unixfs::resolve(store, root, "d/" + names[i]);
      REQUIRE(c.ok());
      CHECK(*c == f->root);
    }
    // The shard root's data: Type=5, a bitfield, hashType 0x22, fanout 256.
    auto node = dag_pb::decode(*store.get(*d));
    REQUIRE(node.ok());
    auto data = unixfs::decode(*node->data);
    REQUIRE(data.ok());
    CHECK(data->hash_type == uint64_t{0x22});
    CHECK(data->fanout == uint64_t{256});
    CHECK(data->payload->size() <= 32);
  }
}
