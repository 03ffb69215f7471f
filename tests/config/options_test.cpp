#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

#include "config/options.hpp"

using namespace mantle;
using namespace mantle::config;
using std::chrono::milliseconds;

namespace {
std::vector<std::string> argv_of(std::initializer_list<const char*> a) { return {a.begin(), a.end()}; }

std::string temp_file(const std::string& contents) {
  char path[] = "/tmp/mantle-options-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()));
  close(fd);
  return path;
}
} // namespace

TEST_CASE("defaults match the documented schema", "[config]") {
  auto r = load({});
  REQUIRE(r.ok());
  const auto& o = r->options;
  CHECK(o.data_dir == "./.mantle");
  CHECK(o.rpc_addr.str() == "127.0.0.1:5001");
  CHECK(o.gateway_addr.str() == "127.0.0.1:8080");
  CHECK(o.storage_max == (uint64_t{1} << 40));
  CHECK(o.restart_limit == 5);
  CHECK(o.restart_window == milliseconds(10000));
  CHECK(o.log_level == log::level::info);
  CHECK(o.threads == 0);
  CHECK(o.peer_decode_threads == 0);
  // Every default in the schema parses to the value node_options starts with.
  raw_values defaults;
  for (const auto& opt : schema())
    if (*opt.default_value && std::string(opt.name) != "config")
      defaults[opt.name] = raw_value{opt.default_value, "schema"};
  auto d = resolve(defaults, {});
  REQUIRE(d.ok());
  CHECK(d->data_dir == o.data_dir);
  CHECK(d->rpc_addr == o.rpc_addr);
  CHECK(d->gateway_addr == o.gateway_addr);
  CHECK(d->storage_max == o.storage_max);
  CHECK(d->restart_window == o.restart_window);
}

TEST_CASE("command line accepts --name value and --name=value", "[config]") {
  auto r = load(argv_of({"--data-dir", "/srv/m", "--rpc-addr=0.0.0.0:6001", "--storage-max", "500 GB",
                         "--restart-limit=2", "--restart-window", "250ms", "--log-level", "debug", "--threads=3",
                         "--peer-decode-threads", "2"}));
  REQUIRE(r.ok());
  CHECK(r->options.data_dir == "/srv/m");
  CHECK(r->options.rpc_addr == host_port{"0.0.0.0", 6001});
  CHECK(r->options.storage_max == 500ull * 1000 * 1000 * 1000);
  CHECK(r->options.restart_limit == 2);
  CHECK(r->options.restart_window == milliseconds(250));
  CHECK(r->options.log_level == log::level::debug);
  CHECK(r->options.threads == 3);
  CHECK(r->options.peer_decode_threads == 2);
}

TEST_CASE("precedence: defaults < config file < command line", "[config]") {
  auto path = temp_file("# node settings\n"
                        "data-dir = /var/lib/mantle\n"
                        "\n"
                        "; quotes are optional\n"
                        "rpc-addr = \"127.0.0.1:7001\"\n"
                        "storage-max=2TiB\n");
  auto r = load(argv_of({"--config", path.c_str(), "--rpc-addr", "127.0.0.1:9001"}));
  std::remove(path.c_str());
  REQUIRE(r.ok());
  CHECK(r->options.data_dir == "/var/lib/mantle");           // from the file
  CHECK(r->options.rpc_addr == host_port{"127.0.0.1", 9001}); // command line beats file
  CHECK(r->options.storage_max == 2ull << 40);
  CHECK(r->options.restart_limit == 5);                       // default
  CHECK(r->options.config_file == path);
}

TEST_CASE("the shipped example config is valid", "[config]") {
  auto f = read_config_file(std::string(MANTLE_SOURCE_DIR) + "/config/mantle.example.conf");
  REQUIRE(f.ok());
  auto r = resolve(*f, {});
  REQUIRE(r.ok());
  CHECK(r->rpc_addr.str() == "127.0.0.1:5001");
}

