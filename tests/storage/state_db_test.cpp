#include <catch2/catch.hpp>

#include "storage/state_db.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;

TEST_CASE("state_db: overlay reads, tx rollback, commit and abort", "[chain][state_db]") {
  test::temp_dir dir{"mantle-state-db"};
  auto db = state_db::open(dir.path, 1ull << 28).value();
  CHECK_FALSE(db->head()->initialized);
  std::string root0;
  {
    auto w = db->begin_write().value();
    w->put("a1", "one");
    w->put("a2", "two");
    w->put("b1", "bee");
    w->begin_tx();
    w->put("a3", "three");
    w->del("a1");
    CHECK_FALSE(*w->get("a1"));
    CHECK(w->scan("a")->size() == 2); // a2, a3
    w->rollback_tx();
    CHECK(**w->get("a1") == "one");
    CHECK_FALSE(*w->get("a3"));
    w->begin_tx();
    w->put("a4", "four");
    w->commit_tx();
    auto s = w->scan("a").value();
    REQUIRE(s.size() == 3);
    CHECK(s[2].first == "a4");
    root0 = w->finish(0).value();
    REQUIRE(w->commit());
  }
  auto h = db->head().value();
  CHECK(h.initialized);
  CHECK(h.height == 0);
  CHECK(h.root == root0);
  {
    // Aborted: nothing stays.
    auto w = db->begin_write().value();
    w->del("a2");
    w->put("c", "sea");
    CHECK(w->finish(1));
    w->abort();
  }
  {
    auto r = db->begin_read().value();
    CHECK(**r->get("a2") == "two");
    CHECK_FALSE(*r->get("c"));
    CHECK(r->head().height == 0);
    // Merged scans see LMDB under the overlay.
    auto w = db->begin_write().value();
    w->del("a2");
    w->put("a0", "zero");
    auto s = w->scan("a").value();
    REQUIRE(s.size() == 3);
    CHECK(s[0].first == "a0");
    CHECK(s[1].first == "a1");
    CHECK(s[2].first == "a4");
  }
}

TEST_CASE("state_db: the root chains the previous root, the height and the write set", "[chain][state_db]") {
  auto run = [](const std::vector<std::pair<std::string, std::string>>& writes) {
    test::temp_dir dir{"mantle-state-db"};
    auto db = state_db::open(dir.path, 1ull << 28).value();
    std::vector<std::string> roots;
    for (uint64_t h = 0; h < 3; ++h) {
      auto w = db->begin_write().value();
      for (const auto& [k, v] : writes)
        w->put(k + std::to_string(h), v);
      roots.push_back(w->finish(h).value());
      REQUIRE(w->commit());
    }
    return roots;
  };
  auto a = run({{"x", "1"}, {"y", "2"}});
  auto b = run({{"y", "2"}, {"x", "1"}}); // order of writes within a block does not matter
  auto c = run({{"x", "1"}, {"y", "3"}});
  CHECK(a == b);
  CHECK(a[0] != c[0]);
  CHECK(a[0] != a[1]);
  CHECK(a[0].size() == 32);
}
