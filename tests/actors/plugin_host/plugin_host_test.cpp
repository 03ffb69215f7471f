// The plugin host with real shared objects built by CMake (tests/plugins/fixtures): load, call,
// crash and restart, a plugin past its budget marked failed while the node's supervisor is
// untouched, unload and load again, every refusal (missing file, directory, not a shared object,
// no entry point, ABI and CAF version mismatch, duplicate name, a node actor's name, a spawn
// that throws), and a restart of the host itself that keeps its plugins.
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <fstream>
#include <optional>
#include <thread>

#include "actors/plugin_host/plugin_host_actor.hpp"
#include "actors/plugin_host/plugin_loader.hpp"
#include "actors/supervisor/supervisor_actor.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "messages/plugin.hpp"
#include "messages/plugin_api.hpp"
#include "messages/supervisor.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace std::chrono_literals;

namespace {

const std::string plugin_dir = std::string(MANTLE_PLUGIN_DIR) + "/test/";
const std::string echo_so = plugin_dir + "echo_plugin.so";

// Node events as a plugin or the console sees them.
struct event_watch {
  caf::scoped_actor self;
  explicit event_watch(caf::actor_system& sys) : self{sys} {
    self->join(sys.groups().get_local(node_event_group));
  }
  std::vector<node_event> kept; // received, not asked for yet
  // The oldest event of `kind` not returned yet, or nothing within 20 s.
  std::optional<node_event> next(const std::string& kind) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (true) {
      for (auto it = kept.begin(); it != kept.end(); ++it)
        if (it->kind == kind) {
          auto out = *it;
          kept.erase(it);
          return out;
        }
      if (std::chrono::steady_clock::now() >= deadline)
        return std::nullopt;
      self->receive([&](node_event& e) { kept.push_back(e); },
                    caf::after(std::chrono::milliseconds(200)) >> [] {});
    }
  }
};

struct host_fixture : test::actor_system_fixture {
  caf::scoped_actor self{*sys};
  event_watch events{*sys};
  caf::actor host;
  std::shared_ptr<plugin_book> book = std::make_shared<plugin_book>();

  caf::actor start(plugin_host_config cfg = {}) {
    cfg.book = book;
    cfg.backoff = 10ms;
    cfg.peer_id = "12D3KooWtest";
    cfg.data_dir = "/nonexistent";
    host = spawn_plugin_host(*sys, std::move(cfg));
    return host;
  }
  ~host_fixture() {
    if (host)
      test::stop(self, host);
  }

  // plg_load: the info, or the error's text.
  std::pair<std::optional<plugin_info>, std::string> load(const std::string& path, plugin_config config = {}) {
    std::pair<std::optional<plugin_info>, std::string> out;
    self->request(host, 10s, plg_load_atom::value, path, config)
      .receive([&](plugin_info& i) { out.first = i; }, [&](caf::error& e) { out.second = from_caf(e).message; });
    return out;
  }
  std::vector<plugin_info> list() {
    std::vector<plugin_info> out;
    self->request(host, 10s, plg_list_atom::value)
      .receive([&](std::vector<plugin_info>& l) { out = l; }, [&](caf::error& e) { FAIL(from_caf(e).message); });
    return out;
  }
  caf::actor lookup(const std::string& name) {
    return sys->registry().get<caf::actor>(caf::atom_from_string(name));
  }
  std::string ask_echo() {
    std::string out;
    auto h = lookup("echo");
    if (!h)
      return "<not registered>";
    self->request(h, 10s, get_atom::value)
      .receive([&](std::string& s) { out = s; }, [&](caf::error& e) { out = "<error " + sys->render(e) + ">"; });
    return out;
  }
  void crash_echo() {
    auto h = lookup("echo");
    REQUIRE(h);
    self->send(h, put_atom::value, std::string("crash"));
  }
};

} // namespace

