#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/psa_api.hpp"
#include "net/psa_pinner.hpp"
#include "net/router.hpp"
#include "storage/block_store.hpp"
#include "storage/multihash.hpp"
#include "storage/psa_store.hpp"
#include "storage/rfc3339.hpp"
#include "tests/net/store_backend.hpp"
#include "tests/temp_dir.hpp"
#include "tests/test_store.hpp"

using namespace mantle;
using nlohmann::json;

namespace {

block raw_block(const std::string& data) { return block{cid{1, codec::raw, multihash::sha256(data)}, data}; }

struct psa_fixture {
  test::temp_dir dir{"mantle-psa-api"};
  std::unique_ptr<block_store> blocks;
  std::unique_ptr<psa::psa_store> store;
  std::unique_ptr<test::store_backend> backend;
  std::unique_ptr<psa_api> api;
  router routes;
  std::unique_ptr<http_server> server;
  std::string token;
  int wakes = 0;

  psa_fixture() {
    blocks = test::open_test_store(dir.path);
    auto s = psa::psa_store::open(dir.path + "/psa", false);
    REQUIRE(s);
    store = std::move(*s);
    peer_info id;
    id.addresses = {"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWtest"};
    backend = std::make_unique<test::store_backend>(*blocks, id);
    api = std::make_unique<psa_api>(*backend, *store, [this] { ++wakes; });
    routes.add_prefix("/psa", [this](http_request& r, response_writer& w) { api->handle(r, w); });
    server = std::make_unique<http_server>([this](http_request& r, response_writer& w) { routes.handle(r, w); });
    REQUIRE(server->start("127.0.0.1:0"));
    auto t = store->create_token("tests", now_unix_ms());
    REQUIRE(t);
    token = t->secret;
  }
  ~psa_fixture() { server->stop(); }