TEST_CASE("command line errors are clear", "[config]") {
  auto msg = [](std::initializer_list<const char*> a) {
    auto r = load(argv_of(a));
    REQUIRE_FALSE(r.ok());
    CHECK(r.err().code == errc::invalid_input);
    return r.err().message;
  };
  CHECK_THAT(msg({"--bogus"}), Catch::Contains("unknown option '--bogus'"));
  CHECK_THAT(msg({"--rpc-addr"}), Catch::Contains("needs a value"));
  CHECK_THAT(msg({"stray"}), Catch::Contains("unexpected argument 'stray'"));
  CHECK_THAT(msg({"--help=yes"}), Catch::Contains("takes no value"));
  CHECK_THAT(msg({"--storage-max", "12XB"}), Catch::Contains("--storage-max") && Catch::Contains("unknown unit 'XB'"));
  CHECK_THAT(msg({"--storage-max", "0"}), Catch::Contains("more than 0"));
  CHECK_THAT(msg({"--restart-window", "10"}), Catch::Contains("add a unit"));
  CHECK_THAT(msg({"--restart-window", "0s"}), Catch::Contains("longer than 0ms"));
  CHECK_THAT(msg({"--restart-limit", "-1"}), Catch::Contains("expected a number"));
  CHECK_THAT(msg({"--restart-limit", "5x"}), Catch::Contains("digits only"));
  CHECK_THAT(msg({"--log-level", "loud"}), Catch::Contains("invalid log level 'loud'"));
  CHECK_THAT(msg({"--rpc-addr", "localhost"}), Catch::Contains("missing ':port'"));
  CHECK_THAT(msg({"--rpc-addr", "127.0.0.1:70000"}), Catch::Contains("port must be"));
  CHECK_THAT(msg({"--threads", "5000"}), Catch::Contains("too large"));
  CHECK_THAT(msg({"--peer-decode-threads", "65"}), Catch::Contains("too large"));
  CHECK_THAT(msg({"--data-dir="}), Catch::Contains("must not be empty"));
}

TEST_CASE("--help and --version short-circuit option checks", "[config]") {
  auto r = load(argv_of({"--help", "--storage-max", "bogus"}));
  REQUIRE(r.ok());
  CHECK(r->help);
  auto v = load(argv_of({"--version"}));
  REQUIRE(v.ok());
  CHECK(v->version);
  auto h = help_text("mantled");
  for (const auto& o : schema())
    CHECK_THAT(h, Catch::Contains(std::string("--") + o.name));
  CHECK_THAT(h, Catch::Contains("[default: 1TiB]"));
  CHECK_THAT(h, Catch::Contains("[default: 10s]"));
}

TEST_CASE("config file errors name the file and line", "[config]") {
  auto err = [](const char* text) {
    auto r = parse_config_text(text, "node.conf");
    REQUIRE_FALSE(r.ok());
    return r.err().message;
  };
  CHECK_THAT(err("data-dir = /x\nbogus = 1\n"), Catch::Contains("node.conf:2: unknown option 'bogus'"));
  CHECK_THAT(err("[node]\n"), Catch::Contains("node.conf:1: sections are not supported"));
  CHECK_THAT(err("data-dir /x\n"), Catch::Contains("node.conf:1: expected 'key = value'"));
  CHECK_THAT(err("config = other.conf\n"), Catch::Contains("only accepted on the command line"));
  CHECK_THAT(err("threads = 1\nthreads = 2\n"), Catch::Contains("node.conf:2: 'threads' is set twice"));
  CHECK_THAT(err("data-dir = \"/x\n"), Catch::Contains("unbalanced quotes"));
  // Values are checked at resolve time with the same origin.
  auto f = parse_config_text("\n\nstorage-max = lots\n", "node.conf");
  REQUIRE(f.ok());
  auto r = resolve(*f, {});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.err().message, Catch::StartsWith("node.conf:3: invalid size 'lots'"));
  auto missing = load(argv_of({"--config", "/nonexistent/mantle.conf"}));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.err().code == errc::io_error);
  CHECK_THAT(missing.err().message, Catch::Contains("/nonexistent/mantle.conf"));
}

TEST_CASE("value syntaxes", "[config]") {
  CHECK(*parse_size("4096") == 4096);
  CHECK(*parse_size("1KiB") == 1024);
  CHECK(*parse_size("1 kib") == 1024);
  CHECK(*parse_size("3MB") == 3000000);
  CHECK(*parse_size("1TiB") == uint64_t{1} << 40);
  CHECK(*parse_size("16777215TiB") == uint64_t{16777215} << 40);
  CHECK_FALSE(parse_size("16777216TiB").ok()); // 2^64 overflows
  CHECK_FALSE(parse_size("99999999999999999999999").ok());
  CHECK_FALSE(parse_size("TiB").ok());
  CHECK_FALSE(parse_size("").ok());
  CHECK(*parse_duration("10s") == milliseconds(10000));
  CHECK(*parse_duration("2m") == milliseconds(120000));
  CHECK(*parse_duration("1h") == milliseconds(3600000));
  CHECK_FALSE(parse_duration("1d").ok());
  CHECK_FALSE(parse_duration("1.5s").ok());
  CHECK(*parse_address("[::1]:5001") == host_port{"::1", 5001});
  CHECK(parse_address("[::1]:5001")->str() == "[::1]:5001");
  CHECK(*parse_address("localhost:0") == host_port{"localhost", 0});
  CHECK_FALSE(parse_address("::1:5001").ok());
  CHECK_FALSE(parse_address(":5001").ok());
  CHECK_FALSE(parse_address("host:").ok());
  CHECK_FALSE(parse_address("host:12a").ok());
  CHECK(format_size(uint64_t{1} << 40) == "1TiB");
  CHECK(format_size(1500) == "1500B");
  CHECK(format_duration(milliseconds(10000)) == "10s");
  CHECK(format_duration(milliseconds(250)) == "250ms");
}

