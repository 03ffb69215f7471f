// Options of the plugin host and the market's order policy: `plugin` (repeatable list),
// `plugin.<name>.<key>` dynamic keys from the file and the command line (the command line wins
// per key), `market-policy`; malformed plugin keys and other unknown keys stay errors.
#include <catch2/catch.hpp>

#include "config/options.hpp"

using namespace mantle;
using namespace mantle::config;

namespace {
std::vector<std::string> argv_of(std::initializer_list<const char*> a) { return {a.begin(), a.end()}; }
} // namespace

TEST_CASE("plugin options: defaults, lists and sections", "[config][plugins]") {
  auto d = load({});
  REQUIRE(d.ok());
  CHECK(d->options.plugins.empty());
  CHECK(d->options.plugin_config.empty());
  CHECK(d->options.market_policy.empty());

  auto file = parse_config_text("plugin = /a/one.so\n"
                                "plugin = /a/two.so, /a/three.so\n"
                                "plugin.webhook.url = http://127.0.0.1:9000/x\n"
                                "plugin.webhook.kinds = \"block,order_taken\"\n"
                                "plugin.ord_policy.max-size = 1MiB\n"
                                "market-policy = ord_policy\n",
                                "node.conf");
  REQUIRE(file.ok());
  auto cli = parse_command_line(argv_of({"--plugin.webhook.url", "http://127.0.0.1:9001/y", "--plugin.webhook.queue=5"}));
  REQUIRE(cli.ok());
  auto r = resolve(*file, cli->values);
  REQUIRE(r.ok());
  CHECK(r->plugins == std::vector<std::string>{"/a/one.so", "/a/two.so", "/a/three.so"});
  CHECK(r->market_policy == "ord_policy");
  REQUIRE(r->plugin_config.count("webhook"));
  auto& w = r->plugin_config.at("webhook");
  CHECK(w.at("url") == "http://127.0.0.1:9001/y"); // the command line wins
  CHECK(w.at("kinds") == "block,order_taken");
  CHECK(w.at("queue") == "5");
  CHECK(r->plugin_config.at("ord_policy").at("max-size") == "1MiB");

  auto repeated = load(argv_of({"--plugin", "/x.so", "--plugin", "/y.so"}));
  REQUIRE(repeated.ok());
  CHECK(repeated->options.plugins == std::vector<std::string>{"/x.so", "/y.so"});
}

TEST_CASE("plugin options: malformed keys and unknown options are errors", "[config][plugins]") {
  auto cli_error = [](std::initializer_list<const char*> a) {
    auto r = load(argv_of(a));
    REQUIRE_FALSE(r.ok());
    return r.err().message;
  };
  CHECK_THAT(cli_error({"--plugin.webhook", "x"}), Catch::Contains("missing the key after the plugin name"));
  CHECK_THAT(cli_error({"--plugin.toolongname1.url", "x"}), Catch::Contains("bad plugin name 'toolongname1'"));
  CHECK_THAT(cli_error({"--plugin.web-hook.url", "x"}), Catch::Contains("bad plugin name"));
  CHECK_THAT(cli_error({"--plugin.webhook.", "x"}), Catch::Contains("bad key ''"));
  CHECK_THAT(cli_error({"--plugin.webhook.url"}), Catch::Contains("needs a value"));
  CHECK_THAT(cli_error({"--plugins", "/x.so"}), Catch::Contains("unknown option '--plugins'"));
  CHECK_THAT(cli_error({"--market-policy", "not a name"}), Catch::Contains("invalid actor name"));
  CHECK_THAT(cli_error({"--market-policy", "elevenchars"}), Catch::Contains("invalid actor name"));

  auto twice = parse_config_text("plugin.webhook.url = a\nplugin.webhook.url = b\n", "node.conf");
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.err().message, Catch::Contains("node.conf:2") && Catch::Contains("set twice"));
  auto bad = parse_config_text("plugin.we$b.url = a\n", "node.conf");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.err().message, Catch::Contains("node.conf:1") && Catch::Contains("bad plugin name"));
  auto unknown = parse_config_text("market-polcy = x\n", "node.conf");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.err().message, Catch::Contains("unknown option 'market-polcy'"));
}
