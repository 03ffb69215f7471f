// The console actor against a real supervisor, block store and event group in one actor system
// (the remote side is covered by tests/cluster/console.sh).
#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/block_store/block_store_actor.hpp"
#include "actors/console/console_actor.hpp"
#include "actors/console/console_auth.hpp"
#include "actors/introspection.hpp"
#include "actors/supervisor/supervisor_actor.hpp"
#include "messages/block_store.hpp"
#include "messages/console.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "messages/supervisor.hpp"
#include "storage/block_store.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string admin_key(32, '\x5a');
constexpr auto wait = std::chrono::seconds(30);

caf::behavior echo(caf::event_based_actor* self) {
  return with_mailbox_probe(self, {[](ping_atom) { return pong_atom::value; }});
}

struct console_fixture {
  test::temp_dir dir{"mantle-console"};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor sup;
  console_actor_config cc;

  console_fixture() {
    cfg.set("scheduler.max-threads", size_t{3});
    register_types(cfg);
    cfg.load<caf::io::middleman>();
    sys = std::make_unique<caf::actor_system>(cfg);
    auto opened = block_store::open(dir.path, store_options{});
    REQUIRE(opened);
    std::shared_ptr<block_store> store = std::move(*opened);
    cc.host = "127.0.0.1";
    cc.port = 0;
    cc.peer_id = "12D3KooWtest";
    cc.version = "test-version";
    cc.data_dir = dir.path;
    cc.auth = std::make_shared<console::console_auth>(admin_key);
    std::vector<child_spec> children;
    children.push_back({"blocks", [store](caf::actor_system& s) { return spawn_block_store_actor(s, store); }});
    children.push_back({"echo", [](caf::actor_system& s) { return s.spawn(echo); }});
    auto c = cc;
    children.push_back({"console", [c](caf::actor_system& s) { return spawn_console_actor(s, c); }});
    sup = spawn_supervisor(*sys, std::move(children));
    sys->registry().put(caf::atom_from_string(supervisor_name), sup);
  }
  ~console_fixture() {
    {
      caf::scoped_actor self{*sys};
      self->monitor(sup);
      self->send_exit(sup, caf::exit_reason::user_shutdown);
      self->receive([](const caf::down_msg&) {});
    }
    sys->registry().erase(caf::atom_from_string(supervisor_name));
  }

  caf::actor console() {
    for (int k = 0; k < 1000; ++k) {
      auto h = caf::actor_cast<caf::actor>(sys->registry().get(caf::atom_from_string("console")));
      if (h && *cc.bound_port != 0)
        return h;
      std::this_thread::sleep_for(10ms);
    }
    FAIL("the console did not start");
    return {};
  }

  // The error code of a refused request, or errc::ok when it was not refused.
  template <class... Ts>
  errc refusal(caf::scoped_actor& self, Ts&&... xs) {
    errc out = errc::ok;
    self->request(console(), wait, std::forward<Ts>(xs)...)
      .receive([&](const caf::message&) {}, [&](caf::error& e) { out = from_caf(e).code; });
    return out;
  }

  std::string login(caf::scoped_actor& self, const std::string& key) {
    std::string nonce, token;
    self->request(console(), wait, con_hello_atom::value).receive([&](std::string& n) { nonce = n; }, [&](caf::error& e) {
      FAIL(sys->render(e));
    });
    self->request(console(), wait, con_auth_atom::value, nonce, console::response_mac(key, nonce))
      .receive([&](std::string& t) { token = t; }, [&](caf::error&) {});
    return token;
  }

  console_reply run(caf::scoped_actor& self, const std::string& token, const std::string& line) {
    console_reply out;
    self->request(console(), wait, con_cmd_atom::value, token, line)
      .receive([&](console_reply& r) { out = std::move(r); }, [&](caf::error& e) { out.error = "refused: " + from_caf(e).message; });
    return out;
  }
};

json rows_by_name(const json& rows) {
  json out = json::object();
  for (auto& r : rows)
    out[r["name"].get<std::string>()] = r;
  return out;
}

} // namespace

TEST_CASE_METHOD(console_fixture, "console refuses wrong keys and unknown sessions", "[actors][console]") {
  caf::scoped_actor self{*sys};
  CHECK(login(self, std::string(32, 'x')).empty());
  CHECK(refusal(self, con_cmd_atom::value, std::string("bogus"), std::string("status")) == errc::permission_denied);
  CHECK(refusal(self, con_watch_atom::value, std::string("bogus"), std::vector<std::string>{}) == errc::permission_denied);
  std::string nonce;
  self->request(console(), wait, con_hello_atom::value).receive([&](std::string& n) { nonce = n; }, [](caf::error&) {});
  CHECK(refusal(self, con_auth_atom::value, nonce, std::string("00")) == errc::permission_denied);
  // Messages it does not know at all (anyone reaching the port can send them) get an error back.
  caf::error junk;
  self->request(console(), wait, int32_t{42}, std::string("junk"))
    .receive([&](const caf::message&) {}, [&](caf::error& e) { junk = e; });
  CHECK(junk == caf::sec::unexpected_message);
  // The console still serves a client with the key afterwards.
  auto token = login(self, admin_key);
  REQUIRE(token.size() == 64);
  auto r = run(self, token, "help");
  CHECK(r.ok);
}

