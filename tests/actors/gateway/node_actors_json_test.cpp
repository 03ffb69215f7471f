#include <catch2/catch.hpp>

#include "actors/gateway/node_actors_json.hpp"

using namespace mantle;

TEST_CASE("node actors JSON: children in order with state, restarts, exit and mailbox", "[dashboard][node_routes]") {
  supervisor_stats s;
  s.restarts = 3;
  s.restarts_in_window = 1;
  s.restart_limit = 5;
  s.restart_window_ms = 10000;
  s.children = {{"blocks", true, 2, "system_error(runtime_error)"}, {"peer", false, 1, "killed"}, {"rpc", true, 0, ""}};
  auto j = node_actors_json(s, {uint64_t{7}, std::nullopt}, {});
  CHECK(j["restarts"] == 3);
  CHECK(j["restarts_in_window"] == 1);
  CHECK(j["restart_limit"] == 5);
  CHECK(j["restart_window_ms"] == 10000);
  REQUIRE(j["actors"].size() == 3);
  CHECK(j["actors"][0] == nlohmann::json{{"name", "blocks"}, {"state", "running"}, {"restarts", 2},
                                          {"last_exit", "system_error(runtime_error)"}, {"mailbox", 7}});
  CHECK(j["actors"][1]["state"] == "down");
  CHECK(j["actors"][1]["mailbox"].is_null());
  CHECK(j["actors"][2]["mailbox"].is_null()); // no entry: unknown
  CHECK(j["plugin_host"] == false);
  CHECK(j["plugins"] == nlohmann::json::array());
  CHECK(j["plugins_error"] == "");
}

TEST_CASE("node actors JSON: plugins as the host lists them", "[dashboard][node_routes]") {
  plugin_report p;
  p.host_running = true;
  p.plugins = {{"webhook", "1.2.0", "/usr/lib/mantle/webhook.so", 1, "failed", 4, "budget spent"}};
  auto j = node_actors_json({}, {}, p);
  CHECK(j["actors"] == nlohmann::json::array());
  CHECK(j["plugin_host"] == true);
  REQUIRE(j["plugins"].size() == 1);
  CHECK(j["plugins"][0] == nlohmann::json{{"name", "webhook"}, {"version", "1.2.0"}, {"path", "/usr/lib/mantle/webhook.so"},
                                           {"abi", 1}, {"state", "failed"}, {"restarts", 4}, {"last_exit", "budget spent"}});
}
