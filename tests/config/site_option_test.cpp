#include <catch2/catch.hpp>

#include "config/options.hpp"

using namespace mantle;
using namespace mantle::config;

namespace {
const char* v0 = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";
const char* v1 = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354";

std::string error_of(std::vector<std::string> args) {
  auto r = load(args);
  REQUIRE_FALSE(r);
  CHECK(r.err().code == errc::invalid_input);
  return r.err().message;
}
} // namespace

TEST_CASE("no sites by default", "[config][site]") {
  auto r = load({});
  REQUIRE(r);
  CHECK(r->options.sites.empty());
}

TEST_CASE("the site option is repeatable and takes comma-separated lists", "[config][site]") {
  auto r = load({"--site", std::string("Example.ORG.=") + v0,
                 std::string("--site=docs.example.org=") + v1 + " , a-b.example=" + v0});
  REQUIRE(r);
  const auto& s = r->options.sites;
  REQUIRE(s.size() == 3);
  CHECK(s[0].host == "example.org");
  CHECK(s[0].root == *cid::parse(v0));
  CHECK(s[0].root.version == 0);
  CHECK(s[1].host == "docs.example.org");
  CHECK(s[1].root == *cid::parse(v1));
  CHECK(s[2].host == "a-b.example");
}

TEST_CASE("site in a config file: repeated keys add up, the command line replaces them",
          "[config][site]") {
  auto file = parse_config_text(std::string("site = a.example=") + v0 + "\nsite = \"b.example=" + v1 + "\"\n",
                                "node.conf");
  REQUIRE(file);
  auto o = resolve(*file, {});
  REQUIRE(o);
  REQUIRE(o->sites.size() == 2);
  CHECK(o->sites[1].host == "b.example");
  auto cl = parse_command_line({"--site", std::string("c.example=") + v1});
  REQUIRE(cl);
  auto both = resolve(*file, cl->values);
  REQUIRE(both);
  REQUIRE(both->sites.size() == 1);
  CHECK(both->sites[0].host == "c.example");
  // A bad entry in the file names the lines the key came from.
  auto bad = parse_config_text("site = a.example=nope\n# x\nsite = b.example=nope", "node.conf");
  REQUIRE(bad);
  auto err = resolve(*bad, {});
  REQUIRE_FALSE(err);
  CHECK(err.err().message.find("node.conf:1,3") != std::string::npos);
}

TEST_CASE("bad --site values are clear errors", "[config][site]") {
  CHECK(error_of({"--site", "example.org"}).find("expected HOST=CID") != std::string::npos);
  CHECK(error_of({"--site", "example.org="}).find("missing CID") != std::string::npos);
  CHECK(error_of({"--site", "example.org=notacid"}).find("--site") != std::string::npos);
  CHECK(error_of({"--site", std::string("=") + v0}).find("empty") != std::string::npos);
  CHECK(error_of({"--site", std::string("exa mple.org=") + v0}).find("invalid host") != std::string::npos);
  CHECK(error_of({"--site", std::string("example.org:8080=") + v0}).find("no port") != std::string::npos);
  CHECK(error_of({"--site", std::string("http://x=") + v0}).find("invalid host") != std::string::npos);
  CHECK(error_of({"--site", std::string("-x.org=") + v0}).find("'-'") != std::string::npos);
  CHECK(error_of({"--site", std::string("a..org=") + v0}).find("empty label") != std::string::npos);
  CHECK(error_of({"--site", std::string(64, 'a') + ".org=" + v0}).find("63") != std::string::npos);
  CHECK(error_of({"--site", std::string("a.org=") + v0 + ",,b.org=" + v0}).find("empty entry") !=
        std::string::npos);
  CHECK(error_of({"--site", std::string("a.org=") + v0, "--site", std::string("A.org=") + v1})
            .find("given twice") != std::string::npos);
}

TEST_CASE("host names", "[config][site]") {
  CHECK(*normalize_host_name("LocalHost") == "localhost");
  CHECK(*normalize_host_name("127.0.0.1") == "127.0.0.1");
  CHECK(*normalize_host_name("xn--bcher-kva.example.") == "xn--bcher-kva.example");
  CHECK_FALSE(normalize_host_name("."));
  CHECK_FALSE(normalize_host_name("a_b.org"));
  CHECK_FALSE(normalize_host_name(std::string(254, 'a')));
}

TEST_CASE("the site option appears in --help", "[config][site]") {
  auto h = help_text("mantled");
  CHECK(h.find("--site <host=cid>") != std::string::npos);
}

TEST_CASE("finding the site for a Host header", "[config][site]") {
  auto sites = parse_site_list(std::string("example.org=") + v0 + ",docs.example.org=" + v1);
  REQUIRE(sites);
  REQUIRE(find_site(*sites, "example.org"));
  CHECK(find_site(*sites, "example.org")->root == *cid::parse(v0));
  CHECK(find_site(*sites, "Docs.Example.Org:8080")->host == "docs.example.org");
  CHECK(find_site(*sites, "example.org.")->host == "example.org");
  CHECK(find_site(*sites, " example.org ")->host == "example.org");
  CHECK_FALSE(find_site(*sites, "other.org"));
  CHECK_FALSE(find_site(*sites, "www.example.org"));
  CHECK_FALSE(find_site(*sites, ""));
  CHECK_FALSE(find_site(*sites, "[::1]:8080"));
  CHECK_FALSE(find_site(*sites, "exa mple.org"));
}
