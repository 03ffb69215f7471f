#include <catch2/catch.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "actors/validator/chain_types.hpp"
#include "storage/chain_store.hpp"
#include "storage/identity.hpp"
#include "storage/lmdb_env.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::chain;

namespace {

// Builds a chain the way the validator will: each block links to the previous id and carries
// the previous certificate; each certificate is a real precommit by one validator.
struct chain_builder {
  node_identity key = node_identity::generate();
  std::string prev_id;
  commit_cert prev_cert;
  uint64_t height = 0;

  struct made {
    std::string bytes;
    std::string id;
    commit_cert cert;
    block b;
  };

  block next_block(std::vector<std::string> txs) const {
    block b;
    b.header.chain_id = "test";
    b.header.height = height + 1;
    b.header.time_ms = 1700000000000 + height * 1000;
    b.header.prev_hash = prev_id;
    b.header.state_root = hash("state " + std::to_string(height));
    b.header.proposer = key.public_key();
    b.txs = std::move(txs);
    b.last_commit = prev_cert;
    b.header.txs_hash = txs_hash(b.txs);
    b.header.evidence_hash = evidence_hash(b.evidence_list);
    b.header.last_commit_hash = commit_hash(b.last_commit);
    return b;
  }

  commit_cert certify(const block& b) const {
    commit_cert c;
    c.height = b.header.height;
    c.round = 0;
    c.block_id = block_id(b.header);
    vote v{vote_type::precommit, c.height, 0, c.block_id, key.public_key(), {}};
    c.sigs.push_back({key.public_key(), key.sign(sign_bytes("test", v))});
    return c;
  }

  // Makes the next block and advances (as if it had been committed).
  made next(std::vector<std::string> txs = {}) {
    made m;
    m.b = next_block(std::move(txs));
    m.bytes = encode(m.b);
    m.id = block_id(m.b.header);
    m.cert = certify(m.b);
    prev_id = m.id;
    prev_cert = m.cert;
    ++height;
    return m;
  }
};

std::unique_ptr<chain_store> open_store(const std::string& dir, chain_store_options opt = {}) {
  auto s = chain_store::open(dir, opt);
  INFO((s ? "" : s.err().describe()));
  REQUIRE(s);
  return std::move(*s);
}

// Overwrites one record of a table with raw bytes, as damage on disk would.
void poke(const std::string& dir, const char* table, std::string_view key, std::string_view value) {
  lmdb::env_options eo;
  eo.max_dbs = chain_store_tables + 1;
  auto env = lmdb::env::open(dir, eo);
  REQUIRE(env);
  auto t = lmdb::txn::begin(**env, false);
  REQUIRE(t);
  auto db = t->open_db(table, false);
  REQUIRE(db);
  REQUIRE(t->put(*db, key, value));
  REQUIRE(t->commit());
}

std::string height_key(uint64_t h) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, h >>= 8)
    k[i] = static_cast<char>(h & 0xff);
  return k;
}

} // namespace

TEST_CASE("the chain store keeps blocks with their certificates, by height and by id", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  auto store = open_store(dir.path);
  auto h0 = store->head();
  REQUIRE(h0);
  CHECK(*h0 == chain_head{});
  CHECK_FALSE(*store->get_block(1));

  chain_builder cb;
  std::vector<chain_builder::made> blocks;
  for (int i = 0; i < 3; ++i) {
    blocks.push_back(cb.next({"tx " + std::to_string(i)}));
    auto s = store->put_block(blocks.back().bytes, blocks.back().id, blocks.back().cert);
    INFO((s ? "" : s.err().describe()));
    REQUIRE(s);
  }
  CHECK(*store->head() == chain_head{3, blocks[2].id});
  for (uint64_t h = 1; h <= 3; ++h) {
    auto b = store->get_block(h);
    REQUIRE(b);
    REQUIRE(*b);
    CHECK((*b)->height == h);
    CHECK((*b)->id == blocks[h - 1].id);
    CHECK((*b)->block == blocks[h - 1].bytes);
    CHECK((*b)->cert == blocks[h - 1].cert);
    CHECK((*b)->cert_size == encode(blocks[h - 1].cert).size());
    auto by_id = store->get_block_by_id(blocks[h - 1].id);
    REQUIRE(by_id);
    REQUIRE(*by_id);
    CHECK((*by_id)->height == h);
    CHECK(**store->height_of(blocks[h - 1].id) == h);
  }
  CHECK_FALSE(*store->get_block(4));
  CHECK_FALSE(*store->get_block(0));
  CHECK_FALSE(*store->get_block_by_id(hash("no such block")));
  CHECK_FALSE(*store->height_of(""));
}

