#include <catch2/catch.hpp>

#include "actors/block_store/reconnect_backoff.hpp"

using mantle::reconnect_backoff;
using ms = std::chrono::milliseconds;

TEST_CASE("reconnect backoff doubles up to its maximum", "[remote]") {
  reconnect_backoff b(ms{100}, ms{1000});
  CHECK(b.next() == ms{100});
  CHECK(b.next() == ms{200});
  CHECK(b.next() == ms{400});
  CHECK(b.next() == ms{800});
  CHECK(b.next() == ms{1000});
  CHECK(b.next() == ms{1000});
  CHECK(b.failures() == 6);
}

TEST_CASE("reconnect backoff starts over after a success", "[remote]") {
  reconnect_backoff b(ms{50}, ms{5000});
  b.next();
  b.next();
  b.reset();
  CHECK(b.failures() == 0);
  CHECK(b.next() == ms{50});
}

TEST_CASE("reconnect backoff never waits zero or less than its first delay", "[remote]") {
  reconnect_backoff zero(ms{0}, ms{0});
  CHECK(zero.next() == ms{1});
  reconnect_backoff inverted(ms{300}, ms{100});
  CHECK(inverted.next() == ms{300});
  CHECK(inverted.next() == ms{300});
}