TEST_CASE_METHOD(console_fixture, "console status, tree, restart, send and errors", "[actors][console]") {
  caf::scoped_actor self{*sys};
  auto token = login(self, admin_key);
  REQUIRE_FALSE(token.empty());

  auto st = run(self, token, "status");
  REQUIRE(st.ok);
  auto s = json::parse(st.json);
  CHECK(s["peer_id"] == "12D3KooWtest");
  CHECK(s["version"] == "test-version");
  CHECK(s["data_dir"] == dir.path);
  CHECK(s["repo_objects"] == 0);
  CHECK(s["pins"] == 0);
  CHECK(s["chain_height"].is_null()); // no validator here
  CHECK(s["unavailable"].contains("chain_height"));

  auto tr = run(self, token, "tree");
  REQUIRE(tr.ok);
  auto rows = rows_by_name(json::parse(tr.json));
  REQUIRE(rows.contains("blocks"));
  REQUIRE(rows.contains("echo"));
  REQUIRE(rows.contains("console"));
  CHECK(rows["echo"]["state"] == "running");
  CHECK(rows["echo"]["restarts"] == 0);
  CHECK(rows["echo"]["mailbox"].is_number()); // answered the probe
  CHECK(rows["blocks"]["mailbox"].is_number());

  auto rs = run(self, token, "restart echo");
  REQUIRE(rs.ok);
  CHECK(json::parse(rs.json)["restarts"] == 1);
  rows = rows_by_name(json::parse(run(self, token, "tree").json));
  CHECK(rows["echo"]["restarts"] == 1);
  CHECK(rows["echo"]["state"] == "running");

  auto sent = run(self, token, "send block-store stats");
  REQUIRE(sent.ok);
  auto sj = json::parse(sent.json);
  CHECK(sj["actor"] == "blocks");
  CHECK(sj["message"][0] == "repo_stat");
  CHECK(sj["reply"].get<std::string>().find("repo_stat") != std::string::npos);
  auto ping = run(self, token, "send echo ping");
  REQUIRE(ping.ok);
  CHECK(json::parse(ping.json)["reply"].get<std::string>().find("pong") != std::string::npos);

  auto unknown_actor = run(self, token, "send nosuch ping");
  CHECK_FALSE(unknown_actor.ok);
  CHECK(unknown_actor.error.find("no actor named 'nosuch'") != std::string::npos);
  auto unknown_atom = run(self, token, "send echo nonsense 1 2");
  CHECK_FALSE(unknown_atom.ok);
  CHECK(unknown_atom.error.find("does not understand") != std::string::npos);
  auto bad = run(self, token, "launch rockets");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error.find("unknown command") != std::string::npos);
  auto no_such_child = run(self, token, "restart nosuch");
  CHECK_FALSE(no_such_child.ok);
  CHECK(no_such_child.error.find("no child named 'nosuch'") != std::string::npos);
  auto plugins = run(self, token, "plugin list");
  CHECK_FALSE(plugins.ok);
  CHECK(plugins.error.find("no plugin host") != std::string::npos);
  auto chain = run(self, token, "chain");
  CHECK_FALSE(chain.ok);
  CHECK(chain.error.find("chain is not running") != std::string::npos);
  auto pins = run(self, token, "pins");
  REQUIRE(pins.ok);
  CHECK(json::parse(pins.json).empty());
}

TEST_CASE_METHOD(console_fixture, "console watch forwards node events of the chosen kinds", "[actors][console]") {
  caf::scoped_actor self{*sys};
  auto token = login(self, admin_key);
  REQUIRE_FALSE(token.empty());
  bool watching = false;
  self->request(console(), wait, con_watch_atom::value, token, std::vector<std::string>{"actor_restarted"})
    .receive([&]() { watching = true; }, [&](caf::error& e) { FAIL(sys->render(e)); });
  REQUIRE(watching);
  // A kind nobody asked for is not forwarded; the restart that follows is.
  self->send(sys->groups().get_local(node_event_group), node_event{"block", 7, "block 7"});
  REQUIRE(run(self, token, "restart echo").ok);
  node_event got;
  self->receive([&](node_event& ev) { got = ev; }, caf::after(wait) >> [] {});
  CHECK(got.kind == "actor_restarted");
  CHECK(got.text.find("echo") != std::string::npos);

  self->request(console(), wait, con_unwatch_atom::value, token).receive([]() {}, [](caf::error&) {});
  REQUIRE(run(self, token, "restart echo").ok);
  bool more = false;
  self->receive([&](node_event&) { more = true; }, caf::after(200ms) >> [] {});
  CHECK_FALSE(more);
}
