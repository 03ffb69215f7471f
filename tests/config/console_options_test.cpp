#include <catch2/catch.hpp>

#include "config/options.hpp"

using namespace mantle;
using namespace mantle::config;

namespace {
result<node_options> with(const std::string& name, const std::string& value) {
  raw_values cli{{name, raw_value{value, "--" + name}}};
  return resolve({}, cli);
}
} // namespace

TEST_CASE("console options: loopback 5002 by default, a port, off, key file", "[config][console]") {
  auto d = resolve({}, {});
  REQUIRE(d);
  REQUIRE(d->console_addr);
  CHECK(d->console_addr->str() == "127.0.0.1:5002");
  CHECK(d->console_key_file.empty());

  auto zero = with("console-addr", "127.0.0.1:0");
  REQUIRE(zero);
  CHECK(zero->console_addr->port == 0);
  auto off = with("console-addr", "off");
  REQUIRE(off);
  CHECK_FALSE(off->console_addr);
  auto bad = with("console-addr", "nowhere");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.err().message, Catch::Contains("--console-addr"));
  auto key = with("console-key-file", "/etc/mantle/console.key");
  REQUIRE(key);
  CHECK(key->console_key_file == "/etc/mantle/console.key");
}
