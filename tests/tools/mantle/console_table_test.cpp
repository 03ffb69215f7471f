#include <catch2/catch.hpp>

#include "tools/mantle/console_table.hpp"

using json = nlohmann::ordered_json;
using mantle::cli::render_console_json;

TEST_CASE("console tables: an array of objects gets one column per key", "[console][cli]") {
  json rows = json::array({{{"name", "blocks"}, {"restarts", 0}, {"mailbox", 3}},
                           {{"name", "peer"}, {"restarts", 12}, {"mailbox", "busy"}, {"last_exit", nullptr}}});
  CHECK(render_console_json(rows) ==
        "NAME    RESTARTS  MAILBOX  LAST_EXIT\n"
        "blocks  0         3\n"
        "peer    12        busy     -\n");
}

TEST_CASE("console tables: objects print as key/value lines, nested tables below", "[console][cli]") {
  json j{{"height", 12},
         {"hash", "ab12"},
         {"validators", json::array({{{"node_key", "k1"}, {"power", 10}}})},
         {"flags", json::array({1, 2})}};
  CHECK(render_console_json(j) ==
        "height: 12\n"
        "hash:   ab12\n"
        "flags:  [1,2]\n"
        "\nvalidators:\n"
        "NODE_KEY  POWER\n"
        "k1        10\n");
}

TEST_CASE("console tables: empty arrays, scalars and mixed arrays", "[console][cli]") {
  CHECK(render_console_json(json::array()) == "(none)\n");
  CHECK(render_console_json(json("text")) == "text\n");
  CHECK(render_console_json(json(nullptr)) == "-\n");
  CHECK(render_console_json(json::array({1, "two", json::object({{"a", true}})})) == "1\ntwo\n{\"a\":true}\n");
}
