#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "storage/credit_store.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;

TEST_CASE("credit records are msgpack arrays of sent, received, exchanged", "[credit][credit_store]") {
  peer_credit c{1, 300, 5};
  auto bytes = encode(c);
  // fixarray(3), 1, uint16 300, 5
  CHECK(bytes == std::string("\x93\x01\xcd\x01\x2c\x05", 6));
  auto back = decode_peer_credit(bytes);
  REQUIRE(back);
  CHECK(*back == c);
  CHECK(decode_peer_credit(encode(peer_credit{UINT64_MAX, 0, 0}))->sent == UINT64_MAX);
  // A later version may append fields.
  CHECK(decode_peer_credit(std::string("\x94\x01\x02\x03\xa1x", 6)));
  for (std::string bad : {std::string(""), std::string("\x92\x01\x02", 3), std::string("\x93\x01\x02\xff", 4),
                          std::string("\x93\x01\x02\xa1x", 5), std::string("\x81\x01\x02", 3),
                          std::string("\x93\x01\x02\x03\x00", 5)}) {
    auto r = decode_peer_credit(bad);
    REQUIRE_FALSE(r);
    CHECK(r.err().code == errc::corrupt);
  }
}

TEST_CASE("the credit store keeps the numbers across a reopen", "[credit][credit_store]") {
  test::temp_dir dir("mantle-credit");
  std::string path = dir.path + "/ledger";
  {
    auto store = credit_store::open(path);
    REQUIRE(store);
    auto empty = (*store)->load_all();
    REQUIRE(empty);
    CHECK(empty->empty());
    REQUIRE((*store)->save({{"12D3KooWA", {100, 5, 2}}, {"12D3KooWB", {0, 1 << 20, 1}}}));
    // A later batch overwrites with the new absolute values and leaves other peers alone.
    REQUIRE((*store)->save({{"12D3KooWA", {150, 5, 3}}}));
    REQUIRE((*store)->save({}));
  }
  auto store = credit_store::open(path);
  REQUIRE(store);
  auto loaded = (*store)->load_all();
  REQUIRE(loaded);
  CHECK(loaded->size() == 2);
  CHECK(loaded->at("12D3KooWA") == peer_credit{150, 5, 3});
  CHECK(loaded->at("12D3KooWB") == peer_credit{0, 1 << 20, 1});
}

TEST_CASE("a store that cannot be created is a clear error", "[credit][credit_store]") {
  test::temp_dir dir("mantle-credit");
  std::string file = dir.path + "/not-a-dir";
  REQUIRE(std::system(("touch '" + file + "'").c_str()) == 0);
  auto store = credit_store::open(file + "/ledger");
  REQUIRE_FALSE(store);
  CHECK(store.err().message.find("not-a-dir") != std::string::npos);
}
