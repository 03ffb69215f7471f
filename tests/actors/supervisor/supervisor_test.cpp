#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/group.hpp>
#include <caf/local_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "actors/supervisor/supervisor_actor.hpp"
#include "net/metrics.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "messages/supervisor.hpp"

using namespace mantle;
using namespace std::chrono_literals;

namespace {

// Answers ping and doubles numbers; a negative number makes it throw, which ends the actor.
caf::behavior crashy(caf::event_based_actor*) {
  return {
    [](ping_atom) { return pong_atom::value; },
    [](int32_t x) -> int32_t {
      if (x < 0)
        throw std::runtime_error("negative input");
      return x * 2;
    },
  };
}

using event_log = std::shared_ptr<std::vector<std::string>>;

// Records when it is asked to stop and quits only `flush_time` later, like a child that must
// sync to disk first. A flush_time of 0 never quits on its own (a stuck child).
caf::behavior slow_stopper(caf::event_based_actor* self, std::string name, event_log log,
                           caf::timespan flush_time) {
  self->set_exit_handler([=](caf::exit_msg& em) {
    log->push_back(name + " stopping");
    if (flush_time.count() > 0)
      self->delayed_send(self, flush_time, put_atom::value);
  });
  return {
    [=](put_atom) {
      log->push_back(name + " flushed");
      self->quit(caf::exit_reason::user_shutdown);
    },
    [](ping_atom) { return pong_atom::value; },
  };
}

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;

  fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    register_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }

  ~fixture() {
    sched->run();
  }

  child_spec crashy_child(const std::string& name) {
    return {name, [](caf::actor_system& s) { return s.spawn(crashy); }};
  }

  // Sends a request from `self`, runs the scheduler, and returns the reply (or the error).
  template <class T, class... Ts>
  std::variant<T, caf::error> ask(caf::scoped_actor& self, const caf::actor& to, Ts&&... xs) {
    self->send(to, std::forward<Ts>(xs)...);
    sched->run();
    std::variant<T, caf::error> out = caf::error{};
    bool got = false;
    self->receive([&](T& x) { out = std::move(x); got = true; },
                  [&](caf::error& e) { out = std::move(e); got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    REQUIRE(got);
    return out;
  }

  caf::actor whereis(caf::scoped_actor& self, const caf::actor& sup, const std::string& name) {
    auto r = ask<caf::actor>(self, sup, whereis_atom::value, name);
    REQUIRE(std::holds_alternative<caf::actor>(r));
    return std::get<caf::actor>(r);
  }

  // For requests answered with an empty message (caf::result<void>): the error, or none.
  std::optional<caf::error> ask_void(caf::scoped_actor& self, const caf::actor& to, caf::message msg) {
    self->send(to, std::move(msg));
    sched->run();
    std::optional<caf::error> out;
    bool got = false;
    self->receive([&]() { got = true; }, [&](caf::error& e) { out = std::move(e); got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    REQUIRE(got);
    return out;
  }

  caf::error wait_down(caf::scoped_actor& self) {
    caf::error reason;
    bool got = false;
    self->receive([&](caf::down_msg& dm) { reason = dm.reason; got = true; },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    REQUIRE(got);
    return reason;
  }
};

} // namespace

TEST_CASE_METHOD(fixture, "supervisor restarts a crashed child with a new handle", "[actors][supervisor]") {
  auto sup = spawn_supervisor(*sys, {crashy_child("alpha"), crashy_child("beta")});
  sched->run();
  caf::scoped_actor self{*sys};
  auto a1 = whereis(self, sup, "alpha");
  auto b1 = whereis(self, sup, "beta");
  REQUIRE(a1);
  CHECK(sys->registry().get<caf::actor>(caf::atom("alpha")) == a1);
  CHECK(std::get<pong_atom>(ask<pong_atom>(self, a1, ping_atom::value)) == pong_atom::value);
  auto restart_metric = [](const char* child) { // /metrics, shared by every test in the process
    return global_metrics().counter("mantle_actor_restarts_total", "Restarts of supervised actors, by child.",
                                    {"child"}).with({child}).value();
  };
  uint64_t alpha_before = restart_metric("alpha"), beta_before = restart_metric("beta");

  self->send(a1, int32_t{-1}); // throws inside alpha
  sched->run();
  CHECK(restart_metric("alpha") == alpha_before + 1);
  CHECK(restart_metric("beta") == beta_before);
  auto a2 = whereis(self, sup, "alpha");
  REQUIRE(a2);
  CHECK(a2 != a1);
  CHECK(sys->registry().get<caf::actor>(caf::atom("alpha")) == a2);
  CHECK(std::get<int32_t>(ask<int32_t>(self, a2, int32_t{21})) == 42);
  CHECK(whereis(self, sup, "beta") == b1); // one-for-one: the sibling is untouched

  auto stats = std::get<supervisor_stats>(ask<supervisor_stats>(self, sup, stats_atom::value));
  CHECK(stats.restarts == 1);
  REQUIRE(stats.children.size() == 2);
  CHECK(stats.children[0].name == "alpha");
  CHECK(stats.children[0].restarts == 1);
  CHECK(stats.children[0].running);
  CHECK_THAT(stats.children[0].last_exit, Catch::Contains("runtime_error"));
  CHECK(stats.children[1].restarts == 0);

  auto unknown = ask<caf::actor>(self, sup, whereis_atom::value, std::string("gamma"));
  REQUIRE(std::holds_alternative<caf::error>(unknown));
  CHECK(from_caf(std::get<caf::error>(unknown)).code == errc::not_found);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "an operator's restart is answered once the child runs again, published, and not counted as a fault", "[actors][supervisor]") {
  supervisor_options opts;
  opts.restart_limit = 1; // one more fault would escalate; operator restarts must not use it up
  auto sup = spawn_supervisor(*sys, {crashy_child("alpha"), crashy_child("beta")}, opts);
  sched->run();
  caf::scoped_actor self{*sys};
  self->join(sys->groups().get_local(node_event_group));
  auto a1 = whereis(self, sup, "alpha");
  for (int i = 0; i < 3; ++i) {
    auto failed = ask_void(self, sup, caf::make_message(restart_atom::value, std::string("alpha")));
    REQUIRE_FALSE(failed);
  }
  auto a2 = whereis(self, sup, "alpha");
  CHECK(a2 != a1);
  CHECK(std::get<int32_t>(ask<int32_t>(self, a2, int32_t{4})) == 8);
  std::vector<node_event> events;
  self->receive_while([&] { return events.size() < 3; })([&](node_event& e) { events.push_back(e); },
                                                         caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == "actor_restarted");
  CHECK_THAT(events[0].text, Catch::Contains("alpha") && Catch::Contains("on request"));

  auto stats = std::get<supervisor_stats>(ask<supervisor_stats>(self, sup, stats_atom::value));
  CHECK(stats.children[0].restarts == 3);
  CHECK(stats.restarts_in_window == 0);
  // The fault budget is intact: one crash is restarted (and published), not escalated.
  self->send(a2, int32_t{-1});
  sched->run();
  auto a3 = whereis(self, sup, "alpha");
  CHECK(a3 != a2);
  node_event crash_event;
  self->receive([&](node_event& e) { crash_event = e; }, caf::after(std::chrono::seconds(0)) >> [] {});
  CHECK(crash_event.kind == "actor_restarted");
  CHECK_THAT(crash_event.text, Catch::Contains("runtime_error"));

  auto unknown = ask_void(self, sup, caf::make_message(restart_atom::value, std::string("gamma")));
  REQUIRE(unknown);
  CHECK(from_caf(*unknown).code == errc::not_found);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "supervisor escalates past the restart limit and stops all children", "[actors][supervisor]") {
  supervisor_options opts;
  opts.restart_limit = 2;
  opts.restart_window = 1000ms;
  auto sup = spawn_supervisor(*sys, {crashy_child("alpha"), crashy_child("beta")}, opts);
  sched->run();
  caf::scoped_actor self{*sys};
  self->monitor(sup);
  auto beta = whereis(self, sup, "beta");
  self->monitor(beta);

  for (int i = 0; i < 2; ++i) {
    self->send(whereis(self, sup, "alpha"), int32_t{-1});
    sched->run();
  }
  // Two restarts used up the budget; the window slides so waiting a full window resets it.
  sched->advance_time(1000ms);
  self->send(whereis(self, sup, "alpha"), int32_t{-1});
  sched->run();
  self->send(whereis(self, sup, "alpha"), int32_t{-1});
  sched->run();
  auto third = whereis(self, sup, "alpha");
  self->send(third, int32_t{-1}); // third failure within one window: escalate
  sched->run();

  auto beta_reason = wait_down(self);
  CHECK(beta_reason == caf::exit_reason::user_shutdown);
  auto reason = wait_down(self);
  REQUIRE(reason.category() == caf::atom("mantle"));
  auto err = from_caf(reason);
  CHECK(err.code == errc::unavailable);
  CHECK_THAT(err.message, Catch::Contains("child 'alpha'") && Catch::Contains("restart limit reached") &&
                              Catch::Contains("2 restarts within 1000ms"));
  CHECK_FALSE(is_clean_shutdown(reason));
  CHECK(sys->registry().get<caf::actor>(caf::atom("alpha")) == nullptr);
  CHECK(sys->registry().get<caf::actor>(caf::atom("beta")) == nullptr);
}

TEST_CASE_METHOD(fixture, "supervisor stops children one at a time in reverse start order", "[actors][supervisor]") {
  auto log = std::make_shared<std::vector<std::string>>();
  std::vector<child_spec> children;
  for (std::string name : {"first", "second", "third"})
    children.push_back({name, [=](caf::actor_system& s) { return s.spawn(slow_stopper, name, log, caf::timespan{10ms}); }});
  auto sup = spawn_supervisor(*sys, std::move(children));
  sched->run();
  caf::scoped_actor self{*sys};
  self->monitor(sup);

  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched->run();
  // Only the last child was asked; the others wait until it has flushed.
  CHECK(*log == std::vector<std::string>{"third stopping"});
  sched->advance_time(10ms);
  sched->run();
  sched->advance_time(10ms);
  sched->run();
  sched->advance_time(10ms);
  sched->run();
  CHECK(*log == std::vector<std::string>{"third stopping", "third flushed", "second stopping", "second flushed",
                                         "first stopping", "first flushed"});
  auto reason = wait_down(self);
  CHECK(is_clean_shutdown(reason));
}

TEST_CASE_METHOD(fixture, "supervisor kills a child that does not stop in time", "[actors][supervisor]") {
  auto log = std::make_shared<std::vector<std::string>>();
  supervisor_options opts;
  opts.stop_timeout = 50ms;
  auto sup = spawn_supervisor(*sys, {
      crashy_child("first"),
      {"stuck", [=](caf::actor_system& s) { return s.spawn(slow_stopper, std::string("stuck"), log, caf::timespan{0}); }},
  }, opts);
  sched->run();
  caf::scoped_actor self{*sys};
  self->monitor(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched->run();
  CHECK(*log == std::vector<std::string>{"stuck stopping"});
  sched->advance_time(50ms); // the stop timeout fires
  sched->run();
  CHECK(is_clean_shutdown(wait_down(self)));
}

TEST_CASE_METHOD(fixture, "supervisor refuses invalid child specs and failing starts", "[actors][supervisor]") {
  caf::scoped_actor self{*sys};
  auto bad_name = spawn_supervisor(*sys, {crashy_child("block-store")});
  self->monitor(bad_name);
  sched->run();
  CHECK(from_caf(wait_down(self)).code == errc::invalid_input);

  auto dup = spawn_supervisor(*sys, {crashy_child("a"), crashy_child("a")});
  self->monitor(dup);
  sched->run();
  CHECK_THAT(from_caf(wait_down(self)).message, Catch::Contains("duplicate child name 'a'"));

  auto failing = spawn_supervisor(*sys, {
      crashy_child("ok"),
      {"broken", [](caf::actor_system&) -> caf::actor { throw std::runtime_error("disk missing"); }},
  });
  self->monitor(failing);
  sched->run();
  auto err = from_caf(wait_down(self));
  CHECK_THAT(err.message, Catch::Contains("'broken' failed to start") && Catch::Contains("disk missing"));
  CHECK(sys->registry().get<caf::actor>(caf::atom("ok")) == nullptr); // started sibling was stopped

  CHECK(valid_actor_name("blocks"));
  CHECK(valid_actor_name("rpc_server"));
  CHECK_FALSE(valid_actor_name("rpc_server1")); // 11 characters
  CHECK_FALSE(valid_actor_name(""));
}

TEST_CASE("supervisor restarts a detached child on a threaded actor system", "[actors][supervisor]") {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  register_types(cfg);
  caf::actor_system sys{cfg};
  auto sup = spawn_supervisor(sys, {{"io", [](caf::actor_system& s) { return s.spawn<caf::detached>(crashy); }}});
  caf::scoped_actor self{sys};
  auto resolve = [&] {
    caf::actor out;
    self->request(sup, std::chrono::seconds(5), whereis_atom::value, std::string("io"))
      .receive([&](caf::actor& a) { out = a; }, [&](caf::error& e) { FAIL(sys.render(e)); });
    return out;
  };
  auto first = resolve();
  REQUIRE(first);
  self->monitor(first);
  self->send(first, int32_t{-5});
  self->receive([](caf::down_msg&) {}, caf::after(std::chrono::seconds(5)) >> [] { FAIL("child did not die"); });
  // Our down message may overtake the supervisor's (CAF notifies the newest monitor first), so
  // a client can briefly still see the dead handle: it resolves again, as real clients must.
  caf::actor second = first;
  for (int i = 0; i < 10000 && second == first; ++i)
    second = resolve();
  REQUIRE(second);
  CHECK(second != first);
  self->request(second, std::chrono::seconds(5), int32_t{4})
    .receive([](int32_t x) { CHECK(x == 8); }, [&](caf::error& e) { FAIL(sys.render(e)); });
  self->monitor(sup);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  self->receive([](caf::down_msg& dm) { CHECK(is_clean_shutdown(dm.reason)); },
                caf::after(std::chrono::seconds(5)) >> [] { FAIL("supervisor did not stop"); });
}

TEST_CASE_METHOD(fixture, "a killed supervisor still takes its children down", "[actors][supervisor]") {
  auto sup = spawn_supervisor(*sys, {crashy_child("alpha"), crashy_child("beta")});
  sched->run();
  caf::scoped_actor self{*sys};
  auto alpha = whereis(self, sup, "alpha");
  auto beta = whereis(self, sup, "beta");
  self->monitor(alpha);
  self->monitor(beta);
  caf::anon_send_exit(sup, caf::exit_reason::kill); // cannot be trapped: no ordered stop
  sched->run();
  wait_down(self);
  wait_down(self);
  CHECK(sys->registry().get<caf::actor>(caf::atom("alpha")) == nullptr);
  CHECK(sys->registry().get<caf::actor>(caf::atom("beta")) == nullptr);
}
