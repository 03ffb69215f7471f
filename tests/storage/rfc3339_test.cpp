#include <catch2/catch.hpp>

#include "storage/rfc3339.hpp"

using namespace mantle;

TEST_CASE("RFC 3339 timestamps are written in UTC with milliseconds", "[psa_store]") {
  CHECK(format_rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_ms(1700000000123) == "2023-11-14T22:13:20.123Z");
  CHECK(format_rfc3339_ms(951782400000) == "2000-02-29T00:00:00.000Z");
}

TEST_CASE("RFC 3339 timestamps are read with fractions and offsets", "[psa_store]") {
  CHECK(*parse_rfc3339_ms("2023-11-14T22:13:20.123Z") == 1700000000123);
  CHECK(*parse_rfc3339_ms("2023-11-14T22:13:20Z") == 1700000000000);
  CHECK(*parse_rfc3339_ms("2023-11-14T22:13:20.123456789Z") == 1700000000123);
  CHECK(*parse_rfc3339_ms("2023-11-15T00:13:20.5+02:00") == 1700000000500);
  CHECK(*parse_rfc3339_ms("2023-11-14T20:13:20-02:00") == 1700000000000);
  for (auto bad : {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z",
                   "2023-02-29T00:00:00Z", "2023-11-14T24:00:00Z", "2023-11-14T22:13:20.Z",
                   "2023-11-14T22:13:20Zjunk", "1969-12-31T23:59:59Z", "abcd-ef-ghTij:kl:mnZ"})
    CHECK_FALSE(parse_rfc3339_ms(bad));
  auto now = now_unix_ms();
  CHECK(*parse_rfc3339_ms(format_rfc3339_ms(now)) == now);
}
