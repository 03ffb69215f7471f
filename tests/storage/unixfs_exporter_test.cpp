#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "storage/dag_pb.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/multihash.hpp"
#include "storage/unixfs_exporter.hpp"
#include "storage/unixfs_importer.hpp"
#include "storage/unixfs_pb.hpp"
#include "tests/storage/unixfs_test_support.hpp"

using namespace mantle;
using namespace mantle::testing;

namespace {

std::string cat_all(block_source& src, const cid& c, uint64_t off = 0, std::optional<uint64_t> len = {}) {
  std::string out;
  auto s = unixfs::cat(src, c, off, len, [&](std::string_view b) {
    out.append(b);
    return status{};
  });
  REQUIRE(s.ok());
  return out;
}

status try_cat(block_source& src, const cid& c) {
  return unixfs::cat(src, c, 0, std::nullopt, [](std::string_view) { return status{}; });
}

cid put_pb(memory_block_store& store, const dag_pb::node& n, uint64_t version = 0) {
  auto bytes = dag_pb::encode(n);
  cid c{version, codec::dag_pb, multihash::sha256(bytes)};
  REQUIRE(store.put(block{c, bytes}).ok());
  return c;
}

// Minimal ustar/PAX reader for round trips: path -> (type, content).
std::map<std::string, std::pair<char, std::string>> read_tar(const std::string& tar) {
  std::map<std::string, std::pair<char, std::string>> out;
  size_t at = 0;
  std::string pax_path;
  auto octal = [](const std::string& f) {
    uint64_t v = 0;
    for (char c : f)
      if (c >= '0' && c <= '7')
        v = v * 8 + (c - '0');
    return v;
  };
  while (at + 512 <= tar.size()) {
    std::string h = tar.substr(at, 512);
    if (h == std::string(512, '\0'))
      break;
    unsigned sum = 0;
    for (size_t i = 0; i < 512; ++i)
      sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    REQUIRE(sum == octal(h.substr(148, 8)));
    REQUIRE(h.substr(257, 6) == std::string("ustar\0", 6));
    std::string name = h.substr(0, 100);
    name = name.substr(0, name.find('\0'));
    uint64_t size = octal(h.substr(124, 12));
    char type = h[156];
    std::string body = tar.substr(at + 512, size);
    at += 512 + (size + 511) / 512 * 512;
    if (type == 'x') {
      auto p = body.find(" path=");
      REQUIRE(p != std::string::npos);
      pax_path = body.substr(p + 6, body.find('\n', p) - p - 6);
      continue;
    }
    if (!pax_path.empty())
      name = pax_path, pax_path.clear();
    out[name] = {type, body};
  }
  REQUIRE(at + 1024 <= tar.size());
  return out;
}

} // namespace