TEST_CASE("the chain store refuses anything but the next block, and stores nothing of it", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  auto store = open_store(dir.path);
  chain_builder cb;
  auto b1 = cb.next({"one"});

  SECTION("block 1 must not link anywhere") {
    chain_builder other;
    other.prev_id = hash("somewhere");
    auto bad = other.next();
    auto s = store->put_block(bad.bytes, bad.id, bad.cert);
    REQUIRE_FALSE(s);
    CHECK(s.err().code == errc::conflict);
    CHECK(s.err().message.find("links to previous block") != std::string::npos);
  }
  REQUIRE(store->put_block(b1.bytes, b1.id, b1.cert));

  chain_builder fork = cb; // same parent as the real block 2
  auto b2 = cb.next({"two"});
  auto b3 = cb.next({"three"});

  SECTION("a gap") {
    auto s = store->put_block(b3.bytes, b3.id, b3.cert);
    REQUIRE_FALSE(s);
    CHECK(s.err().code == errc::conflict);
    CHECK(s.err().message.find("head is 1, next is 2") != std::string::npos);
  }
  SECTION("the same height twice") {
    auto s = store->put_block(b1.bytes, b1.id, b1.cert);
    REQUIRE_FALSE(s);
    CHECK(s.err().code == errc::conflict);
  }
  SECTION("a wrong previous hash") {
    fork.prev_id = hash("not block 1");
    auto bad = fork.next({"two"});
    auto s = store->put_block(bad.bytes, bad.id, bad.cert);
    REQUIRE_FALSE(s);
    CHECK(s.err().code == errc::conflict);
    CHECK(s.err().message.find("links to previous block") != std::string::npos);
  }
  SECTION("an id that is not the header's hash") {
    auto s = store->put_block(b2.bytes, hash("other"), b2.cert);
    REQUIRE_FALSE(s);
    CHECK(s.err().code == errc::invalid_input);
    CHECK(s.err().message.find("not the hash of its header") != std::string::npos);
  }
  SECTION("a certificate for another block, or none") {
    auto s = store->put_block(b2.bytes, b2.id, b1.cert);
    REQUIRE_FALSE(s);
    CHECK(s.err().message.find("certificate is for height 1") != std::string::npos);
    commit_cert empty = b2.cert;
    empty.sigs.clear();
    s = store->put_block(b2.bytes, b2.id, empty);
    REQUIRE_FALSE(s);
    CHECK(s.err().message.find("no signatures") != std::string::npos);
  }
  SECTION("a body that does not match its header") {
    block b = fork.next_block({"two"});
    b.txs.push_back("smuggled");
    auto s = store->put_block(encode(b), block_id(b.header), fork.certify(b));
    REQUIRE_FALSE(s);
    CHECK(s.err().code == errc::invalid_input);
    CHECK(s.err().message.find("txs hash") != std::string::npos);
  }
  SECTION("bytes that are not a block") {
    auto s = store->put_block("\x93\x01\x02", b2.id, b2.cert);
    REQUIRE_FALSE(s);
    CHECK(s.err().code == errc::invalid_input);
    CHECK(s.err().message.find("cannot store block") != std::string::npos);
  }
  SECTION("a bad meta key") {
    auto s = store->put_block(b2.bytes, b2.id, b2.cert, {{"", "x"}});
    REQUIRE_FALSE(s);
    CHECK(s.err().code == errc::invalid_input);
  }
  // Whatever was refused left no trace.
  CHECK(*store->head() == chain_head{1, b1.id});
  CHECK_FALSE(*store->find_tx(hash("two")));
  CHECK_FALSE(*store->find_tx(hash("three")));
  CHECK_FALSE(*store->height_of(b2.id));
  CHECK_FALSE(*store->get_block(2));
  // And the right block still goes in.
  REQUIRE(store->put_block(b2.bytes, b2.id, b2.cert));
  REQUIRE(store->put_block(b3.bytes, b3.id, b3.cert));
  CHECK(store->head()->height == 3);
}