  client_response call(const std::string& method, const std::string& target, const std::string& body = {},
                       std::optional<std::string> auth = std::nullopt) {
    http_client c;
    REQUIRE(c.connect("127.0.0.1:" + std::to_string(server->port())));
    headers_list h;
    std::string a = auth ? *auth : "Bearer " + token;
    if (!a.empty())
      h.push_back({"Authorization", a});
    if (!body.empty())
      h.push_back({"Content-Type", "application/json"});
    auto r = c.request(method, target, h, body);
    REQUIRE(r);
    return *r;
  }
  json call_json(const std::string& method, const std::string& target, unsigned expect,
                 const std::string& body = {}) {
    auto r = call(method, target, body);
    INFO(method << " " << target << " -> " << r.status << " " << r.body);
    REQUIRE(r.status == expect);
    if (r.body.empty())
      return json();
    auto j = json::parse(r.body, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
  }
  size_t total_requests() {
    psa::request_query q;
    q.limit = 1000;
    auto f = store->find(q);
    REQUIRE(f);
    return f->count;
  }
  psa::run_report run_pinner(uint64_t now = now_unix_ms(), psa::pinner_options o = {}) {
    psa::pinner p(*backend, *store, o);
    auto r = p.run(now);
    REQUIRE(r);
    return *r;
  }
};

void check_error(const client_response& r, unsigned code, const std::string& reason) {
  INFO(r.body);
  CHECK(r.status == code);
  auto j = json::parse(r.body, nullptr, false);
  REQUIRE(j.is_object());
  REQUIRE(j.contains("error"));
  CHECK(j["error"]["reason"] == reason);
  CHECK(j["error"]["details"].is_string());
}

} // namespace

TEST_CASE("PSA refuses requests without a valid bearer token and does nothing", "[psa_api]") {
  psa_fixture f;
  auto cid_text = raw_block("x").cid.str();
  std::string body = json{{"cid", cid_text}}.dump();
  for (std::string auth : std::vector<std::string>{"", "Bearer", "Bearer ", "Bearer mantle_wrong", "Basic " + f.token,
                           "Bearer " + f.token + "x"}) {
    auto r = f.call("POST", "/psa/pins", body, auth);
    check_error(r, 401, "UNAUTHORIZED");
    CHECK(r.header("WWW-Authenticate") == "Bearer");
    check_error(f.call("GET", "/psa/pins", {}, auth), 401, "UNAUTHORIZED");
    check_error(f.call("DELETE", "/psa/pins/abc", {}, auth), 401, "UNAUTHORIZED");
  }
  CHECK(f.total_requests() == 0);
  CHECK(f.wakes == 0);
  // Scheme is case-insensitive.
  CHECK(f.call("GET", "/psa/pins", {}, "bearer " + f.token).status == 200);
}

TEST_CASE("PSA queues a pin, the pinner pins it, and it can be read, replaced and deleted", "[psa_api]") {
  psa_fixture f;
  auto b = raw_block("hello psa");
  REQUIRE(f.blocks->put_batch({b}));
  auto created = f.call_json("POST", "/psa/pins", 202,
                             json{{"cid", b.cid.str()}, {"name", "greeting"},
                                  {"origins", {"/ip4/10.0.0.1/tcp/4001"}},
                                  {"meta", {{"app", "test"}}}}.dump());
  CHECK(f.wakes == 1);
  CHECK(created["status"] == "queued");
  CHECK(created["pin"]["cid"] == b.cid.str());
  CHECK(created["pin"]["name"] == "greeting");
  CHECK(created["pin"]["origins"] == json{"/ip4/10.0.0.1/tcp/4001"});
  CHECK(created["pin"]["meta"] == json{{"app", "test"}});
  CHECK(created["delegates"] == json{"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWtest"});
  CHECK(created["info"] == json::object());
  std::string id = created["requestid"];
  std::string when = created["created"];
  REQUIRE(parse_rfc3339_ms(when));
  CHECK(when.size() == 24);
  CHECK(when.back() == 'Z');

  // Not pinned yet: the default listing (status=pinned) does not show it.
  CHECK(f.call_json("GET", "/psa/pins", 200)["count"] == 0);
  CHECK(f.call_json("GET", "/psa/pins?status=queued", 200)["count"] == 1);

  auto rep = f.run_pinner();
  CHECK(rep.pinned == 1);
  auto got = f.call_json("GET", "/psa/pins/" + id, 200);
  CHECK(got["status"] == "pinned");
  CHECK(got["created"] == when);
  auto pins = f.blocks->pins(pin_type::recursive, b.cid);
  REQUIRE(pins);
  REQUIRE(pins->size() == 1);
  CHECK(pins->front().name == "greeting");
  auto listed = f.call_json("GET", "/psa/pins", 200);
  CHECK(listed["count"] == 1);
  CHECK(listed["results"][0]["requestid"] == id);

  // Replace with another CID: new request id, the old one is gone and its pin released.
  auto b2 = raw_block("second");
  REQUIRE(f.blocks->put_batch({b2}));
  auto replaced = f.call_json("POST", "/psa/pins/" + id, 202, json{{"cid", b2.cid.str()}}.dump());
  std::string id2 = replaced["requestid"];
  CHECK(id2 != id);
  CHECK(replaced["status"] == "queued");
  CHECK_FALSE(replaced["pin"].contains("name"));
  check_error(f.call("GET", "/psa/pins/" + id), 404, "NOT_FOUND");
  CHECK(f.blocks->pins(pin_type::recursive, b.cid)->empty());
  f.run_pinner();
  CHECK(f.call_json("GET", "/psa/pins/" + id2, 200)["status"] == "pinned");
  CHECK(f.blocks->pins(pin_type::recursive, b2.cid)->size() == 1);

  // Two requests for one CID: deleting one keeps the pin, deleting the last removes it.
  auto again = f.call_json("POST", "/psa/pins", 202, json{{"cid", b2.cid.str()}}.dump());
  f.run_pinner();
  CHECK(f.call("DELETE", "/psa/pins/" + id2).status == 202);
  CHECK(f.blocks->pins(pin_type::recursive, b2.cid)->size() == 1);
  CHECK(f.call("DELETE", "/psa/pins/" + again["requestid"].get<std::string>()).status == 202);
  CHECK(f.blocks->pins(pin_type::recursive, b2.cid)->empty());
  check_error(f.call("DELETE", "/psa/pins/" + id2), 404, "NOT_FOUND");
  check_error(f.call("POST", "/psa/pins/nope", json{{"cid", b2.cid.str()}}.dump()), 404, "NOT_FOUND");
  CHECK(f.total_requests() == 0);
}

TEST_CASE("PSA list filters", "[psa_api]") {
  psa_fixture f;
  std::vector<std::string> cids;
  std::vector<std::string> ids;
  const char* names[] = {"Report-2024", "report-2025", "photo", "Photo album"};
  for (int i = 0; i < 4; ++i) {
    auto b = raw_block("block " + std::to_string(i));
    REQUIRE(f.blocks->put_batch({b}));
    cids.push_back(b.cid.str());
    json meta = {{"n", std::to_string(i)}, {"kind", i < 2 ? "doc" : "img"}};
    auto r = f.call_json("POST", "/psa/pins", 202, json{{"cid", b.cid.str()}, {"name", names[i]}, {"meta", meta}}.dump());
    ids.push_back(r["requestid"]);
    std::this_thread::sleep_for(std::chrono::milliseconds(3)); // distinct created times
  }
  f.run_pinner();
  auto results = [&](const std::string& q) {
    auto j = f.call_json("GET", "/psa/pins" + q, 200);
    std::vector<std::string> out;
    for (auto& r : j["results"])
      out.push_back(r["pin"]["name"]);
    CHECK(j["count"].get<size_t>() >= out.size());
    return out;
  };
  CHECK(results("") == std::vector<std::string>{"Photo album", "photo", "report-2025", "Report-2024"});
  CHECK(results("?cid=" + cids[0] + "," + cids[2]) == std::vector<std::string>{"photo", "Report-2024"});
  CHECK(results("?cid=" + cids[1] + "&cid=" + cids[3]) == std::vector<std::string>{"Photo album", "report-2025"});
  CHECK(results("?name=photo") == std::vector<std::string>{"photo"});
  CHECK(results("?name=photo&match=exact") == std::vector<std::string>{"photo"});
  CHECK(results("?name=PHOTO&match=iexact") == std::vector<std::string>{"photo"});
  CHECK(results("?name=port&match=partial") == std::vector<std::string>{"report-2025", "Report-2024"});
  CHECK(results("?name=PHOTO&match=ipartial") == std::vector<std::string>{"Photo album", "photo"});
  CHECK(results("?status=queued,pinning").empty());
  CHECK(results("?status=pinned,failed").size() == 4);
  CHECK(results("?limit=2") == std::vector<std::string>{"Photo album", "photo"});
  CHECK(f.call_json("GET", "/psa/pins?limit=2", 200)["count"] == 4);
  CHECK(results("?meta=%7B%22kind%22%3A%22doc%22%7D") == std::vector<std::string>{"report-2025", "Report-2024"});
  CHECK(results("?meta=%7B%22kind%22%3A%22doc%22%2C%22n%22%3A%220%22%7D") == std::vector<std::string>{"Report-2024"});

  std::string t1 = f.call_json("GET", "/psa/pins/" + ids[1], 200)["created"];
  std::string t2 = f.call_json("GET", "/psa/pins/" + ids[2], 200)["created"];
  CHECK(results("?before=" + t2) == std::vector<std::string>{"report-2025", "Report-2024"});
  CHECK(results("?after=" + t1) == std::vector<std::string>{"Photo album", "photo"});
  CHECK(results("?after=" + t1 + "&before=" + f.call_json("GET", "/psa/pins/" + ids[3], 200)["created"].get<std::string>()) ==
        std::vector<std::string>{"photo"});
}

TEST_CASE("PSA answers bad input with 400 and never stores it", "[psa_api]") {
  psa_fixture f;
  auto good = raw_block("g").cid.str();
  std::string eleven;
  for (int i = 0; i < 11; ++i)
    eleven += (i ? "," : "") + good;
  for (std::string q : std::vector<std::string>{"?limit=0", "?limit=1001", "?limit=abc", "?limit=-1", "?limit=", "?status=done",
                        "?status=", "?cid=notacid", "?cid=" + eleven, "?match=fuzzy", "?before=yesterday",
                        "?after=2024-01-01", "?meta=notjson", "?meta=%5B%5D", "?meta=%7B%22a%22%3A1%7D",
                        "?limit=1&limit=2", "?bogus=1"})
    check_error(f.call("GET", "/psa/pins" + q), 400, "BAD_REQUEST");
  for (std::string body : std::vector<std::string>{"", "not json", "[]", "{}", "{\"cid\":5}", "{\"cid\":\"Qmnope\"}",
                           "{\"cid\":\"" + good + "\",\"name\":7}",
                           "{\"cid\":\"" + good + "\",\"name\":\"" + std::string(256, 'n') + "\"}",
                           "{\"cid\":\"" + good + "\",\"origins\":\"x\"}",
                           "{\"cid\":\"" + good + "\",\"origins\":[\"not-a-multiaddr\"]}",
                           "{\"cid\":\"" + good + "\",\"meta\":{\"a\":1}}",
                           "{\"cid\":\"" + good + "\",\"meta\":[]}"})
    check_error(f.call("POST", "/psa/pins", body), 400, "BAD_REQUEST");
  check_error(f.call("PUT", "/psa/pins"), 405, "METHOD_NOT_ALLOWED");
  check_error(f.call("GET", "/psa/other"), 404, "NOT_FOUND");
  check_error(f.call("GET", "/psa/pins/a/b"), 404, "NOT_FOUND");
  check_error(f.call("GET", "/psa/pins/%00%ff"), 404, "NOT_FOUND");

  std::mt19937 rng(7);
  for (int i = 0; i < 50; ++i) {
    std::string junk(rng() % 300, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    auto r = f.call("POST", "/psa/pins", junk);
    CHECK(r.status == 400);
  }
  CHECK(f.total_requests() == 0);
  CHECK(f.call("GET", "/psa/pins").status == 200);
}

TEST_CASE("pinner retries missing blocks, then pins, or fails after the timeout", "[psa_api][pinner]") {
  psa_fixture f;
  auto present_later = raw_block("arrives later");
  auto never = raw_block("never arrives");
  auto r1 = f.call_json("POST", "/psa/pins", 202, json{{"cid", present_later.cid.str()}}.dump());
  auto r2 = f.call_json("POST", "/psa/pins", 202, json{{"cid", never.cid.str()}}.dump());
  psa::pinner_options o;
  o.retry_interval = std::chrono::milliseconds(1000);
  o.timeout = std::chrono::milliseconds(60000);
  uint64_t t0 = now_unix_ms();
  auto rep = f.run_pinner(t0, o);
  CHECK(rep.attempted == 2);
  CHECK(rep.pinned == 0);
  REQUIRE(rep.next_due_ms);
  CHECK(*rep.next_due_ms == t0 + 1000);
  auto waiting = f.call_json("GET", "/psa/pins/" + r1["requestid"].get<std::string>(), 200);
  CHECK(waiting["status"] == "pinning");
  CHECK(waiting["info"]["waiting_for"].get<std::string>().find(present_later.cid.str()) != std::string::npos);
  // Not due yet: nothing is attempted.
  CHECK(f.run_pinner(t0 + 500, o).attempted == 0);
  REQUIRE(f.blocks->put_batch({present_later}));
  rep = f.run_pinner(t0 + 1000, o);
  CHECK(rep.attempted == 2);
  CHECK(rep.pinned == 1);
  auto done = f.call_json("GET", "/psa/pins/" + r1["requestid"].get<std::string>(), 200);
  CHECK(done["status"] == "pinned");
  CHECK(done["info"] == json::object());
  auto rec = f.store->get(r2["requestid"]);
  REQUIRE(rec);
  CHECK((*rec)->attempts == 2);
  rep = f.run_pinner(t0 + 70000, o);
  CHECK(rep.failed == 1);
  auto failed = f.call_json("GET", "/psa/pins/" + r2["requestid"].get<std::string>(), 200);
  CHECK(failed["status"] == "failed");
  CHECK(failed["info"]["reason"].get<std::string>().find("timeout") != std::string::npos);
  CHECK_FALSE(failed["info"].contains("waiting_for"));
  CHECK(f.run_pinner(t0 + 80000, o).attempted == 0);
}

TEST_CASE("pinner decisions", "[pinner]") {
  psa::pinner_options o;
  o.retry_interval = std::chrono::milliseconds(100);
  psa::request_record r;
  r.status = psa::pin_status::queued;
  CHECK(psa::decide(r, 5, o) == psa::next_step::attempt);
  r.status = psa::pin_status::pinning;
  CHECK(psa::decide(r, 5, o) == psa::next_step::attempt); // marked but never attempted (crash)
  r.attempts = 1;
  r.last_attempt_ms = 1000;
  CHECK(psa::decide(r, 1050, o) == psa::next_step::wait);
  CHECK(psa::decide(r, 1100, o) == psa::next_step::attempt);
  CHECK(psa::decide(r, 900, o) == psa::next_step::attempt);
  r.status = psa::pin_status::pinned;
  CHECK(psa::decide(r, 5000, o) == psa::next_step::skip);
  r.status = psa::pin_status::failed;
  CHECK(psa::decide(r, 5000, o) == psa::next_step::skip);
  CHECK(psa::classify(status{}) == psa::attempt_outcome::pinned);
  CHECK(psa::classify(make_error(errc::not_found, "x")) == psa::attempt_outcome::retry);
  CHECK(psa::classify(make_error(errc::unavailable, "x")) == psa::attempt_outcome::retry);
  CHECK(psa::classify(make_error(errc::corrupt, "x")) == psa::attempt_outcome::failed);
}

TEST_CASE("a request deleted while it is being pinned does not leave a pin behind", "[pinner]") {
  psa_fixture f;
  auto b = raw_block("racy");
  REQUIRE(f.blocks->put_batch({b}));
  auto r = f.call_json("POST", "/psa/pins", 202, json{{"cid", b.cid.str()}}.dump());
  // Simulate the race: the pinner pins, then finds the request gone.
  REQUIRE(f.backend->pin_add(b.cid, pin_type::recursive, ""));
  psa::request_record gone = **f.store->get(r["requestid"]);
  gone.status = psa::pin_status::pinned;
  REQUIRE(*f.store->remove(gone.requestid));
  REQUIRE(psa::release_pin(*f.backend, *f.store, gone));
  CHECK(f.blocks->pins(pin_type::recursive, b.cid)->empty());
}