TEST_CASE_METHOD(host_fixture, "plugin host: load, call, list and unload a real plugin", "[plugins]") {
  start();
  auto [info, err] = load(echo_so, {{"greeting", "hi"}});
  REQUIRE(info);
  CHECK(err.empty());
  CHECK(info->name == "echo");
  CHECK(info->version == "0.1.0");
  CHECK(info->abi == MANTLE_PLUGIN_ABI_VERSION);
  CHECK(info->state == "running");
  CHECK(info->path == echo_so);
  auto loaded = events.next("plugin_loaded");
  REQUIRE(loaded);
  CHECK(loaded->text.find("echo 0.1.0") != std::string::npos);
  auto started = events.next("echo_started");
  REQUIRE(started);
  CHECK(started->text == "hi");
  CHECK(ask_echo().rfind("hi#", 0) == 0);
  auto l = list();
  REQUIRE(l.size() == 1);
  CHECK(l[0].name == "echo");

  // Unload: the actor is stopped, the plugin forgotten, the registry entry gone.
  std::optional<plugin_info> gone;
  self->request(host, 10s, plg_unload_atom::value, std::string("echo"))
    .receive([&](plugin_info& i) { gone = i; }, [&](caf::error& e) { FAIL(from_caf(e).message); });
  REQUIRE(gone);
  CHECK(gone->state == "stopped");
  CHECK(events.next("plugin_unloaded"));
  CHECK(list().empty());
  CHECK(!lookup("echo"));
  std::string second;
  self->request(host, 10s, plg_unload_atom::value, std::string("echo"))
    .receive([&](plugin_info&) { second = "ok"; }, [&](caf::error& e) { second = from_caf(e).message; });
  CHECK(second.find("no plugin named 'echo'") != std::string::npos);

  // Loading the same path again works (the code stayed mapped).
  auto again = load(echo_so);
  REQUIRE(again.first);
  CHECK(ask_echo().rfind("hello#", 0) == 0);
}

TEST_CASE_METHOD(host_fixture, "plugin host: plugins from the config start with the host, with their section", "[plugins]") {
  plugin_host_config cfg;
  cfg.paths = {echo_so};
  cfg.configs["echo"] = {{"greeting", "fromconf"}};
  start(cfg);
  auto l = list();
  REQUIRE(l.size() == 1);
  CHECK(l[0].state == "running");
  CHECK(ask_echo().rfind("fromconf#", 0) == 0);
}

TEST_CASE_METHOD(host_fixture, "plugin host: a crashing plugin is restarted with a new handle", "[plugins]") {
  start();
  REQUIRE(load(echo_so).first);
  REQUIRE(events.next("echo_started"));
  auto before = lookup("echo");
  auto first = ask_echo();
  crash_echo();
  auto restarted = events.next("echo_started");
  REQUIRE(restarted);
  auto l = list();
  REQUIRE(l.size() == 1);
  CHECK(l[0].state == "running");
  CHECK(l[0].restarts == 1);
  // echo installs mantle::exception_text_reason: the exception's text is the exit reason.
  CHECK(l[0].last_exit.find("echo was told to crash") != std::string::npos);
  auto after = lookup("echo");
  REQUIRE(after);
  CHECK(after != before);
  auto second = ask_echo();
  CHECK(second.rfind("hello#", 0) == 0);
  CHECK(second != first); // another incarnation answers
}

