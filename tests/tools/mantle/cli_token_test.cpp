// `mantle token ...` against a server with the real token commands over a real psa_store.
#include <catch2/catch.hpp>

#include "net/http_server.hpp"
#include "net/psa_token_rpc.hpp"
#include "net/router.hpp"
#include "storage/psa_store.hpp"
#include "tests/temp_dir.hpp"
#include "tests/tools/mantle/run_cli.hpp"

using namespace mantle;

namespace {

using test::run_cli;

std::string field(const std::string& out, const std::string& key) {
  auto at = out.find(key + ":");
  if (at == std::string::npos)
    return {};
  auto start = out.find_first_not_of(' ', at + key.size() + 1);
  return out.substr(start, out.find('\n', start) - start);
}

} // namespace

TEST_CASE("mantle token create/list/revoke", "[tools][cli][api_tokens]") {
  test::temp_dir dir("mantle-cli-token");
  auto store = psa::psa_store::open(dir.path + "/psa", false);
  REQUIRE(store);
  router r;
  add_token_commands(r, **store);
  http_server srv([&](http_request& q, response_writer& w) { r.handle(q, w); });
  REQUIRE(srv.start("127.0.0.1:0"));
  std::string api = "--api 127.0.0.1:" + std::to_string(srv.port()) + " ";

  auto created = run_cli(api + "token create ci-bot");
  INFO(created.out);
  REQUIRE(created.code == 0);
  std::string secret = field(created.out, "secret");
  std::string id = field(created.out, "id");
  CHECK(secret.rfind("mantle_", 0) == 0);
  CHECK(id.size() == 16);
  auto who = (*store)->authenticate(secret);
  REQUIRE(who);
  REQUIRE(*who);
  CHECK((*who)->name == "ci-bot");

  REQUIRE(run_cli(api + "token create other").code == 0);
  auto dup = run_cli(api + "token create ci-bot");
  CHECK(dup.code == 1);
  CHECK(dup.out.find("already exists") != std::string::npos);
  auto bad = run_cli(api + "token create 'bad name'");
  CHECK(bad.code == 1);
  CHECK(bad.out.find("token name") != std::string::npos);
  CHECK(run_cli(api + "token create").code == 2);

  auto list = run_cli(api + "token list");
  INFO(list.out);
  REQUIRE(list.code == 0);
  CHECK(list.out.find(id) != std::string::npos);
  CHECK(list.out.find("ci-bot") != std::string::npos);
  CHECK(list.out.find("other") != std::string::npos);
  CHECK(list.out.find("mantle_") == std::string::npos); // never a secret

  auto revoked = run_cli(api + "token revoke " + id);
  CHECK(revoked.code == 0);
  CHECK(revoked.out.find("revoked " + id) != std::string::npos);
  CHECK_FALSE(*(*store)->authenticate(secret));
  CHECK(run_cli(api + "token revoke other").code == 0);
  auto missing = run_cli(api + "token revoke other");
  CHECK(missing.code == 1);
  CHECK(missing.out.find("no token") != std::string::npos);
  CHECK(run_cli(api + "token list").out.find("other") == std::string::npos);
  srv.stop();
}
