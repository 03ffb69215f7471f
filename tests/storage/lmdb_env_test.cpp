// The LMDB layer's copy_out: large values come from the data file by pread, small ones from
// the map, and both give the bytes the open read transaction sees, even after a later write
// transaction replaced the value (LMDB keeps those pages until the reader ends).
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "storage/lmdb_env.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;

namespace {
std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng());
  return out;
}
} // namespace

TEST_CASE("copy_out reads large values by pread and small ones from the map, as the reader sees them",
          "[storage][lmdb]") {
  test::temp_dir d("mantle-lmdb");
  lmdb::env_options eo;
  eo.map_size = 1ull << 30;
  auto env = lmdb::env::open(d.path, eo);
  REQUIRE(env);
  MDB_dbi db;
  const std::vector<size_t> sizes{1, 100, 4096, 32 * 1024 - 1, 32 * 1024, 256 * 1024 + 7, 1 << 20};
  {
    auto w = lmdb::txn::begin(**env, false);
    REQUIRE(w);
    auto opened = w->open_db("values", true);
    REQUIRE(opened);
    db = *opened;
    for (size_t i = 0; i < sizes.size(); ++i)
      REQUIRE(w->put(db, "k" + std::to_string(i), random_bytes(sizes[i], i)));
    REQUIRE(w->commit());
  }
  auto r = lmdb::txn::begin(**env, true);
  REQUIRE(r);
  // Replace every value while the reader is open: it must still read the old bytes.
  {
    auto w = lmdb::txn::begin(**env, false);
    REQUIRE(w);
    for (size_t i = 0; i < sizes.size(); ++i)
      REQUIRE(w->put(db, "k" + std::to_string(i), random_bytes(sizes[i], 100 + i)));
    REQUIRE(w->commit());
  }
  for (size_t i = 0; i < sizes.size(); ++i) {
    INFO("value of " << sizes[i] << " bytes");
    auto v = r->get(db, "k" + std::to_string(i));
    REQUIRE(v);
    REQUIRE(*v);
    bool via_map = false;
    auto copy = (*env)->copy_out(**v, &via_map);
    CHECK(copy == random_bytes(sizes[i], i));
    CHECK(via_map == (sizes[i] < 32 * 1024));
  }
  r->abort();
  // A new reader sees the new bytes, by either path.
  auto r2 = lmdb::txn::begin(**env, true);
  REQUIRE(r2);
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto v = r2->get(db, "k" + std::to_string(i));
    REQUIRE(v);
    REQUIRE(*v);
    CHECK((*env)->copy_out(**v) == random_bytes(sizes[i], 100 + i));
  }
  // A view that is not in the map (a caller's own buffer) is copied as it is.
  std::string own = random_bytes(64 * 1024, 7);
  bool via_map = false;
  CHECK((*env)->copy_out(own, &via_map) == own);
  CHECK(via_map);
}
