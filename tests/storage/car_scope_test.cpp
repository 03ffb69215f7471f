#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "storage/car_scope.hpp"
#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "storage/unixfs_pb.hpp"
#include "tests/storage/unixfs_test_support.hpp"

using namespace mantle;
using namespace mantle::car;
using namespace mantle::testing;

namespace {

struct car_file {
  header head;
  std::vector<block> blocks;
};

car_file read_car(const std::string& bytes) {
  size_t pos = 0;
  reader r([&](char* buf, size_t max) -> result<size_t> {
    size_t n = std::min(max, bytes.size() - pos);
    std::memcpy(buf, bytes.data() + pos, n);
    pos += n;
    return n;
  });
  car_file f;
  auto h = r.read_header();
  REQUIRE(h);
  f.head = *h;
  for (;;) {
    auto b = r.next();
    REQUIRE(b);
    if (!*b)
      break;
    f.blocks.push_back(std::move(**b));
  }
  return f;
}

struct exported {
  result<scoped_export> res;
  std::string bytes;
  int writes = 0;
};

exported run(block_source& src, const cid& root, std::string_view path, const car_params& p) {
  std::string bytes;
  int writes = 0;
  auto r = export_car_scoped(src, root, path, p, [&](std::string_view b) {
    bytes.append(b);
    ++writes;
    return status{};
  });
  return {std::move(r), std::move(bytes), writes};
}

car_params scope(dag_scope s, std::optional<entity_bytes> range = std::nullopt, bool dups = false) {
  car_params p;
  p.scope = s;
  p.range = range;
  p.dups = dups;
  return p;
}

std::vector<cid> cids_of(const car_file& f) {
  std::vector<cid> out;
  for (auto& b : f.blocks)
    out.push_back(b.cid);
  return out;
}

dag_pb::node decode_node(block_source& src, const cid& c) {
  auto bytes = src.get(c);
  REQUIRE(bytes);
  auto n = dag_pb::decode(*bytes);
  REQUIRE(n);
  return *n;
}

// The file bytes a block carries itself (raw leaf or a dag-pb node's UnixFS Data).
std::string payload(const block& b) {
  if (b.cid.codec == codec::raw)
    return b.data;
  auto n = dag_pb::decode(b.data);
  REQUIRE(n);
  auto d = unixfs::decode(*n->data);
  REQUIRE(d);
  return d->payload.value_or("");
}

// Blocks of a file DAG in depth-first link order, each node before its children.
void dfs(block_source& src, const cid& c, std::vector<cid>& out) {
  out.push_back(c);
  if (c.codec != codec::dag_pb)
    return;
  for (auto& l : decode_node(src, c).links)
    dfs(src, l.target, out);
}

// A site: a.txt, sub/big.bin (10,000 bytes in 1,000-byte raw leaves, 4 links per node: root,
// 3 inner nodes, 10 leaves), sub/copy.bin (same bytes, so the same DAG), empty/.
struct fixture {
  memory_block_store store;
  unixfs::import_options opt = v1_default();
  std::string big;
  cid root, sub, big_root;

