#include <catch2/catch.hpp>

#include <set>

#include "storage/psa_store.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::psa;

namespace {

std::unique_ptr<psa_store> open_store(const std::string& dir) {
  auto s = psa_store::open(dir + "/psa", false);
  REQUIRE(s);
  return std::move(*s);
}

request_record req(std::string cid, std::string name, uint64_t created, pin_status st = pin_status::pinned,
                   std::map<std::string, std::string> meta = {}) {
  request_record r;
  r.cid = std::move(cid);
  r.name = std::move(name);
  r.created_ms = created;
  r.status = st;
  r.meta = std::move(meta);
  return r;
}

std::vector<std::string> names(const query_result& q) {
  std::vector<std::string> out;
  for (auto& r : q.results)
    out.push_back(r.name);
  return out;
}

} // namespace

TEST_CASE("request records round-trip through msgpack", "[psa_store]") {
  request_record r = req("bafyx", "n", 42, pin_status::failed, {{"a", "1"}, {"b", "2"}});
  r.requestid = "id";
  r.origins = {"/ip4/1.2.3.4/tcp/4001/p2p/QmX"};
  r.delegates = {"/ip4/127.0.0.1/tcp/4001"};
  r.info = {{"reason", "timeout"}};
  r.failure = "timeout";
  r.attempts = 7;
  r.last_attempt_ms = 43;
  auto back = decode_request_record(encode(r));
  REQUIRE(back);
  CHECK(back->requestid == "id");
  CHECK(back->cid == "bafyx");
  CHECK(back->origins == r.origins);
  CHECK(back->meta == r.meta);
  CHECK(back->status == pin_status::failed);
  CHECK(back->created_ms == 42);
  CHECK(back->delegates == r.delegates);
  CHECK(back->info == r.info);
  CHECK(back->failure == "timeout");
  CHECK(back->attempts == 7);
  CHECK(back->last_attempt_ms == 43);
  CHECK(decode_request_record("junk").err().code == errc::corrupt);
  CHECK(decode_request_record("").err().code == errc::corrupt);
  auto enc = encode(r);
  enc[enc.size() - 10] = '\xc1'; // never-used msgpack byte
  CHECK_FALSE(decode_request_record(enc));
}

TEST_CASE("status and match names parse", "[psa_store]") {
  CHECK(parse_status("queued") == pin_status::queued);
  CHECK(parse_status("pinned") == pin_status::pinned);
  CHECK_FALSE(parse_status("Pinned"));
  CHECK(parse_text_match("ipartial") == text_match::ipartial);
  CHECK_FALSE(parse_text_match("fuzzy"));
}

TEST_CASE("requests are created, updated, removed and survive a reopen", "[psa_store]") {
  test::temp_dir dir("mantle-psa");
  std::string id;
  {
    auto s = open_store(dir.path);
    auto c = s->create(req("bafyA", "first", 1000, pin_status::queued));
    REQUIRE(c);
    id = c->requestid;
    CHECK(id.size() == 32);
    auto c2 = s->create(req("bafyA", "second", 1000, pin_status::queued));
    REQUIRE(c2);
    CHECK(c2->requestid != id);
    auto u = s->update(id, [](request_record& r) {
      r.status = pin_status::pinning;
      r.attempts = 2;
      r.created_ms = 1; // ignored: created never changes
    });
    REQUIRE(u);
    CHECK(u->created_ms == 1000);
    CHECK(s->update("nope", [](request_record&) {}).err().code == errc::not_found);
    REQUIRE(*s->remove(c2->requestid));
    CHECK_FALSE(*s->remove(c2->requestid));
  }
  auto s = open_store(dir.path);
  auto g = s->get(id);
  REQUIRE(g);
  REQUIRE(*g);
  CHECK((*g)->status == pin_status::pinning);
  CHECK((*g)->attempts == 2);
  CHECK((*g)->name == "first");
  auto all = s->find(request_query{{}, {}, text_match::exact, {}, {}, {}, 1000, {}});
  REQUIRE(all);
  CHECK(all->count == 1);
  auto active = s->active();
  REQUIRE(active);
  REQUIRE(active->size() == 1);
  CHECK(active->front().requestid == id);
  auto missing = s->get("missing");
  REQUIRE(missing);
  CHECK_FALSE(*missing);
}

