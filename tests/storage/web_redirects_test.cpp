#include <catch2/catch.hpp>

#include "storage/web_redirects.hpp"
#include "tests/storage/redirects_examples.hpp"

using namespace mantle;
using namespace mantle::web;

namespace {

const char* examples = mantle::testing::spec_example_redirects;

redirect_match must_match(const std::vector<redirect_rule>& rules, std::string_view path) {
  auto m = match_redirects(rules, path);
  REQUIRE(m);
  return *m;
}

std::string parse_error(std::string_view text) {
  auto r = parse_redirects(text);
  REQUIRE_FALSE(r);
  CHECK(r.err().code == errc::invalid_input);
  return r.err().message;
}

} // namespace

TEST_CASE("the spec's example file parses in order with default 301", "[web_redirects]") {
  auto rules = parse_redirects(examples);
  REQUIRE(rules);
  REQUIRE(rules->size() == 10);
  CHECK((*rules)[0].from == "/redirect-one");
  CHECK((*rules)[0].to == "/one.html");
  CHECK((*rules)[0].status == 301);
  CHECK((*rules)[0].line == 1);
  CHECK((*rules)[2].status == 302);
  CHECK((*rules)[3].status == 200);
  CHECK((*rules)[8].status == 451);
  CHECK((*rules)[9].line == 10);
}

TEST_CASE("matching the spec's examples", "[web_redirects]") {
  auto rules = *parse_redirects(examples);
  auto m = must_match(rules, "/redirect-one");
  CHECK(m.to == "/one.html");
  CHECK(m.status == 301);
  CHECK(m.line == 1);
  CHECK(must_match(rules, "/302-redirect-two").status == 302);
  m = must_match(rules, "/posts/2022/06/15/hello-world");
  CHECK(m.to == "/articles/2022/06/15/hello-world");
  m = must_match(rules, "/splat/one/two.html");
  CHECK(m.to == "/redirected-splat/one/two.html");
  CHECK(m.status == 301);
  m = must_match(rules, "/not-found/anything");
  CHECK(m.to == "/404.html");
  CHECK(m.status == 404);
  CHECK(must_match(rules, "/gone/x").status == 410);
  CHECK(must_match(rules, "/unavail/x").status == 451);
  // Too few segments for the placeholder rule: falls through to the catch-all rewrite.
  m = must_match(rules, "/posts/2022/06");
  CHECK(m.to == "/index.html");
  CHECK(m.status == 200);
  CHECK(m.line == 10);
}

TEST_CASE("first matching rule wins", "[web_redirects]") {
  auto rules = *parse_redirects("/a/* /first 302\n/a/b /second 301\n");
  CHECK(must_match(rules, "/a/b").to == "/first");
}

TEST_CASE("placeholders match one non-empty segment", "[web_redirects]") {
  auto rules = *parse_redirects("/u/:id /users/:id.html\n");
  CHECK(must_match(rules, "/u/42").to == "/users/42.html");
  CHECK_FALSE(match_redirects(rules, "/u/42/more"));
  CHECK_FALSE(match_redirects(rules, "/u"));
  CHECK_FALSE(match_redirects(rules, "/u//"));
  CHECK_FALSE(match_redirects(rules, "/v/42"));
}

TEST_CASE("placeholder names are substituted whole, unknown ones left alone", "[web_redirects]") {
  auto rules = *parse_redirects("/:year/:yearly /x/:yearly/:year/:other/:splat\n");
  CHECK(must_match(rules, "/2020/abc").to == "/x/abc/2020/:other/:splat");
}

TEST_CASE("splat matches the rest of the path, including nothing", "[web_redirects]") {
  auto rules = *parse_redirects("/docs/* /v2/:splat\n");
  CHECK(must_match(rules, "/docs/a/b/c").to == "/v2/a/b/c");
  CHECK(must_match(rules, "/docs/").to == "/v2/");
  CHECK(must_match(rules, "/docs").to == "/v2/");
  CHECK_FALSE(match_redirects(rules, "/docsx"));
  auto root = *parse_redirects("/* /index.html 200\n");
  CHECK(must_match(root, "/").to == "/index.html");
  CHECK(must_match(root, "/deep/path").to == "/index.html");
}

TEST_CASE("matching ignores the query string, fragment and trailing slash", "[web_redirects]") {
  auto rules = *parse_redirects("/old/ /new\n/s/* /t/:splat\n");
  CHECK(rules[0].from == "/old");
  CHECK(must_match(rules, "/old?x=1&y=2").to == "/new");
  CHECK(must_match(rules, "/old/").to == "/new");
  CHECK(must_match(rules, "/old#top").to == "/new");
  CHECK(must_match(rules, "/s/a/b?q=1").to == "/t/a/b");
  CHECK_FALSE(match_redirects(rules, "/older"));
}