TEST_CASE("the chain store indexes transactions by hash", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  auto store = open_store(dir.path);
  chain_builder cb;
  auto b1 = cb.next({"alice pays bob", "bob pays carol", std::string("bin\0ary", 7)});
  auto b2 = cb.next({"carol pays dave", "alice pays bob"}); // a replay keeps its first place
  REQUIRE(store->put_block(b1.bytes, b1.id, b1.cert));
  REQUIRE(store->put_block(b2.bytes, b2.id, b2.cert));

  CHECK(**store->find_tx(hash("bob pays carol")) == tx_location{1, 1});
  CHECK(**store->find_tx(hash(std::string("bin\0ary", 7))) == tx_location{1, 2});
  CHECK(**store->find_tx(hash("carol pays dave")) == tx_location{2, 0});
  CHECK(**store->find_tx(hash("alice pays bob")) == tx_location{1, 0});
  auto t = store->get_tx(hash("carol pays dave"));
  REQUIRE(t);
  REQUIRE(*t);
  CHECK((*t)->bytes == "carol pays dave");
  CHECK((*t)->where == tx_location{2, 0});
  CHECK_FALSE(*store->find_tx(hash("never sent")));
  CHECK_FALSE(*store->get_tx(hash("never sent")));
  CHECK_FALSE(*store->find_tx(""));
}

TEST_CASE("range reads for catch-up stop at the count, the byte budget and the head", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  auto store = open_store(dir.path);
  chain_builder cb;
  std::vector<size_t> sizes;
  for (int i = 0; i < 10; ++i) {
    auto m = cb.next({std::string(1000, static_cast<char>('a' + i))});
    sizes.push_back(m.bytes.size() + encode(m.cert).size());
    REQUIRE(store->put_block(m.bytes, m.id, m.cert));
  }
  auto heights = [](const std::vector<stored_block>& v) {
    std::vector<uint64_t> out;
    for (const auto& b : v)
      out.push_back(b.height);
    return out;
  };
  CHECK(heights(*store->get_range(3, 4, 1 << 20)) == std::vector<uint64_t>{3, 4, 5, 6});
  CHECK(heights(*store->get_range(8, 100, 1 << 20)) == std::vector<uint64_t>{8, 9, 10});
  CHECK(store->get_range(11, 100, 1 << 20)->empty());
  CHECK(store->get_range(1, 0, 1 << 20)->empty());
  CHECK(heights(*store->get_range(0, 2, 1 << 20)) == std::vector<uint64_t>{1, 2});
  // Exactly three blocks fit; one byte less and only two do.
  size_t three = sizes[1] + sizes[2] + sizes[3];
  CHECK(heights(*store->get_range(2, 100, three)) == std::vector<uint64_t>{2, 3, 4});
  CHECK(heights(*store->get_range(2, 100, three - 1)) == std::vector<uint64_t>{2, 3});
  // A budget smaller than one block still returns that block, so catch-up never stalls.
  CHECK(heights(*store->get_range(5, 100, 10)) == std::vector<uint64_t>{5});
  auto r = store->get_range(1, 100, SIZE_MAX);
  REQUIRE(r->size() == 10);
  CHECK((*r)[9].id == cb.prev_id);
  CHECK((*r)[9].cert == cb.prev_cert);
}

TEST_CASE("the chain store keeps meta values, atomically with a block", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  auto store = open_store(dir.path);
  CHECK_FALSE(*store->get_meta("state_root"));
  REQUIRE(store->put_meta("genesis_hash", hash("genesis")));
  CHECK(**store->get_meta("genesis_hash") == hash("genesis"));

  chain_builder cb;
  auto b1 = cb.next();
  REQUIRE(store->put_block(b1.bytes, b1.id, b1.cert, {{"state_root", hash("root 1")}}));
  CHECK(**store->get_meta("state_root") == hash("root 1"));
  // A refused block writes none of its meta.
  auto b2 = cb.next();
  CHECK_FALSE(store->put_block(b2.bytes, hash("wrong id"), b2.cert, {{"state_root", hash("root 2")}}));
  CHECK(**store->get_meta("state_root") == hash("root 1"));
  REQUIRE(store->put_block(b2.bytes, b2.id, b2.cert, {{"state_root", hash("root 2")}, {"note", ""}}));
  CHECK(**store->get_meta("state_root") == hash("root 2"));
  CHECK(**store->get_meta("note") == "");
  REQUIRE(store->del_meta("note"));
  CHECK_FALSE(*store->get_meta("note"));
  CHECK_FALSE(store->put_meta("", "x"));
  CHECK_FALSE(store->put_meta(std::string(512, 'k'), "x"));
  CHECK_FALSE(store->get_meta(""));
}

