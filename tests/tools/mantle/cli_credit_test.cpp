// `mantle credit` against a server answering the credit RPC routes with net/credit_rpc.
#include <catch2/catch.hpp>

#include "net/credit_rpc.hpp"
#include "net/http_server.hpp"
#include "net/router.hpp"
#include "tests/tools/mantle/run_cli.hpp"
#include "tools/mantle/credit_table.cpp"

using namespace mantle;

namespace {

const std::string peer_a = "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq";
const std::string peer_b = "12D3KooWATZi2wFwQxQ14Z3q24TDNWKap6f8W5ryLE6Da4RMfsxy";

} // namespace

TEST_CASE("credit table: aligned columns, status, two-decimal ratio", "[credit][cli]") {
  auto list = credit_list_json({ledger_entry{peer_b, 300, 99, false, 7, false},
                                ledger_entry{peer_a, 1, 3, true, 2, false},
                                ledger_entry{"12D3KooWShort", 1048576, 0, false, 1, true}});
  std::string expected =
    "PEER                                                     SENT  RECV       RATIO  EXCHANGED  STATUS\n"
    "12D3KooWATZi2wFwQxQ14Z3q24TDNWKap6f8W5ryLE6Da4RMfsxy      300    99        3.00          7  -\n"
    "12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq        1     3        0.25          2  trusted\n"
    "12D3KooWShort                                         1048576     0  1048576.00          1  cut\n";
  CHECK(cli::format_credit_table(list) == expected);
  CHECK(cli::format_credit_table(credit_list_json({})) == "PEER  SENT  RECV  RATIO  EXCHANGED  STATUS\n");
}

TEST_CASE("mantle credit prints the node's ledger", "[credit][cli][http]") {
  bool up = true;
  router r;
  add_credit_rpc(r, [&]() -> result<std::vector<ledger_entry>> {
    if (!up)
      return make_error(errc::unavailable, "the credit ledger is not running");
    return std::vector<ledger_entry>{ledger_entry{peer_b, 300, 99, false, 7, false}};
  });
  http_server server([&](http_request& q, response_writer& w) { r.handle(q, w); });
  REQUIRE(server.start("127.0.0.1:0"));
  std::string api = "--api 127.0.0.1:" + std::to_string(server.port());

  auto [code, out] = test::run_cli(api + " credit");
  CHECK(code == 0);
  CHECK(out == cli::format_credit_table(credit_list_json({ledger_entry{peer_b, 300, 99, false, 7, false}})));

  auto [code1, one] = test::run_cli(api + " credit " + peer_b);
  CHECK(code1 == 0);
  CHECK(one == "Ledger for " + peer_b + "\nDebt ratio:\t3.000000\nExchanges:\t7\nBytes sent:\t300\nBytes received:\t99\n");

  auto [code2, bad] = test::run_cli(api + " credit not-a-peer");
  CHECK(code2 == 1);
  CHECK(bad.find("Error: invalid peer id 'not-a-peer'") == 0);

  auto [code3, usage] = test::run_cli(api + " credit " + peer_a + " " + peer_b);
  CHECK(code3 == 2);

  up = false;
  auto [code4, down] = test::run_cli(api + " credit");
  CHECK(code4 == 1);
  CHECK(down == "Error: the credit ledger is not running\n");
  server.stop();
}
