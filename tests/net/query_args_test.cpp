#include <catch2/catch.hpp>
#include "net/query_args.hpp"
#include "net/url_codec.hpp"
#include "net/ndjson.hpp"

using namespace mantle;

TEST_CASE("query args keep repeated args in order and decode like Go", "[net][query]") {
  auto q = query_args::parse("arg=Qm1&arg=dir%2Fa+b&quiet&pin=false&progress=TRUE&x=1");
  REQUIRE(q.ok());
  CHECK(q->args() == std::vector<std::string>{"Qm1", "dir/a b"});
  CHECK(q->get_bool("quiet", false).value());
  CHECK_FALSE(q->get_bool("pin", true).value());
  CHECK(q->get_bool("progress", false).value());
  CHECK(q->get_bool("absent", true).value());
  CHECK(q->get_bool("x", false).value());
  CHECK(q->get_int("x", 0).value() == 1);
  CHECK(q->get_int("absent", 7).value() == 7);
  CHECK_FALSE(q->get_int("arg", 0).ok()); // repeated
  CHECK_FALSE(query_args::parse("a=%zz").ok());
  CHECK_FALSE(query_args::parse("a=%2").ok());
  auto bad = query_args::parse("pin=maybe&n=12x");
  CHECK_FALSE(bad->get_bool("pin", true).ok());
  CHECK_FALSE(bad->get_int("n", 0).ok());
  query_args out;
  out.add("arg", "a/b c&d");
  out.add("cid-version", "1");
  auto round = query_args::parse(out.encode());
  CHECK(round->get("arg").value() == "a/b c&d");
}

TEST_CASE("percent encoding matches encodeURIComponent", "[net][query]") {
  CHECK(percent_encode_component("dir/a b+c.txt") == "dir%2Fa%20b%2Bc.txt");
  CHECK(percent_decode("dir%2Fa%20b%2Bc.txt").value() == "dir/a b+c.txt");
  CHECK(percent_decode("a+b", false).value() == "a+b");
}

TEST_CASE("ndjson reader splits lines across pieces", "[net][json]") {
  std::vector<nlohmann::json> got;
  ndjson_reader r([&](const nlohmann::json& j) { got.push_back(j); return status::success(); });
  std::string s = to_ndjson_line({{"Name", "a"}}) + to_ndjson_line({{"Bytes", 5}}) + "{\"x\":1}";
  for (char ch : s) REQUIRE(r.feed(std::string_view(&ch, 1)).ok());
  REQUIRE(r.finish().ok());
  REQUIRE(got.size() == 3);
  CHECK(got[1]["Bytes"] == 5);
  ndjson_reader bad([](const nlohmann::json&) { return status::success(); });
  CHECK_FALSE(bad.feed("{oops\n").ok());
}