TEST_CASE("external URLs are allowed for redirects", "[web_redirects]") {
  auto rules = *parse_redirects("/google https://www.google.com/search?q=:q 302\n/p/:q http://e.org/:q\n");
  CHECK(must_match(rules, "/google").to == "https://www.google.com/search?q=:q");
  CHECK(must_match(rules, "/p/ipfs").to == "http://e.org/ipfs");
}

TEST_CASE("comments, blank lines, CRLF and tabs", "[web_redirects]") {
  auto rules = parse_redirects("# header\r\n\r\n   \n\t/a\t/b\t302\r\n  # indented comment\n/c /d");
  REQUIRE(rules);
  REQUIRE(rules->size() == 2);
  CHECK((*rules)[0].from == "/a");
  CHECK((*rules)[0].to == "/b");
  CHECK((*rules)[0].status == 302);
  CHECK((*rules)[0].line == 4);
  CHECK((*rules)[1].line == 6);
  CHECK(parse_redirects("")->empty());
}

TEST_CASE("every supported status parses, others do not", "[web_redirects]") {
  for (int s : {200, 301, 302, 303, 307, 308, 404, 410, 451}) {
    auto r = parse_redirects("/a /b " + std::to_string(s));
    REQUIRE(r);
    CHECK((*r)[0].status == s);
  }
  for (const char* s : {"300", "304", "500", "201", "abc", "30", "3010", "-301", "+301"}) {
    INFO(s);
    CHECK(parse_error(std::string("/a /b ") + s).find("line 1") != std::string::npos);
  }
}

TEST_CASE("bad lines are errors naming their line", "[web_redirects]") {
  CHECK(parse_error("/ok /fine\n/missing-to\n").find("line 2: missing 'to'") != std::string::npos);
  CHECK(parse_error("/a /b 301 extra").find("line 1: too many fields") != std::string::npos);
  CHECK(parse_error("\n\nrelative /b").find("line 3: 'from' must start with '/'") != std::string::npos);
  CHECK(parse_error("/a relative").find("'to' must be a path") != std::string::npos);
  CHECK(parse_error("/a ftp://x/y 302").find("'to' must be a path") != std::string::npos);
  CHECK(parse_error("/a /b 301!").find("forced") != std::string::npos);
  CHECK(parse_error("/a /b 200!").find("forced") != std::string::npos);
  CHECK(parse_error("/a/*/b /c").find("splat") != std::string::npos);
  CHECK(parse_error("/a* /c").find("splat") != std::string::npos);
  CHECK(parse_error("/a/: /c").find("placeholder") != std::string::npos);
  CHECK(parse_error("/a/:x-y /c").find("placeholder") != std::string::npos);
  CHECK(parse_error("/a/:splat /c").find("reserved") != std::string::npos);
  CHECK(parse_error("/a https://e.org/ 200").find("must be a path") != std::string::npos);
  CHECK(parse_error("/a https://e.org/ 404").find("must be a path") != std::string::npos);
  CHECK(parse_error(std::string("/a /b\0c", 7)).find("control character") != std::string::npos);
  CHECK(parse_error("/a /b\rc").find("control character") != std::string::npos);
}

TEST_CASE("the file may be at most 64 KiB", "[web_redirects]") {
  std::string line = "/a /b 301\n"; // 10 bytes
  std::string text;
  while (text.size() + line.size() <= max_redirects_file_size)
    text += line;
  text += std::string(max_redirects_file_size - text.size(), '#');
  REQUIRE(text.size() == max_redirects_file_size);
  CHECK(parse_redirects(text));
  text += "\n";
  CHECK(parse_error(text).find("limit") != std::string::npos);
}

TEST_CASE("captured text cannot turn a path target into another host", "[web_redirects]") {
  auto rules = *parse_redirects("/go/* /:splat 302\n/p/:x/:y /:x/:y\n");
  CHECK(must_match(rules, "/go//evil.example/x").to == "/evil.example/x");
  CHECK(must_match(rules, "/go/\\\\evil.example").to == "/evil.example");
  CHECK(must_match(rules, "/go/fine/path").to == "/fine/path");
  CHECK(must_match(rules, "/go").to == "/");
  auto url = *parse_redirects("/ext/* https://example.org/:splat\n");
  CHECK(must_match(url, "/ext//x").to == "https://example.org//x");
}