TEST_CASE_METHOD(host_fixture, "plugin host: past its budget a plugin is failed, the node's supervisor untouched", "[plugins]") {
  // The host runs under the node's supervisor, which allows a single restart in total: were a
  // plugin's failures escalated, the supervisor would give up and stop everything.
  supervisor_options so;
  so.restart_limit = 1;
  so.restart_window = 60s;
  auto book_ = book;
  std::vector<child_spec> children;
  children.push_back({"plugins", [book_](caf::actor_system& s) {
    plugin_host_config cfg;
    cfg.book = book_;
    cfg.backoff = 10ms;
    cfg.restart_limit = 2;
    cfg.restart_window = 60s;
    return spawn_plugin_host(s, cfg);
  }});
  auto sup = spawn_supervisor(*sys, children, so);
  self->monitor(sup);
  // Wait for the child to be registered.
  for (int i = 0; i < 200 && !lookup("plugins"); ++i)
    std::this_thread::sleep_for(10ms);
  host = lookup("plugins");
  REQUIRE(host);
  REQUIRE(load(echo_so).first);
  REQUIRE(events.next("echo_started"));
  crash_echo();
  REQUIRE(events.next("echo_started"));
  crash_echo();
  REQUIRE(events.next("echo_started"));
  crash_echo(); // third failure within the window: budget of 2 restarts spent
  auto failed = events.next("plugin_failed");
  REQUIRE(failed);
  CHECK(failed->text.find("echo") == 0);
  auto l = list();
  REQUIRE(l.size() == 1);
  CHECK(l[0].state == "failed");
  CHECK(l[0].restarts == 2);
  CHECK(!lookup("echo"));

  supervisor_stats stats;
  self->request(sup, 10s, stats_atom::value)
    .receive([&](supervisor_stats& s) { stats = s; }, [&](caf::error& e) { FAIL(from_caf(e).message); });
  CHECK(stats.restarts == 0);
  REQUIRE(stats.children.size() == 1);
  CHECK(stats.children[0].running);
  CHECK(lookup("plugins") == host);

  // A failed plugin can be loaded again (it replaces the failed entry).
  auto again = load(echo_so);
  REQUIRE(again.first);
  CHECK(again.first->state == "running");

  host = nullptr; // stopped through the supervisor
  self->send_exit(sup, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
}

TEST_CASE_METHOD(host_fixture, "plugin host: refusals name the problem and leave the host working", "[plugins]") {
  start();
  test::temp_dir dir;
  std::string text_file = dir.path + "/not_a_library.so";
  std::ofstream(text_file) << "this is not an ELF file\n";

  CHECK(load(dir.path + "/missing.so").second.find("no such file") != std::string::npos);
  CHECK(load(dir.path).second.find("not a regular file") != std::string::npos);
  CHECK(load(text_file).second.find("not a loadable shared object") != std::string::npos);
  auto no_entry = load(plugin_dir + "no_entry_plugin.so").second;
  CHECK(no_entry.find("no mantle_plugin_entry symbol") != std::string::npos);
  auto abi = load(plugin_dir + "bad_abi_plugin.so").second;
  CHECK(abi.find("plugin ABI version " + std::to_string(MANTLE_PLUGIN_ABI_VERSION + 41)) != std::string::npos);
  CHECK(abi.find("this node speaks " + std::to_string(MANTLE_PLUGIN_ABI_VERSION)) != std::string::npos);
  CHECK(load(plugin_dir + "old_caf_plugin.so").second.find("built with CAF 1605") != std::string::npos);
  auto thrown = load(echo_so, {{"fail_start", "1"}}).second;
  CHECK(thrown.find("did not start: spawn threw: fail_start is set") != std::string::npos);
  CHECK(list().empty());

  REQUIRE(load(echo_so).first);
  auto dup = load(echo_so).second;
  CHECK(dup.find("a plugin named 'echo' is already loaded") != std::string::npos);
  CHECK(list().size() == 1);
  CHECK(ask_echo().rfind("hello#", 0) == 0);
}

TEST_CASE_METHOD(host_fixture, "plugin host: a plugin cannot take a node actor's name", "[plugins]") {
  start();
  auto node_actor = sys->spawn([]() -> caf::behavior { return {[](get_atom) { return std::string("node"); }}; });
  sys->registry().put(caf::atom_from_string("echo"), node_actor);
  CHECK(load(echo_so).second.find("the name 'echo' belongs to a node actor") != std::string::npos);
  CHECK(lookup("echo") == node_actor);
  sys->registry().erase(caf::atom_from_string("echo"));
  self->send_exit(node_actor, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(host_fixture, "plugin host: a plugin that quits normally is stopped, not restarted", "[plugins]") {
  start();
  REQUIRE(load(echo_so).first);
  auto h = lookup("echo");
  self->monitor(h);
  self->send(h, put_atom::value, std::string("quit"));
  self->receive([](const caf::down_msg&) {});
  std::vector<plugin_info> l;
  for (int i = 0; i < 200; ++i) {
    l = list();
    if (!l.empty() && l[0].state == "stopped")
      break;
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(l.size() == 1);
  CHECK(l[0].state == "stopped");
  CHECK(l[0].restarts == 0);
}

TEST_CASE_METHOD(host_fixture, "plugin host: a restarted host starts its plugins again from the book", "[plugins]") {
  start();
  REQUIRE(load(echo_so, {{"greeting", "kept"}}).first);
  self->monitor(host);
  self->send_exit(host, caf::make_error(caf::sec::runtime_error, "host crashed"));
  self->receive([](const caf::down_msg&) {});
  start(); // same book, no config paths
  auto l = list();
  REQUIRE(l.size() == 1);
  CHECK(l[0].name == "echo");
  CHECK(l[0].state == "running");
  std::string answer;
  for (int i = 0; i < 200; ++i) { // the old incarnation's registry entry goes away first
    answer = ask_echo();
    if (answer.rfind("kept#", 0) == 0)
      break;
    std::this_thread::sleep_for(10ms);
  }
  CHECK(answer.rfind("kept#", 0) == 0);
}

TEST_CASE("plugin names are CAF atoms", "[plugins]") {
  CHECK(valid_actor_name("webhook"));
  CHECK(valid_actor_name("a_1"));
  CHECK(!valid_actor_name(""));
  CHECK(!valid_actor_name("elevenchars"));
  CHECK(!valid_actor_name("web-hook"));
}