TEST_CASE("a reopened chain store has every block, index and meta value", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  chain_builder cb;
  std::vector<chain_builder::made> blocks;
  {
    auto store = open_store(dir.path);
    for (int i = 0; i < 5; ++i) {
      blocks.push_back(cb.next({"tx " + std::to_string(i)}));
      REQUIRE(store->put_block(blocks.back().bytes, blocks.back().id, blocks.back().cert,
                               {{"last", std::to_string(i)}}));
    }
  }
  auto store = open_store(dir.path);
  CHECK(*store->head() == chain_head{5, blocks[4].id});
  for (uint64_t h = 1; h <= 5; ++h)
    CHECK((*store->get_block(h))->block == blocks[h - 1].bytes);
  CHECK(**store->find_tx(hash("tx 3")) == tx_location{4, 0});
  CHECK(**store->get_meta("last") == "4");
  auto b6 = cb.next();
  REQUIRE(store->put_block(b6.bytes, b6.id, b6.cert));
}

TEST_CASE("a chain store killed while writing keeps every committed block", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Writes blocks, reporting each committed height, until killed (bounded, so a parent
    // that failed before killing it does not leave it filling the disk).
    close(fds[0]);
    auto s = chain_store::open(dir.path);
    if (!s)
      _exit(1);
    chain_builder cb;
    while (cb.height < 20000) {
      auto m = cb.next({"tx at " + std::to_string(cb.height + 1), std::string(5000, 'p')});
      if (!(*s)->put_block(m.bytes, m.id, m.cert, {{"height", std::to_string(m.b.header.height)}}))
        _exit(2);
      uint64_t h = m.b.header.height;
      if (write(fds[1], &h, sizeof h) != sizeof h)
        _exit(3);
    }
    _exit(0);
  }
  close(fds[1]);
  uint64_t committed = 0;
  while (committed < 30)
    REQUIRE(read(fds[0], &committed, sizeof committed) == sizeof committed);
  kill(child, SIGKILL);
  int st = 0;
  REQUIRE(waitpid(child, &st, 0) == child);
  CHECK((WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) == 0)));
  close(fds[0]);

  auto store = open_store(dir.path);
  auto h = store->head();
  REQUIRE(h);
  CHECK(h->height >= committed);
  auto all = store->get_range(1, SIZE_MAX, SIZE_MAX);
  REQUIRE(all);
  REQUIRE(all->size() == h->height);
  std::string prev;
  for (const auto& sb : *all) {
    auto b = decode_block(sb.block);
    REQUIRE(b);
    CHECK(b->header.prev_hash == prev);
    CHECK(block_id(b->header) == sb.id);
    prev = sb.id;
    CHECK(**store->find_tx(hash("tx at " + std::to_string(sb.height))) == tx_location{sb.height, 0});
  }
  CHECK(prev == h->id);
  CHECK(**store->get_meta("height") == std::to_string(h->height));
}