TEST_CASE("CORS origin lists and the access log option", "[config]") {
  auto d = load({});
  REQUIRE(d.ok());
  CHECK(d->options.api_cors_origins.empty());
  CHECK(d->options.gateway_cors_origins == std::vector<std::string>{"*"});
  CHECK(d->options.access_log.empty());

  // Comma separated and repeatable on the command line; blanks and duplicates dropped.
  auto r = load(argv_of({"--api-cors-origins", "http://a.example, https://b.example:8443,",
                         "--api-cors-origins=http://c.example", "--api-cors-origins", "http://a.example",
                         "--gateway-cors-origins", "", "--access-log", "-"}));
  REQUIRE(r.ok());
  CHECK(r->options.api_cors_origins ==
        std::vector<std::string>{"http://a.example", "https://b.example:8443", "http://c.example"});
  CHECK(r->options.gateway_cors_origins.empty()); // explicitly empty: no CORS headers
  CHECK(r->options.access_log == "-");

  // Repeatable in a config file too; the command line replaces the file's list.
  auto path = temp_file("api-cors-origins = http://x.example\napi-cors-origins = *\naccess-log = /tmp/a.log\n");
  auto f = load(argv_of({"--config", path.c_str()}));
  auto g = load(argv_of({"--config", path.c_str(), "--api-cors-origins", "http://y.example"}));
  std::remove(path.c_str());
  REQUIRE(f.ok());
  CHECK(f->options.api_cors_origins == std::vector<std::string>{"http://x.example", "*"});
  CHECK(f->options.access_log == "/tmp/a.log");
  REQUIRE(g.ok());
  CHECK(g->options.api_cors_origins == std::vector<std::string>{"http://y.example"});

  for (const char* bad : {"example.com", "http://", "http://a.example/path", "://x", "http://a b"}) {
    auto e = load(argv_of({"--api-cors-origins", bad}));
    REQUIRE_FALSE(e.ok());
    CHECK(e.err().message.find("--api-cors-origins") != std::string::npos);
    CHECK(e.err().message.find("invalid origin") != std::string::npos);
  }
  CHECK(help_text("mantled").find("--gateway-cors-origins <list>") != std::string::npos);
}

TEST_CASE("role, listen and actors.block-store.remote", "[config][remote]") {
  auto d = load({});
  REQUIRE(d);
  CHECK(d->options.role == node_role::node);
  CHECK_FALSE(d->options.listen);
  CHECK_FALSE(d->options.block_store_remote);

  auto s = load(argv_of({"--role", "block-store", "--listen", "127.0.0.1:4101"}));
  REQUIRE(s);
  CHECK(s->options.role == node_role::block_store);
  CHECK(*s->options.listen == host_port{"127.0.0.1", 4101});

  // The dotted name is one option, on the command line (both forms) and in a config file.
  auto c = load(argv_of({"--actors.block-store.remote", "[::1]:4101"}));
  REQUIRE(c);
  CHECK(*c->options.block_store_remote == host_port{"::1", 4101});
  auto e = load(argv_of({"--actors.block-store.remote=localhost:4102"}));
  REQUIRE(e);
  CHECK(*e->options.block_store_remote == host_port{"localhost", 4102});
  auto path = temp_file("actors.block-store.remote = 127.0.0.2:4103\n");
  auto f = load(argv_of({"--config", path.c_str()}));
  std::remove(path.c_str());
  REQUIRE(f);
  CHECK(*f->options.block_store_remote == host_port{"127.0.0.2", 4103});
}

TEST_CASE("the unauthenticated block-store port stays on loopback and options must fit together", "[config][remote]") {
  auto refused = [](std::initializer_list<const char*> args, const std::string& text) {
    auto r = load(argv_of(args));
    REQUIRE_FALSE(r);
    CHECK(r.err().code == errc::invalid_input);
    CHECK_THAT(r.err().message, Catch::Contains(text));
  };
  refused({"--role", "block-store", "--listen", "0.0.0.0:4101"}, "not a loopback address");
  refused({"--role", "block-store", "--listen", "192.168.1.5:4101"}, "not a loopback address");
  refused({"--actors.block-store.remote", "10.0.0.1:4101"}, "not a loopback address");
  refused({"--actors.block-store.remote", "127.0.0.1:0"}, "port other than 0");
  refused({"--role", "block-store"}, "needs --listen");
  refused({"--listen", "127.0.0.1:4101"}, "only used with --role block-store");
  refused({"--role", "block-store", "--listen", "127.0.0.1:4101", "--actors.block-store.remote", "127.0.0.1:4102"},
          "cannot also use");
  refused({"--role", "gateway"}, "use node or block-store");
}

