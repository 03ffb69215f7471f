#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "storage/site_route.hpp"
#include "tests/storage/redirects_examples.hpp"

using namespace mantle::web;

namespace {

// The spec's "examples" site: its files and its _redirects.
struct example_site {
  std::set<std::string> files{"/404.html", "/410.html", "/451.html", "/_redirects", "/articles",
                              "/index.html", "/one.html", "/redirected-splat", "/two.html"};
  std::vector<std::string> asked; // every path `exists` was called with
  std::optional<std::string> redirects = std::string(mantle::testing::spec_example_redirects);

  site_decision route(std::string_view path) {
    return route_site_request(
        path,
        [this](std::string_view p) {
          asked.emplace_back(p);
          return files.count(std::string(p)) > 0;
        },
        redirects);
  }
};

} // namespace

TEST_CASE("existing paths are served, never redirected", "[site_route]") {
  example_site s;
  auto d = s.route("/one.html");
  CHECK(d.action == site_action::serve);
  CHECK(d.status == 200);
  CHECK(d.path == "/one.html");
  CHECK(d.rule_line == 0);
  // The catch-all rewrite and the 404 rule do not shadow existing files.
  CHECK(s.route("/404.html").action == site_action::serve);
  CHECK(s.route("/_redirects").action == site_action::serve);
  // The query string is not part of the path.
  d = s.route("/two.html?x=1");
  CHECK(d.action == site_action::serve);
  CHECK(d.path == "/two.html");
}

TEST_CASE("redirects for missing paths", "[site_route]") {
  example_site s;
  auto d = s.route("/redirect-one");
  CHECK(d.action == site_action::redirect);
  CHECK(d.status == 301);
  CHECK(d.location == "/one.html");
  CHECK(d.rule_line == 1);
  d = s.route("/302-redirect-two");
  CHECK(d.status == 302);
  CHECK(d.location == "/two.html");
  d = s.route("/posts/2022/06/15/hello-world");
  CHECK(d.action == site_action::redirect);
  CHECK(d.location == "/articles/2022/06/15/hello-world");
  d = s.route("/splat/a/b c");
  CHECK(d.location == "/redirected-splat/a/b%20c");
  // The target of a redirect is not looked up: the browser asks for it next.
  CHECK(s.asked.back() == "/splat/a/b c");
}

TEST_CASE("rewrites and custom error pages", "[site_route]") {
  example_site s;
  auto d = s.route("/200-index");
  CHECK(d.action == site_action::rewrite);
  CHECK(d.status == 200);
  CHECK(d.path == "/index.html");
  d = s.route("/not-found/x/y");
  CHECK(d.action == site_action::status_page);
  CHECK(d.status == 404);
  CHECK(d.path == "/404.html");
  CHECK(s.route("/gone/x").status == 410);
  CHECK(s.route("/gone/x").path == "/410.html");
  CHECK(s.route("/unavail/x").status == 451);
  // Single-page app: any other missing path is the index, with its rule line.
  d = s.route("/app/route/42?tab=2");
  CHECK(d.action == site_action::rewrite);
  CHECK(d.path == "/index.html");
  CHECK(d.rule_line == 10);
}

TEST_CASE("no _redirects or no matching rule is a plain 404", "[site_route]") {
  example_site s;
  s.redirects.reset();
  auto d = s.route("/redirect-one");
  CHECK(d.action == site_action::not_found);
  CHECK(d.status == 404);
  example_site t;
  t.redirects = "/only /one.html\n";
  CHECK(t.route("/other").action == site_action::not_found);
  CHECK(t.route("/").action == site_action::not_found);
}

TEST_CASE("an unusable _redirects is a 500 naming the problem", "[site_route]") {
  example_site s;
  s.redirects = "/a /b\n/c\n";
  auto d = s.route("/missing");
  CHECK(d.action == site_action::error);
  CHECK(d.status == 500);
  CHECK(d.message.find("line 2") != std::string::npos);
  s.redirects = std::string(70000, '#');
  d = s.route("/missing");
  CHECK(d.action == site_action::error);
  CHECK(d.message.find("limit") != std::string::npos);
  // A broken file does not matter while the path exists.
  CHECK(s.route("/one.html").action == site_action::serve);
}

TEST_CASE("a rule whose page is missing is a 500, not a loop", "[site_route]") {
  example_site s;
  s.redirects = "/x /nowhere.html 200\n/y /missing-404.html 404\n/* /also-missing 200\n";
  auto d = s.route("/x");
  CHECK(d.action == site_action::error);
  CHECK(d.status == 500);
  CHECK(d.rule_line == 1);
  CHECK(d.message.find("/nowhere.html") != std::string::npos);
  CHECK(s.route("/y").action == site_action::error);
  s.asked.clear();
  CHECK(s.route("/z").action == site_action::error);
  CHECK(s.asked == std::vector<std::string>{"/z", "/also-missing"});
}

TEST_CASE("Location values are header-safe", "[site_route]") {
  CHECK(encode_location("/a b") == "/a%20b");
  CHECK(encode_location("https://e.org/x?y=1&z=%41") == "https://e.org/x?y=1&z=%41");
  CHECK(encode_location("/\xc3\xa9") == "/%C3%A9");
  CHECK(encode_location(std::string("/a\0b", 4)) == "/a%00b");
}