TEST_CASE("cat with offsets and lengths across chunk boundaries", "[storage][unixfs][exporter]") {
  memory_block_store store;
  unixfs::import_options opt;
  opt.chunk_size = 1000;
  opt.width = 4; // depth 5 for 300 KB: plenty of boundaries
  sha_counter_stream gen("cat-seed");
  auto data = generate(gen, 300'000);
  for (bool raw : {false, true}) {
    opt.raw_leaves = raw;
    auto r = unixfs::import_bytes(store, opt, data);
    REQUIRE(r.ok());
    CHECK(cat_all(store, r->root) == data);
    for (uint64_t off : {0, 1, 999, 1000, 1001, 3999, 4000, 16000, 123'457, 299'999, 300'000})
      for (uint64_t len : {0, 1, 2, 999, 1000, 1001, 5000, 1'000'000}) {
        INFO("off " << off << " len " << len);
        CHECK(cat_all(store, r->root, off, len) == data.substr(off, len));
      }
    CHECK(!unixfs::cat(store, r->root, 300'001, std::nullopt, [](std::string_view) { return status{}; }).ok());
    // A short read in the middle of a deep tree touches one block per level, not the file.
    counting_source counter(store);
    CHECK(cat_all(counter, r->root, 150'000, 10) == data.substr(150'000, 10));
    CHECK(counter.gets <= 6);
  }
}

TEST_CASE("cat stops when the writer fails", "[storage][unixfs][exporter]") {
  memory_block_store store;
  unixfs::import_options opt;
  opt.chunk_size = 100;
  auto r = unixfs::import_bytes(store, opt, std::string(10'000, 'a'));
  REQUIRE(r.ok());
  int calls = 0;
  auto s = unixfs::cat(store, r->root, 0, std::nullopt, [&](std::string_view) {
    return ++calls == 3 ? status(make_error(errc::io_error, "client went away")) : status{};
  });
  REQUIRE(!s.ok());
  CHECK(s.err().code == errc::io_error);
  CHECK(calls == 3);
}

TEST_CASE("stat, ls and resolve on a tree", "[storage][unixfs][exporter]") {
  memory_block_store store;
  auto opt = v1_default();
  opt.chunk_size = 1024;
  auto big = unixfs::import_bytes(store, opt, std::string(5000, 'b'));
  auto small = unixfs::import_bytes(store, opt, "tiny");
  REQUIRE((big.ok() && small.ok()));
  unixfs::directory_builder dir(store, opt);
  REQUIRE(dir.add_file("big.bin", *big).ok());
  REQUIRE(dir.add_file("sub/tiny.txt", *small).ok());
  REQUIRE(dir.add_directory("sub/empty").ok());
  auto out = dir.finish();
  REQUIRE(out.ok());
  auto root = out->back().second.root;

  auto listing = unixfs::ls(store, root);
  REQUIRE(listing.ok());
  REQUIRE(listing->size() == 2);
  CHECK((*listing)[0].name == "big.bin");
  CHECK((*listing)[0].kind == unixfs::node_kind::file);
  CHECK((*listing)[0].size == big->tsize);
  CHECK((*listing)[1].name == "sub");
  CHECK((*listing)[1].kind == unixfs::node_kind::directory);

  auto sub = unixfs::ls(store, *unixfs::resolve(store, root, "/sub/"));
  REQUIRE(sub.ok());
  REQUIRE(sub->size() == 2);
  CHECK((*sub)[1].name == "tiny.txt");
  CHECK((*sub)[1].kind == unixfs::node_kind::file); // raw leaf

  auto st = unixfs::stat(store, big->root);
  REQUIRE(st.ok());
  CHECK(st->kind == unixfs::node_kind::file);
  CHECK(st->size == 5000);
  st = unixfs::stat(store, small->root);
  REQUIRE(st.ok());
  CHECK(st->kind == unixfs::node_kind::raw);
  CHECK(st->size == 4);

  auto tiny = unixfs::resolve(store, root, "sub/tiny.txt");
  REQUIRE(tiny.ok());
  CHECK(cat_all(store, *tiny) == "tiny");
  auto missing = unixfs::resolve(store, root, "sub/nope");
  REQUIRE(!missing.ok());
  CHECK(missing.err().code == errc::not_found);
  CHECK(missing.err().message.find("nope") != std::string::npos);
  auto through_file = unixfs::resolve(store, root, "big.bin/x");
  REQUIRE(!through_file.ok());
  CHECK(through_file.err().code == errc::not_found);
  CHECK(!unixfs::resolve(store, root, "sub/../big.bin").ok());
  CHECK(!unixfs::ls(store, big->root).ok());
  CHECK(!try_cat(store, root).ok());
}

TEST_CASE("tar of a tree round-trips, long names through PAX", "[storage][unixfs][exporter][tar]") {
  memory_block_store store;
  unixfs::import_options opt;
  opt.chunk_size = 4096;
  sha_counter_stream gen("tar-seed");
  std::map<std::string, std::string> files = {
      {"a.txt", "alpha"},
      {"dir/b.bin", generate(gen, 10'000)},
      {"dir/" + std::string(150, 'n') + ".txt", "long name"},
      {"zero", ""},
  };
  unixfs::directory_builder dir(store, opt);
  for (auto& [path, content] : files) {
    auto f = unixfs::import_bytes(store, opt, content);
    REQUIRE(f.ok());
    REQUIRE(dir.add_file(path, *f).ok());
  }
  REQUIRE(dir.add_directory("dir/empty").ok());
  auto out = dir.finish();
  REQUIRE(out.ok());
  std::string tar;
  REQUIRE(unixfs::write_tar(store, out->back().second.root, "top", [&](std::string_view b) {
            tar.append(b);
            return status{};
          }).ok());
  CHECK(tar.size() % 512 == 0);
  auto entries = read_tar(tar);
  CHECK(entries.size() == files.size() + 3); // top/, top/dir/, top/dir/empty/
  CHECK(entries["top/"].first == '5');
  CHECK(entries["top/dir/empty/"].first == '5');
  for (auto& [path, content] : files) {
    INFO(path);
    REQUIRE(entries.count("top/" + path) == 1);
    CHECK(entries["top/" + path].first == '0');
    CHECK(entries["top/" + path].second == content);
  }
  // A single file exports as one entry.
  tar.clear();
  auto f = unixfs::import_bytes(store, opt, "solo");
  REQUIRE(unixfs::write_tar(store, f->root, "solo.txt", [&](std::string_view b) {
            tar.append(b);
            return status{};
          }).ok());
  auto one = read_tar(tar);
  REQUIRE(one.size() == 1);
  CHECK(one["solo.txt"].second == "solo");
  CHECK(!unixfs::write_tar(store, f->root, "../evil", [](std::string_view) { return status{}; }).ok());
}

TEST_CASE("tar refuses directory entries that would escape", "[storage][unixfs][exporter][tar]") {
  memory_block_store store;
  auto f = unixfs::import_bytes(store, {}, "x");
  unixfs::data d;
  d.type = unixfs::data_type::directory;
  for (std::string bad : {"..", "a/b", "", "."}) {
    dag_pb::node n;
    n.links.push_back({f->root, bad, 1});
    n.data = unixfs::encode(d);
    auto c = put_pb(store, n);
    INFO(bad);
    CHECK(!unixfs::write_tar(store, c, "t", [](std::string_view) { return status{}; }).ok());
  }
}

TEST_CASE("malformed and inconsistent blocks are errors, not crashes", "[storage][unixfs][exporter]") {
  memory_block_store store;
  unixfs::import_options opt;
  opt.chunk_size = 100;
  sha_counter_stream gen("malformed");
  auto data = generate(gen, 1000); // distinct leaves, so one forged leaf is one position
  auto r = unixfs::import_bytes(store, opt, data);
  REQUIRE(r.ok());
  auto root_bytes = *store.get(r->root);
  auto root = *dag_pb::decode(root_bytes);
  auto fs = *unixfs::decode(*root.data);

  SECTION("garbage leaf") {
    store.overwrite(root.links[3].target, "\xff\xff\xff garbage");
    CHECK(!try_cat(store, r->root).ok());
    // Reading around the bad leaf still works: only needed blocks are fetched.
    CHECK(cat_all(store, r->root, 0, 300) == data.substr(0, 300));
  }
  SECTION("missing leaf") {
    store.erase(root.links[5].target);
    auto s = try_cat(store, r->root);
    REQUIRE(!s.ok());
    CHECK(s.err().code == errc::not_found);
  }
  SECTION("blocksize disagrees with the child") {
    auto bad = fs;
    bad.blocksizes[2] = 99;
    bad.blocksizes[3] = 101;
    auto n = root;
    n.data = unixfs::encode(bad);
    auto s = try_cat(store, put_pb(store, n));
    REQUIRE(!s.ok());
    CHECK(s.err().code == errc::corrupt);
  }
  SECTION("blocksizes count differs from links") {
    auto bad = fs;
    bad.blocksizes.pop_back();
    auto n = root;
    n.data = unixfs::encode(bad);
    auto c = put_pb(store, n);
    CHECK(!try_cat(store, c).ok());
    CHECK(!unixfs::stat(store, c).ok());
  }
  SECTION("filesize differs from blocksizes") {
    auto bad = fs;
    bad.filesize = 5;
    auto n = root;
    n.data = unixfs::encode(bad);
    CHECK(!unixfs::stat(store, put_pb(store, n)).ok());
  }
  SECTION("a file that links to a directory") {
    unixfs::data dd;
    dd.type = unixfs::data_type::directory;
    dag_pb::node dn;
    dn.data = unixfs::encode(dd);
    auto dir = put_pb(store, dn);
    auto n = root;
    n.links[0].target = dir;
    CHECK(!try_cat(store, put_pb(store, n)).ok());
  }
  SECTION("a cycle is cut by the depth limit") {
    // Forge a block stored under a CID that its own link points to.
    cid self{0, codec::dag_pb, multihash::sha256("not really")};
    dag_pb::node n;
    n.links.push_back({self, "", 1});
    unixfs::data d;
    d.type = unixfs::data_type::file;
    d.blocksizes = {10};
    d.filesize = 10;
    n.data = unixfs::encode(d);
    store.overwrite(self, dag_pb::encode(n));
    auto s = try_cat(store, self);
    REQUIRE(!s.ok());
    CHECK(s.err().message.find("deeper") != std::string::npos);

    unixfs::data h;
    h.type = unixfs::data_type::hamt_shard;
    h.hash_type = 0x22;
    h.fanout = 256;
    h.payload = std::string("\x01", 1);
    dag_pb::node hn;
    hn.links.push_back({self, "00", 1});
    hn.data = unixfs::encode(h);
    store.overwrite(self, dag_pb::encode(hn));
    CHECK(!unixfs::ls(store, self).ok());
  }
  SECTION("HAMT with an unknown hash or fanout") {
    unixfs::data h;
    h.type = unixfs::data_type::hamt_shard;
    h.hash_type = 0x11;
    h.fanout = 256;
    dag_pb::node hn;
    hn.data = unixfs::encode(h);
    CHECK(!unixfs::ls(store, put_pb(store, hn)).ok());
    h.hash_type = 0x22;
    h.fanout = 100;
    hn.data = unixfs::encode(h);
    CHECK(!unixfs::resolve(store, put_pb(store, hn), "x").ok());
  }
  SECTION("codecs UnixFS does not read") {
    cid c{1, codec::dag_cbor, multihash::sha256("x")};
    CHECK(!unixfs::stat(store, c).ok());
  }
  SECTION("random corruption never crashes") {
    std::mt19937 rng(7);
    for (int round = 0; round < 2000; ++round) {
      auto mutated = root_bytes;
      int edits = 1 + rng() % 4;
      for (int e = 0; e < edits; ++e) {
        switch (rng() % 3) {
          case 0: mutated[rng() % mutated.size()] = static_cast<char>(rng()); break;
          case 1: mutated.resize(rng() % mutated.size()); break;
          case 2: mutated.insert(rng() % (mutated.size() + 1), 1, static_cast<char>(rng())); break;
        }
        if (mutated.empty())
          break;
      }
      store.overwrite(r->root, mutated);
      (void)try_cat(store, r->root);
      (void)unixfs::stat(store, r->root);
      (void)unixfs::ls(store, r->root);
      (void)unixfs::resolve(store, r->root, "a/b");
      (void)unixfs::write_tar(store, r->root, "t", [](std::string_view) { return status{}; });
    }
    SUCCEED("2000 mutated roots handled");
  }
}