TEST_CASE("loopback hosts", "[config][remote]") {
  for (auto h : {"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1"})
    CHECK(is_loopback_host(h));
  for (auto h : {"0.0.0.0", "127.0.0", "127.0.0.1.5", "127.0.0.256", "127.a.0.1", "::", "localhost.evil.com",
                 "128.0.0.1", "", "1270.0.0.1"})
    CHECK_FALSE(is_loopback_host(h));
}

TEST_CASE("pinning service durations: defaults, overrides, bad values", "[config][psa_api]") {
  auto d = load({});
  REQUIRE(d.ok());
  CHECK(d->options.psa_retry_interval == milliseconds(5000));
  CHECK(d->options.psa_pin_timeout == milliseconds(24 * 3600 * 1000));
  auto r = load(argv_of({"--psa-retry-interval", "250ms", "--psa-pin-timeout=2m"}));
  REQUIRE(r.ok());
  CHECK(r->options.psa_retry_interval == milliseconds(250));
  CHECK(r->options.psa_pin_timeout == milliseconds(120000));
  CHECK_FALSE(load(argv_of({"--psa-retry-interval", "0s"})).ok());
  CHECK_FALSE(load(argv_of({"--psa-pin-timeout", "soon"})).ok());
}

TEST_CASE("fetch-timeout: default, override, bad values", "[config][exchange]") {
  auto d = load({});
  REQUIRE(d.ok());
  CHECK(d->options.fetch_timeout == milliseconds(30000));
  auto r = load(argv_of({"--fetch-timeout", "2m"}));
  REQUIRE(r.ok());
  CHECK(r->options.fetch_timeout == milliseconds(120000));
  auto zero = load(argv_of({"--fetch-timeout", "0s"}));
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.err().message.find("fetch-timeout must be longer than 0ms") != std::string::npos);
  CHECK_FALSE(load(argv_of({"--fetch-timeout", "soon"})).ok());
}

TEST_CASE("market options: defaults, values, and the market follows the chain", "[config][market]") {
  auto d = load({});
  REQUIRE(d.ok());
  CHECK(d->options.market);
  CHECK(d->options.market_capacity == 0);
  CHECK(d->options.market_take_ppm == 1000000);
  CHECK(d->options.market_fetch_timeout == milliseconds(60000));
  CHECK(d->options.market_max_fetches == 2);
  CHECK(d->options.market_min_slots == 2);

  auto r = load(argv_of({"--market-capacity", "2GiB", "--market-take-ppm", "250000", "--market-fetch-timeout",
                         "5s", "--market-max-fetches", "4", "--market-min-slots", "3"}));
  REQUIRE(r.ok());
  CHECK(r->options.market_capacity == (uint64_t{2} << 30));
  CHECK(r->options.market_take_ppm == 250000);
  CHECK(r->options.market_fetch_timeout == milliseconds(5000));
  CHECK(r->options.market_max_fetches == 4);
  CHECK(r->options.market_min_slots == 3);

  auto off = load(argv_of({"--chain", "off"}));
  REQUIRE(off.ok());
  CHECK_FALSE(off->options.market);
  auto both = load(argv_of({"--chain", "off", "--market", "on"}));
  REQUIRE_FALSE(both.ok());
  CHECK(both.err().message.find("needs the chain") != std::string::npos);
  CHECK(load(argv_of({"--chain", "off", "--market", "off"})).ok());
  auto no_market = load(argv_of({"--market", "off"}));
  REQUIRE(no_market.ok());
  CHECK_FALSE(no_market->options.market);

  CHECK_FALSE(load(argv_of({"--market-take-ppm", "1000001"})).ok());
  CHECK_FALSE(load(argv_of({"--market-max-fetches", "0"})).ok());
  CHECK_FALSE(load(argv_of({"--market-fetch-timeout", "0s"})).ok());
}

TEST_CASE("prover options: on by default, reserve-bytes a size in whole KiB", "[config][prover]") {
  auto d = load({});
  REQUIRE(d.ok());
  CHECK(d->options.prover);
  CHECK(d->options.reserve_bytes == 0);
  auto r = load(argv_of({"--prover", "off", "--reserve-bytes", "64MiB"}));
  REQUIRE(r.ok());
  CHECK_FALSE(r->options.prover);
  CHECK(r->options.reserve_bytes == (uint64_t{64} << 20));
  auto bad = load(argv_of({"--reserve-bytes", "1000"}));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.err().message.find("multiple") != std::string::npos);
}
