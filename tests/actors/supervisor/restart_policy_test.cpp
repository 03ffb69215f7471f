#include <catch2/catch.hpp>

#include "actors/supervisor/restart_policy.hpp"

using mantle::restart_policy;
using ms = std::chrono::milliseconds;

TEST_CASE("restart policy allows N restarts within the window, then escalates", "[supervisor][policy]") {
  restart_policy p(3, ms(1000));
  CHECK(p.try_restart(ms(0)));
  CHECK(p.try_restart(ms(100)));
  CHECK(p.try_restart(ms(200)));
  CHECK(p.restarts_in_window(ms(200)) == 3);
  CHECK_FALSE(p.try_restart(ms(300)));
  CHECK(p.total_restarts() == 3); // a refused restart is not counted
}

TEST_CASE("restart policy window slides: old restarts are forgotten exactly at window end", "[supervisor][policy]") {
  restart_policy p(2, ms(1000));
  REQUIRE(p.try_restart(ms(0)));
  REQUIRE(p.try_restart(ms(500)));
  CHECK_FALSE(p.try_restart(ms(999)));  // restart at 0 still inside (999 - 0 < 1000)
  CHECK(p.try_restart(ms(1000)));       // the one at 0 has left the window
  CHECK(p.restarts_in_window(ms(1000)) == 2);
  CHECK(p.restarts_in_window(ms(1500)) == 1); // 500 left too
  CHECK(p.restarts_in_window(ms(2000)) == 0);
  CHECK(p.total_restarts() == 3);
}

TEST_CASE("restart policy with limit 0 never restarts", "[supervisor][policy]") {
  restart_policy p(0, ms(1000));
  CHECK_FALSE(p.try_restart(ms(0)));
  CHECK_FALSE(p.try_restart(ms(100000)));
  CHECK(p.total_restarts() == 0);
}

TEST_CASE("restart policy treats a clock going backwards as no time passing", "[supervisor][policy]") {
  restart_policy p(1, ms(1000));
  REQUIRE(p.try_restart(ms(5000)));
  CHECK_FALSE(p.try_restart(ms(0))); // would otherwise look like a fresh window
  CHECK(p.try_restart(ms(6000)));
}

TEST_CASE("restart policy spread-out failures never escalate", "[supervisor][policy]") {
  restart_policy p(5, ms(10000));
  for (int i = 0; i < 100; ++i)
    REQUIRE(p.try_restart(ms(i * 2000))); // 1 restart every 2 s: at most 5 in any 10 s window
  CHECK(p.total_restarts() == 100);
}
