// A block store for one test: in `dir`, without fsync on commit (the tests that need
// durability open their own), with `map_size` bytes of LMDB map.
#pragma once
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include "storage/block_store.hpp"

namespace mantle::test {

inline std::unique_ptr<block_store> open_test_store(const std::string& dir, uint64_t map_size = uint64_t{1} << 28) {
  store_options so;
  so.map_size = map_size;
  so.durable_commits = false;
  auto opened = block_store::open(dir, so);
  REQUIRE(opened);
  return std::move(*opened);
}

} // namespace mantle::test
