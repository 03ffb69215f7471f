#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "actors/gateway/node_routes.hpp"
#include "actors/supervisor/supervisor_actor.hpp"
#include "messages/plugin.hpp"
#include "messages/supervisor.hpp"
#include "net/router.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/net/string_sink.hpp"

using namespace mantle;
using json = nlohmann::json;

namespace {

// Says how many messages wait in its mailbox, as node actors do; a string makes it throw.
caf::behavior talker(caf::event_based_actor* self) {
  return {
    [self](mbox_atom) -> uint64_t { return self->mailbox().size(); },
    [](const std::string& why) -> bool { throw std::runtime_error(why); },
  };
}

// Knows nothing of (mbox): answers it with unexpected_message (quietly).
caf::behavior quiet(caf::event_based_actor* self) {
  self->set_default_handler(caf::drop);
  return {[](int x) { return x; }};
}

json actors_route(router& r) {
  http_request req;
  req.method = "POST";
  req.path = req.target = "/api/v0/mantle/node/actors";
  auto out = mantle::test::run_handler([&r](http_request& q, response_writer& w) { r.handle(q, w); }, req);
  REQUIRE(out.rfind("HTTP/1.1 200", 0) == 0);
  return json::parse(out.substr(out.find("\r\n\r\n") + 4));
}

} // namespace

TEST_CASE_METHOD(mantle::test::actor_system_fixture, "mantle/node/actors reports the supervisor's children and restarts",
                 "[dashboard][node_routes][actors]") {
  auto& sys = *this->sys;
  std::vector<child_spec> children{{"talker", [](caf::actor_system& s) { return s.spawn(talker); }},
                                   {"quiet", [](caf::actor_system& s) { return s.spawn(quiet); }}};
  auto sup = spawn_supervisor(sys, children);
  router r;
  add_node_routes(r, sys);

  {
    // Without a registered supervisor the route says so (503-style Kubo error, not a crash).
    http_request req;
    req.method = "POST";
    req.path = req.target = "/api/v0/mantle/node/actors";
    auto out = mantle::test::run_handler([&r](http_request& q, response_writer& w) { r.handle(q, w); }, req);
    CHECK(out.rfind("HTTP/1.1 500", 0) == 0);
    CHECK(mantle::test::contains(out, "supervisor is not registered"));
  }
  sys.registry().put(caf::atom_from_string(supervisor_name), sup);

  auto j = actors_route(r);
  REQUIRE(j["actors"].size() == 2);
  CHECK(j["actors"][0]["name"] == "talker");
  CHECK(j["actors"][0]["state"] == "running");
  CHECK(j["actors"][0]["mailbox"].is_number_unsigned());
  CHECK(j["actors"][1]["name"] == "quiet");
  CHECK(j["actors"][1]["mailbox"].is_null());
  CHECK(j["restarts"] == 0);
  CHECK(j["restart_limit"] == 5);
  CHECK(j["plugin_host"] == false);
  CHECK(j["plugins"] == json::array());

  // A crash: the supervisor restarts the child and the route counts it.
  auto t = caf::actor_cast<caf::actor>(sys.registry().get(caf::atom("talker")));
  REQUIRE(t);
  caf::anon_send(t, std::string("boom"));
  for (int i = 0; i < 200 && j["restarts"] != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    j = actors_route(r);
  }
  CHECK(j["restarts"] == 1);
  CHECK(j["actors"][0]["restarts"] == 1);
  CHECK(j["actors"][0]["last_exit"] != "");
  CHECK(j["actors"][1]["restarts"] == 0);

  // A plugin host (an actor under its registry name answering plg_list, standing in for
  // actors/plugin_host, which another branch adds) shows up with its list.
  auto host = sys.spawn([]() -> caf::behavior {
    return {[](plg_list_atom) {
      return std::vector<plugin_info>{{"webhook", "0.1.0", "/tmp/webhook.so", 1, "running", 0, ""}};
    }};
  });
  sys.registry().put(caf::atom_from_string(plugin_host_name), host);
  j = actors_route(r);
  CHECK(j["plugin_host"] == true);
  REQUIRE(j["plugins"].size() == 1);
  CHECK(j["plugins"][0]["name"] == "webhook");
  CHECK(j["plugins"][0]["state"] == "running");

  sys.registry().erase(caf::atom_from_string(plugin_host_name));
  sys.registry().erase(caf::atom_from_string(supervisor_name));
  caf::scoped_actor self{sys};
  mantle::test::stop(self, host);
  mantle::test::stop(self, sup);
}