TEST_CASE("garbage in the chain database is a clear error, not a crash or a wrong block", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  chain_builder cb;
  std::vector<chain_builder::made> blocks;
  {
    auto store = open_store(dir.path);
    for (int i = 0; i < 3; ++i) {
      blocks.push_back(cb.next({"tx " + std::to_string(i)}));
      REQUIRE(store->put_block(blocks.back().bytes, blocks.back().id, blocks.back().cert));
    }
  }
  auto expect_corrupt = [](const auto& r, const std::string& mention) {
    REQUIRE_FALSE(r);
    CHECK(r.err().code == errc::corrupt);
    INFO(r.err().message);
    CHECK(r.err().message.find(mention) != std::string::npos);
  };

  SECTION("a record that is not msgpack") {
    poke(dir.path, "chain_blocks", height_key(2), "\xc1garbage");
    auto store = open_store(dir.path);
    expect_corrupt(store->get_block(2), "height 2");
    expect_corrupt(store->get_range(1, 10, SIZE_MAX), "height 2");
    expect_corrupt(store->get_block_by_id(blocks[1].id), "height 2");
    expect_corrupt(store->get_tx(hash("tx 1")), "height 2");
    CHECK((*store->get_block(1))->block == blocks[0].bytes); // the rest still reads
  }
  SECTION("a well-formed record whose block bytes changed") {
    std::string rec;
    {
      auto env = lmdb::env::open(dir.path, lmdb::env_options{});
      REQUIRE(env);
      auto t = lmdb::txn::begin(**env, true);
      auto db = t->open_db("chain_blocks", false);
      REQUIRE(db);
      rec = std::string(**t->get(*db, height_key(3)));
    }
    auto at = rec.find("tx 2");
    REQUIRE(at != std::string::npos);
    rec[at] = 'T';
    poke(dir.path, "chain_blocks", height_key(3), rec);
    // The head names block 3, so the damage shows at open.
    auto s = chain_store::open(dir.path);
    expect_corrupt(s, "height 3");
  }
  SECTION("a damaged head record") {
    poke(dir.path, "chain_head", "head", "\x92\x00\xc4\x01x");
    expect_corrupt(chain_store::open(dir.path), "head record");
  }
  SECTION("a damaged tx index entry") {
    poke(dir.path, "chain_txs", hash("tx 0"), "\x92\x02\x09");
    poke(dir.path, "chain_txs", hash("tx 1"), "nonsense");
    auto store = open_store(dir.path);
    expect_corrupt(store->get_tx(hash("tx 0")), "holds another tx");
    expect_corrupt(store->find_tx(hash("tx 1")), "tx index record");
  }
  SECTION("a damaged id entry") {
    poke(dir.path, "chain_ids", blocks[0].id, height_key(2));
    poke(dir.path, "chain_ids", blocks[1].id, "xyz");
    auto store = open_store(dir.path);
    expect_corrupt(store->get_block_by_id(blocks[0].id), "holds another block");
    expect_corrupt(store->height_of(blocks[1].id), "not 8 bytes");
  }
}

TEST_CASE("a full chain store refuses the block and keeps the chain as it was", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  chain_store_options opt;
  opt.map_size = 1 << 20;
  auto store = open_store(dir.path, opt);
  chain_builder cb;
  uint64_t stored = 0;
  status last;
  for (int i = 0; i < 50 && last; ++i) {
    auto m = cb.next({std::string(100000, static_cast<char>('a' + i % 26)) + std::to_string(i)});
    last = store->put_block(m.bytes, m.id, m.cert, {{"height", std::to_string(i + 1)}});
    if (last)
      stored = m.b.header.height;
  }
  REQUIRE_FALSE(last);
  CHECK(last.err().code == errc::storage_full);
  CHECK(last.err().message.find("chain store") != std::string::npos);
  CHECK(stored > 0);
  CHECK(store->head()->height == stored);
  CHECK(**store->get_meta("height") == std::to_string(stored));
  CHECK(store->get_range(1, SIZE_MAX, SIZE_MAX)->size() == stored);
}

TEST_CASE("the chain store shares an environment and a caller's transaction", "[chain][chain_store]") {
  test::temp_dir dir("mantle-chain");
  lmdb::env_options eo;
  eo.max_dbs = chain_store_tables + 2;
  auto env = lmdb::env::open(dir.path, eo);
  REQUIRE(env);
  auto store = chain_store::attach(**env);
  REQUIRE(store);
  chain_builder cb;
  auto b1 = cb.next({"one"});
  {
    // The caller's other table and the block in one transaction, aborted: neither lands.
    auto t = lmdb::txn::begin(**env, false);
    REQUIRE(t);
    auto other = t->open_db("state", true);
    REQUIRE(other);
    REQUIRE(t->put(*other, "k", "v"));
    REQUIRE((*store)->put_block(*t, b1.bytes, b1.id, b1.cert));
    CHECK((*store)->head(*t)->height == 1);
    CHECK_FALSE(*(*store)->get_meta(*t, "absent"));
  }
  CHECK((*store)->head()->height == 0);
  CHECK_FALSE(*(*store)->find_tx(hash("one")));
  {
    auto t = lmdb::txn::begin(**env, false);
    REQUIRE((*store)->put_block(*t, b1.bytes, b1.id, b1.cert));
    REQUIRE((*store)->put_meta(*t, "state_root", hash("r1")));
    REQUIRE(t->commit());
  }
  CHECK(*(*store)->head() == chain_head{1, b1.id});
  CHECK(**(*store)->get_meta("state_root") == hash("r1"));
}
