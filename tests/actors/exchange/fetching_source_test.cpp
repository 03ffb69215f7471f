// The network fallback for reads: a node's block source and backend fetch what the node lacks
// through its exchange actor (gateway, cat, pin add), and are the plain local store without one.
#include "tests/actors/exchange/exchange_fixture.hpp"

#include "actors/exchange/fetching_source.hpp"
#include "actors/gateway/actor_backend.hpp"
#include "storage/unixfs_exporter.hpp"

using namespace mantle;
using namespace mantle::test;

TEST_CASE("reads fall back to the exchange for blocks the node lacks", "[exchange][fallback]") {
  system_fixture f;
  node a(f), b(f);
  auto bytes = pattern(200 * 1024, 3);
  auto root = a.add(bytes, 8192);
  connect(a, "A", b, "B");
  SECTION("without an exchange the miss stands") {
    fetching_source src(*f.sys, *b.store, [] { return caf::actor{}; });
    auto r = src.get(root);
    REQUIRE_FALSE(r);
    CHECK(r.err().code == errc::not_found);
  }
  SECTION("a whole file is read through the fallback") {
    auto ex = b.exchange;
    fetching_source src(*f.sys, *b.store, [ex] { return ex; });
    std::string out;
    auto s = unixfs::cat(src, root, 0, std::nullopt, [&](std::string_view part) {
      out.append(part);
      return status{};
    });
    REQUIRE(s);
    CHECK(out == bytes);
    CHECK(*b.store->has(root));
  }
  SECTION("a CID nobody has is a clear not_found") {
    auto ex = b.exchange;
    fetching_source src(*f.sys, *b.store, [ex] { return ex; });
    cid missing{1, codec::raw, multihash::sha256("absent everywhere")};
    auto r = src.get(missing);
    REQUIRE_FALSE(r);
    CHECK(r.err().code == errc::not_found);
    CHECK(r.err().message.find(missing.str()) != std::string::npos);
  }
}

TEST_CASE("pin add of a CID the node lacks fetches the whole DAG first", "[exchange][fallback]") {
  system_fixture f;
  node a(f), b(f);
  auto root = a.add(pattern(150 * 1024, 4), 4096);
  connect(a, "A", b, "B");
  auto store_actor = b.blocks;
  auto backend = make_actor_backend(*f.sys, [store_actor] { return store_actor; }, peer_info{}, b.store);
  // The backend finds the exchange by its registry name, as in mantled.
  f.sys->registry().put(caf::atom("exchange"), caf::actor_cast<caf::strong_actor_ptr>(b.exchange));
  REQUIRE(backend->pin_add(root, pin_type::recursive, "from A"));
  for (auto& c : dag_cids(*a.store, root))
    CHECK(*b.store->has(c));
  auto pins = b.store->pins(pin_type::recursive);
  REQUIRE(pins);
  REQUIRE(pins->size() == 1);
  CHECK((*pins)[0].id == root);
  // Nobody has it: the pin fails with the exchange's error and pins nothing.
  cid missing{0, codec::dag_pb, multihash::sha256("never added")};
  auto s = backend->pin_add(missing, pin_type::recursive, "");
  REQUIRE_FALSE(s);
  CHECK(s.err().code == errc::not_found);
  CHECK(s.err().message.find(missing.str()) != std::string::npos);
  f.sys->registry().erase(caf::atom("exchange"));
  backend.reset();
}

namespace {

// The real store, except that the first read() of `late` misses: what a streaming read sees
// when the block is stored (by the exchange's DAG prefetch of the same file) just after its
// lookup.
class arrives_during_read final : public block_source {
public:
  arrives_during_read(block_source& store, cid late) : store_(store), late_(std::move(late)) {}
  result<std::string> get(const cid& c) override { return store_.get(c); }
  status read(const cid& c, const std::function<status(std::string_view)>& fn) override {
    if (c == late_ && !missed_) {
      missed_ = true;
      return error{errc::not_found, "block " + c.str() + " is not in the store"};
    }
    return store_.read(c, fn);
  }

private:
  block_source& store_;
  cid late_;
  bool missed_ = false;
};

} // namespace

TEST_CASE("a block stored while a read missed it is read, not reported missing", "[exchange][fallback]") {
  system_fixture f;
  node a(f);
  auto bytes = pattern(3000, 5);
  auto root = a.add(bytes, 8192); // one block
  arrives_during_read local(*a.store, root);
  fetching_source src(*f.sys, local, [] { return caf::actor{}; }); // no network: the store must do
  std::string out;
  auto s = src.read(root, [&](std::string_view b) {
    out.assign(b);
    return status{};
  });
  REQUIRE(s);
  CHECK(out == *a.store->get(root));
  // A not_found from the reader's own callback is its answer: passed on, not retried.
  int calls = 0;
  auto own = src.read(root, [&](std::string_view) -> status {
    ++calls;
    return error{errc::not_found, "a nested lookup failed"};
  });
  REQUIRE_FALSE(own);
  CHECK(own.err().message == "a nested lookup failed");
  CHECK(calls == 1);
}
