#include <catch2/catch.hpp>

#include "tools/mantle/amount.hpp"

using namespace mantle;
using namespace mantle::cli;

namespace {
std::string why(std::string_view text) {
  auto r = parse_amount(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::invalid_input);
  return r.err().message;
}
} // namespace

TEST_CASE("parse_amount reads tokens with up to 9 decimals and base units with a u suffix", "[tools][cli][amount]") {
  CHECK(*parse_amount("12.5") == 12500000000ull);
  CHECK(*parse_amount("0") == 0);
  CHECK(*parse_amount("1") == 1000000000ull);
  CHECK(*parse_amount("0.000000001") == 1);
  CHECK(*parse_amount("007.10") == 7100000000ull);
  CHECK(*parse_amount("1500u") == 1500);
  CHECK(*parse_amount("0u") == 0);
  CHECK(*parse_amount("18446744073.709551615") == 18446744073709551615ull);
  CHECK(*parse_amount("18446744073709551615u") == 18446744073709551615ull);
}

TEST_CASE("parse_amount refuses negative, overflowing and malformed amounts by name", "[tools][cli][amount]") {
  CHECK_THAT(why("-1"), Catch::Contains("negative"));
  CHECK_THAT(why("-0.5"), Catch::Contains("negative"));
  CHECK_THAT(why("18446744073.709551616"), Catch::Contains("too large"));
  CHECK_THAT(why("18446744074"), Catch::Contains("too large"));
  CHECK_THAT(why("99999999999999999999999"), Catch::Contains("too large"));
  CHECK_THAT(why("18446744073709551616u"), Catch::Contains("too large"));
  CHECK_THAT(why("1.0000000001"), Catch::Contains("more than 9 decimals"));
  for (const char* junk : {"", "abc", "1.2.3", "1,5", " 1", "1 ", "1e9", ".5", "5.", "0x10", "+1", "1.5u", "u", "12tokens"})
    CHECK_THAT(why(junk), Catch::Contains("12.5") && Catch::Contains("1500u"));
}

TEST_CASE("format_amount prints tokens with trimmed decimals and reads back exactly", "[tools][cli][amount]") {
  CHECK(format_amount(0) == "0");
  CHECK(format_amount(12500000000ull) == "12.5");
  CHECK(format_amount(1) == "0.000000001");
  CHECK(format_amount(1000000000ull) == "1");
  CHECK(format_amount(1000000000000000ull) == "1000000");
  CHECK(format_amount(18446744073709551615ull) == "18446744073.709551615");
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{999999999}, uint64_t{1000000001}, uint64_t{123456789012345678}})
    CHECK(*parse_amount(format_amount(v)) == v);
}

TEST_CASE("parse_commission reads percent and ppm, refuses more than 100%", "[tools][cli][amount]") {
  CHECK(*parse_commission("10") == 100000);
  CHECK(*parse_commission("10%") == 100000);
  CHECK(*parse_commission("2.5%") == 25000);
  CHECK(*parse_commission("0.0001") == 1);
  CHECK(*parse_commission("100") == 1000000);
  CHECK(*parse_commission("50000ppm") == 50000);
  CHECK(*parse_commission("0ppm") == 0);
  CHECK_THAT(parse_commission("100.5").err().message, Catch::Contains("above 100%"));
  CHECK_THAT(parse_commission("1000001ppm").err().message, Catch::Contains("above 100%"));
  CHECK_THAT(parse_commission("0.00001").err().message, Catch::Contains("more than 4 decimals"));
  CHECK_THAT(parse_commission("-1").err().message, Catch::Contains("negative"));
  CHECK_THAT(parse_commission("ten").err().message, Catch::Contains("not a percentage"));
  CHECK_THAT(parse_commission("1.5ppm").err().message, Catch::Contains("ppm"));
  CHECK(format_commission(100000) == "10%");
  CHECK(format_commission(25) == "0.0025%");
  CHECK(format_commission(0) == "0%");
}