  fixture() {
    opt.chunk_size = 1000;
    opt.width = 4;
    sha_counter_stream gen("car-scope");
    big = generate(gen, 10'000);
    unixfs::directory_builder dir(store, opt);
    auto a = unixfs::import_bytes(store, opt, "alpha");
    auto b = unixfs::import_bytes(store, opt, big);
    REQUIRE(a);
    REQUIRE(b);
    big_root = b->root;
    REQUIRE(dir.add_file("a.txt", *a));
    REQUIRE(dir.add_file("sub/big.bin", *b));
    REQUIRE(dir.add_file("sub/copy.bin", *b));
    REQUIRE(dir.add_directory("empty"));
    auto out = dir.finish();
    REQUIRE(out);
    root = out->back().second.root;
    for (auto& [path, im] : *out)
      if (path == "sub")
        sub = im.root;
  }
};

} // namespace

TEST_CASE("dag-scope=block: the path's blocks, then the target's block", "[car_scope]") {
  fixture f;
  auto e = run(f.store, f.root, "sub/big.bin", scope(dag_scope::block));
  REQUIRE(e.res);
  CHECK(e.res->terminal == f.big_root);
  auto car = read_car(e.bytes);
  REQUIRE(car.head.roots.size() == 1);
  CHECK(car.head.roots[0] == f.root);
  CHECK(cids_of(car) == std::vector<cid>{f.root, f.sub, f.big_root});
  CHECK(e.res->blocks == 3);
  // No path: the root block alone.
  e = run(f.store, f.root, "", scope(dag_scope::block));
  REQUIRE(e.res);
  CHECK(cids_of(read_car(e.bytes)) == std::vector<cid>{f.root});
}

TEST_CASE("dag-scope=entity on a file: its whole DAG, depth-first, reassembling the bytes",
          "[car_scope]") {
  fixture f;
  auto e = run(f.store, f.root, "/sub/big.bin", scope(dag_scope::entity));
  REQUIRE(e.res);
  auto car = read_car(e.bytes);
  std::vector<cid> expected{f.root, f.sub};
  dfs(f.store, f.big_root, expected);
  REQUIRE(expected.size() == 2 + 1 + 3 + 10);
  CHECK(cids_of(car) == expected);
  std::string bytes;
  for (size_t i = 2; i < car.blocks.size(); ++i)
    bytes += payload(car.blocks[i]);
  CHECK(bytes == f.big);
  CHECK(e.res->blocks == expected.size());
  CHECK_FALSE(e.res->range);
}

TEST_CASE("dag-scope=entity on directories lists them without their children", "[car_scope]") {
  fixture f;
  auto e = run(f.store, f.root, "sub", scope(dag_scope::entity));
  REQUIRE(e.res);
  CHECK(cids_of(read_car(e.bytes)) == std::vector<cid>{f.root, f.sub});
  e = run(f.store, f.root, "", scope(dag_scope::entity));
  REQUIRE(e.res);
  CHECK(cids_of(read_car(e.bytes)) == std::vector<cid>{f.root});
}

TEST_CASE("dag-scope=all: every block below the target once, or every time with dups=y",
          "[car_scope]") {
  fixture f;
  auto e = run(f.store, f.root, "", scope(dag_scope::all));
  REQUIRE(e.res);
  auto car = read_car(e.bytes);
  std::vector<cid> walk;
  dfs(f.store, f.root, walk); // copy.bin repeats big.bin's DAG
  std::vector<cid> once;
  std::set<std::string> seen;
  for (auto& c : walk)
    if (seen.insert(c.bytes()).second)
      once.push_back(c);
  CHECK(cids_of(car) == once);
  CHECK(once.size() == f.store.count());
  CHECK(once.size() < walk.size());
  // Every block is intact.
  for (auto& b : car.blocks)
    CHECK(multihash::verify(b.cid.mh, b.data));

  e = run(f.store, f.root, "", scope(dag_scope::all, std::nullopt, true));
  REQUIRE(e.res);
  CHECK(cids_of(read_car(e.bytes)) == walk);
  // Below a path: the path's blocks, then the subtree.
  e = run(f.store, f.root, "sub", scope(dag_scope::all));
  REQUIRE(e.res);
  std::vector<cid> expected{f.root, f.sub};
  dfs(f.store, f.big_root, expected);
  CHECK(cids_of(read_car(e.bytes)) == expected);
}

TEST_CASE("entity-bytes sends only the blocks that hold the range", "[car_scope]") {
  fixture f;
  auto root = decode_node(f.store, f.big_root);
  REQUIRE(root.links.size() == 3);
  struct span {
    const char* text;
    uint64_t first, last;
  };
  for (auto s : {span{"0:0", 0, 0}, span{"0:*", 0, 9999}, span{"1500:2500", 1500, 2500},
                 span{"-1000:*", 9000, 9999}, span{"499:-1000", 499, 9000},
                 span{"3999:4000", 3999, 4000}, span{"9999:99999", 9999, 9999},
                 span{"-20000:10", 0, 10}, span{"-1:-1", 9999, 9999}}) {
    INFO(s.text);
    auto r = parse_entity_bytes(s.text);
    REQUIRE(r);
    auto e = run(f.store, f.root, "sub/big.bin", scope(dag_scope::entity, *r));
    REQUIRE(e.res);
    REQUIRE(e.res->range);
    CHECK(e.res->range->first == s.first);
    CHECK(e.res->range->second == s.last);
    auto car = read_car(e.bytes);
    // The path, the file root, then per inner node i (leaves 4i..4i+3) the node and its leaves
    // that overlap, in order.
    std::vector<cid> expected{f.root, f.sub, f.big_root};
    for (size_t i = 0; i < 3; ++i) {
      auto inner = decode_node(f.store, root.links[i].target);
      bool any = false;
      for (size_t j = 0; j < inner.links.size(); ++j) {
        uint64_t leaf = i * 4 + j, lo = leaf * 1000, hi = lo + 999;
        if (hi < s.first || lo > s.last)
          continue;
        if (!any)
          expected.push_back(root.links[i].target);
        any = true;
        expected.push_back(inner.links[j].target);
      }
    }
    CHECK(cids_of(car) == expected);
    std::string bytes;
    for (size_t i = 3; i < car.blocks.size(); ++i)
      bytes += payload(car.blocks[i]);
    uint64_t base = s.first / 1000 * 1000;
    REQUIRE(bytes.size() >= s.last + 1 - base);
    CHECK(bytes.substr(s.first - base, s.last + 1 - s.first) == f.big.substr(s.first, s.last + 1 - s.first));
  }
}

TEST_CASE("entity-bytes on dag-pb leaves (CIDv0) and on a single raw block", "[car_scope]") {
  memory_block_store store;
  unixfs::import_options opt; // Kubo defaults: CIDv0, dag-pb leaves
  opt.chunk_size = 500;
  sha_counter_stream gen("v0");
  std::string data = generate(gen, 3000);
  auto file = unixfs::import_bytes(store, opt, data);
  REQUIRE(file);
  auto e = run(store, file->root, "", scope(dag_scope::entity, entity_bytes{1200, 1700}));
  REQUIRE(e.res);
  auto car = read_car(e.bytes);
  REQUIRE(car.blocks.size() == 1 + 2); // root, leaves 2 and 3
  CHECK(car.blocks[0].cid == file->root);
  CHECK(payload(car.blocks[1]) + payload(car.blocks[2]) == data.substr(1000, 1000));

  auto small = unixfs::import_bytes(store, v1_default(), "just one raw block");
  REQUIRE(small);
  REQUIRE(small->root.codec == codec::raw);
  e = run(store, small->root, "", scope(dag_scope::entity, entity_bytes{-3, std::nullopt}));
  REQUIRE(e.res);
  CHECK(e.res->range == std::make_pair(uint64_t{15}, uint64_t{17}));
  car = read_car(e.bytes);
  REQUIRE(car.blocks.size() == 1);
  CHECK(car.blocks[0].data == "just one raw block");
}

TEST_CASE("entity-bytes outside the file", "[car_scope]") {
  fixture f;
  // Starting past the end is a 400 before anything is written.
  auto e = run(f.store, f.root, "sub/big.bin", scope(dag_scope::entity, entity_bytes{10000, std::nullopt}));
  REQUIRE_FALSE(e.res);
  CHECK(e.res.err().code == errc::invalid_input);
  CHECK(e.writes == 0);
  // An empty range (mixed signs, known only with the size) answers like dag-scope=block.
  e = run(f.store, f.root, "sub/big.bin", scope(dag_scope::entity, entity_bytes{9000, -2000}));
  REQUIRE(e.res);
  CHECK_FALSE(e.res->range);
  CHECK(cids_of(read_car(e.bytes)) == std::vector<cid>{f.root, f.sub, f.big_root});
  // On a directory the range does not apply: the entity is the directory.
  e = run(f.store, f.root, "sub", scope(dag_scope::entity, entity_bytes{5, 10}));
  REQUIRE(e.res);
  CHECK(cids_of(read_car(e.bytes)) == std::vector<cid>{f.root, f.sub});
}

TEST_CASE("HAMT directories: path blocks and entity shards", "[car_scope]") {
  memory_block_store store;
  auto opt = v1_default();
  opt.hamt_threshold = 1000; // shard early
  unixfs::directory_builder dir(store, opt);
  for (int i = 0; i < 400; ++i) {
    auto f = unixfs::import_bytes(store, opt, "file " + std::to_string(i));
    REQUIRE(f);
    REQUIRE(dir.add_file("big/f" + std::to_string(i), *f));
  }
  auto out = dir.finish();
  REQUIRE(out);
  cid root = out->back().second.root, hamt;
  for (auto& [path, im] : *out)
    if (path == "big")
      hamt = im.root;
  auto is_shard = [&](const block& b) {
    if (b.cid.codec != codec::dag_pb)
      return false;
    auto n = dag_pb::decode(b.data);
    auto d = unixfs::decode(*n->data);
    return d && d->type == unixfs::data_type::hamt_shard;
  };
  // Every shard block below the HAMT root: links named by their 2-digit slot alone.
  std::vector<cid> shards;
  std::function<void(const cid&)> collect = [&](const cid& c) {
    shards.push_back(c);
    for (auto& l : decode_node(store, c).links)
      if (l.name.size() == 2)
        collect(l.target);
  };
  collect(hamt);
  REQUIRE(shards.size() > 1); // 400 names in 256 slots collide

  auto e = run(store, root, "big", scope(dag_scope::entity));
  REQUIRE(e.res);
  auto car = read_car(e.bytes);
  std::vector<cid> expected{root};
  expected.insert(expected.end(), shards.begin(), shards.end());
  CHECK(cids_of(car) == expected);

  // A name inside a sub-shard: its path holds the HAMT root and the sub-shard(s) to it.
  bool found_deep = false;
  for (int i = 0; i < 400 && !found_deep; ++i) {
    std::string name = "f" + std::to_string(i);
    e = run(store, root, "big/" + name, scope(dag_scope::block));
    REQUIRE(e.res);
    car = read_car(e.bytes);
    REQUIRE(car.blocks.size() >= 3);
    CHECK(car.blocks[0].cid == root);
    CHECK(car.blocks[1].cid == hamt);
    for (size_t j = 1; j + 1 < car.blocks.size(); ++j)
      CHECK(is_shard(car.blocks[j]));
    CHECK(car.blocks.back().data == "file " + std::to_string(i));
    found_deep = car.blocks.size() > 3;
  }
  CHECK(found_deep);
}

TEST_CASE("missing blocks and paths", "[car_scope]") {
  fixture f;
  auto e = run(f.store, f.root, "sub/nope", scope(dag_scope::all));
  REQUIRE_FALSE(e.res);
  CHECK(e.res.err().code == errc::not_found);
  CHECK(e.writes == 0);
  memory_block_store empty;
  e = run(empty, f.root, "", scope(dag_scope::block));
  REQUIRE_FALSE(e.res);
  CHECK(e.res.err().code == errc::not_found);
  CHECK(e.writes == 0);
  // A leaf gone in the middle: the error comes after a partial CAR.
  auto inner = decode_node(f.store, decode_node(f.store, f.big_root).links[1].target);
  f.store.erase(inner.links[2].target);
  e = run(f.store, f.root, "sub/big.bin", scope(dag_scope::entity));
  REQUIRE_FALSE(e.res);
  CHECK(e.res.err().code == errc::not_found);
  CHECK(e.res.err().message.find(inner.links[2].target.str()) != std::string::npos);
  CHECK(e.writes > 0);
  // A range that avoids the missing leaf still works.
  e = run(f.store, f.root, "sub/big.bin", scope(dag_scope::entity, entity_bytes{0, 999}));
  CHECK(e.res);
}

TEST_CASE("a corrupt block is never sent", "[car_scope]") {
  fixture f;
  auto leaf = decode_node(f.store, decode_node(f.store, f.big_root).links[0].target).links[0].target;
  f.store.overwrite(leaf, "not the right bytes");
  auto e = run(f.store, f.root, "sub/big.bin", scope(dag_scope::entity));
  REQUIRE_FALSE(e.res);
  CHECK(e.res.err().code == errc::corrupt);
  CHECK(e.bytes.find("not the right bytes") == std::string::npos);
}

TEST_CASE("identity CIDs are never sent as blocks", "[car_scope]") {
  memory_block_store empty;
  auto probe = cid::parse("bafkqaaa");
  REQUIRE(probe);
  auto e = run(empty, *probe, "", scope(dag_scope::all));
  REQUIRE(e.res);
  auto car = read_car(e.bytes);
  CHECK(car.head.roots == std::vector<cid>{*probe});
  CHECK(car.blocks.empty());
}

TEST_CASE("entity-bytes syntax", "[car_scope]") {
  auto ok = [](const char* t, int64_t from, std::optional<int64_t> to) {
    INFO(t);
    auto r = parse_entity_bytes(t);
    REQUIRE(r);
    CHECK(r->from == from);
    CHECK(r->to == to);
  };
  ok("0:*", 0, std::nullopt);
  ok("0:0", 0, 0);
  ok("-1024:*", -1024, std::nullopt);
  ok("499:-1000", 499, -1000);
  ok("-5:10", -5, 10);
  ok("-10:-5", -10, -5);
  for (const char* bad : {"", ":", "0", "0:", ":5", "a:b", "1:2:3", "*:5", "5:3", "-3:-5", "01:5",
                          "-0:5", "1.5:2", " 1:2", "+1:2", "99999999999999999999:*", "0:*x"}) {
    INFO(bad);
    auto r = parse_entity_bytes(bad);
    REQUIRE_FALSE(r);
    CHECK(r.err().code == errc::invalid_input);
    CHECK(r.err().message.find("entity-bytes") != std::string::npos);
  }
}

TEST_CASE("entity-bytes against a size", "[car_scope]") {
  using range = std::optional<std::pair<uint64_t, uint64_t>>;
  auto at = [](int64_t from, std::optional<int64_t> to, uint64_t size) {
    auto r = resolve_entity_bytes(entity_bytes{from, to}, size);
    REQUIRE(r);
    return *r;
  };
  CHECK(at(0, std::nullopt, 100) == range({0, 99}));
  CHECK(at(10, 20, 100) == range({10, 20}));
  CHECK(at(10, 500, 100) == range({10, 99}));
  CHECK(at(-10, std::nullopt, 100) == range({90, 99}));
  CHECK(at(-500, 5, 100) == range({0, 5}));
  CHECK(at(5, -10, 100) == range({5, 90}));
  CHECK(at(95, -10, 100) == range{});
  CHECK(at(0, -101, 100) == range{});
  CHECK(at(0, std::nullopt, 0) == range{});
  CHECK(at(std::numeric_limits<int64_t>::min(), std::nullopt, 7) == range({0, 6}));
  auto past = resolve_entity_bytes(entity_bytes{100, std::nullopt}, 100);
  REQUIRE_FALSE(past);
  CHECK(past.err().code == errc::invalid_input);
}

TEST_CASE("CAR request parameters from the query and the Accept header", "[car_scope]") {
  auto p = parse_car_params({}, "");
  REQUIRE(p);
  CHECK(p->scope == dag_scope::all);
  CHECK_FALSE(p->range);
  CHECK_FALSE(p->dups);
  CHECK(car_content_type(*p) == "application/vnd.ipld.car; version=1; order=dfs; dups=n");

  car_query q;
  q.dag_scope = "block";
  p = parse_car_params(q, "");
  REQUIRE(p);
  CHECK(p->scope == dag_scope::block);

  q = {};
  q.entity_bytes = "0:99";
  p = parse_car_params(q, "");
  REQUIRE(p);
  CHECK(p->scope == dag_scope::entity); // implied
  CHECK(p->range->to == 99);

  q.dag_scope = "all";
  auto bad = parse_car_params(q, "");
  REQUIRE_FALSE(bad);
  CHECK(bad.err().message.find("dag-scope=entity") != std::string::npos);

  q = {};
  q.dag_scope = "everything";
  CHECK(parse_car_params(q, "").err().message.find("block, entity, all") != std::string::npos);

  p = parse_car_params({}, "text/html, Application/VND.IPLD.CAR; version=1; order=dfs; dups=y;q=0.9");
  REQUIRE(p);
  CHECK(p->dups);
  CHECK(car_content_type(*p) == "application/vnd.ipld.car; version=1; order=dfs; dups=y");
  CHECK(parse_car_params({}, "application/vnd.ipld.car;order=unk")->dups == false);
  CHECK(parse_car_params({}, "application/vnd.ipld.car; dups=\"n\"")->dups == false);

  auto v2 = parse_car_params({}, "application/vnd.ipld.car; version=2");
  REQUIRE_FALSE(v2);
  CHECK(v2.err().code == errc::unsupported);
  auto foo = parse_car_params({}, "application/vnd.ipld.car; order=foo");
  REQUIRE_FALSE(foo);
  CHECK(foo.err().code == errc::unsupported);
  auto dz = parse_car_params({}, "application/vnd.ipld.car; dups=maybe");
  REQUIRE_FALSE(dz);
  CHECK(dz.err().code == errc::invalid_input);

  // The query wins over Accept.
  q = {};
  q.car_dups = "n";
  q.car_version = "1";
  p = parse_car_params(q, "application/vnd.ipld.car; version=2; dups=y");
  REQUIRE(p);
  CHECK_FALSE(p->dups);
  q.car_order = "random";
  CHECK(parse_car_params(q, "").err().message.find("car-order") != std::string::npos);
}