TEST_CASE("queries apply every filter, newest first, count before limit", "[psa_store]") {
  test::temp_dir dir("mantle-psa");
  auto s = open_store(dir.path);
  REQUIRE(s->create(req("c1", "Alpha", 100, pin_status::pinned, {{"app", "x"}, {"v", "1"}})));
  REQUIRE(s->create(req("c2", "alphabet", 200, pin_status::queued, {{"app", "x"}})));
  REQUIRE(s->create(req("c3", "beta", 300, pin_status::failed)));
  REQUIRE(s->create(req("c1", "gamma", 400, pin_status::pinning, {{"app", "y"}})));
  REQUIRE(s->create(req("c4", "ALPHA", 500, pin_status::pinned)));

  auto run = [&](request_query q) {
    auto r = s->find(q);
    REQUIRE(r);
    return *r;
  };
  request_query any;
  any.limit = 1000;
  CHECK(names(run(any)) == std::vector<std::string>{"ALPHA", "gamma", "beta", "alphabet", "Alpha"});

  auto q = any;
  q.cids = {"c1"};
  CHECK(names(run(q)) == std::vector<std::string>{"gamma", "Alpha"});
  q.cids = {"c1", "c3"};
  CHECK(run(q).count == 3);

  q = any;
  q.name = "Alpha";
  CHECK(names(run(q)) == std::vector<std::string>{"Alpha"});
  q.match = text_match::iexact;
  CHECK(names(run(q)) == std::vector<std::string>{"ALPHA", "Alpha"});
  q.match = text_match::partial;
  q.name = "lpha";
  CHECK(names(run(q)) == std::vector<std::string>{"alphabet", "Alpha"});
  q.match = text_match::ipartial;
  q.name = "LPHA";
  CHECK(names(run(q)) == std::vector<std::string>{"ALPHA", "alphabet", "Alpha"});

  q = any;
  q.statuses = {pin_status::pinned};
  CHECK(names(run(q)) == std::vector<std::string>{"ALPHA", "Alpha"});
  q.statuses = {pin_status::queued, pin_status::failed};
  CHECK(names(run(q)) == std::vector<std::string>{"beta", "alphabet"});

  q = any;
  q.before_ms = 400;
  CHECK(names(run(q)) == std::vector<std::string>{"beta", "alphabet", "Alpha"});
  q.after_ms = 100;
  CHECK(names(run(q)) == std::vector<std::string>{"beta", "alphabet"});
  q.before_ms.reset();
  CHECK(names(run(q)) == std::vector<std::string>{"ALPHA", "gamma", "beta", "alphabet"});
  q.before_ms = 0;
  CHECK(run(q).count == 0);

  q = any;
  q.meta = {{"app", "x"}};
  CHECK(names(run(q)) == std::vector<std::string>{"alphabet", "Alpha"});
  q.meta = {{"app", "x"}, {"v", "1"}};
  CHECK(names(run(q)) == std::vector<std::string>{"Alpha"});
  q.meta = {{"app", "z"}};
  CHECK(run(q).count == 0);

  q = any;
  q.limit = 2;
  auto limited = run(q);
  CHECK(limited.count == 5);
  CHECK(names(limited) == std::vector<std::string>{"ALPHA", "gamma"});

  auto by = s->by_cid("c1");
  REQUIRE(by);
  CHECK(by->size() == 2);
}

TEST_CASE("tokens are created, authenticated, listed and revoked; they persist", "[psa_store][api_tokens]") {
  test::temp_dir dir("mantle-psa");
  std::string secret_a, secret_b, id_b;
  {
    auto s = open_store(dir.path);
    auto a = s->create_token("alice", 10);
    REQUIRE(a);
    secret_a = a->secret;
    auto b = s->create_token("bob", 20);
    REQUIRE(b);
    secret_b = b->secret;
    id_b = b->record.id;
    CHECK(s->create_token("alice", 30).err().code == errc::conflict);
    CHECK(s->create_token("bad name", 30).err().code == errc::invalid_input);
  }
  auto s = open_store(dir.path);
  auto list = s->tokens();
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].name == "alice");
  CHECK((*list)[1].id == id_b);
  auto who = s->authenticate(secret_b);
  REQUIRE(who);
  REQUIRE(*who);
  CHECK((*who)->name == "bob");
  CHECK_FALSE(*s->authenticate("mantle_wrong"));
  CHECK_FALSE(*s->authenticate(""));

  auto r = s->revoke_token(id_b);
  REQUIRE(r);
  CHECK(r->name == "bob");
  CHECK_FALSE(*s->authenticate(secret_b));
  CHECK(s->revoke_token(id_b).err().code == errc::not_found);
  REQUIRE(s->revoke_token("alice"));
  CHECK_FALSE(*s->authenticate(secret_a));
  CHECK(s->tokens()->empty());
}

TEST_CASE("update_each changes several requests at once and skips missing ones", "[psa_store]") {
  test::temp_dir dir("mantle-psa");
  auto s = open_store(dir.path);
  auto a = s->create(req("c1", "a", 1, pin_status::queued));
  auto b = s->create(req("c2", "b", 2, pin_status::queued));
  REQUIRE(a);
  REQUIRE(b);
  auto changed = s->update_each({b->requestid, "gone", a->requestid}, [](request_record& r) {
    r.status = pin_status::pinning;
    r.attempts += 1;
  });
  REQUIRE(changed);
  REQUIRE(changed->size() == 2);
  CHECK((*changed)[0].name == "b");
  CHECK((*changed)[1].name == "a");
  CHECK((**s->get(a->requestid)).status == pin_status::pinning);
  CHECK((**s->get(b->requestid)).attempts == 1);
  CHECK(s->update_each({}, [](request_record&) {})->empty());
}
