#include <catch2/catch.hpp>

#include "actors/console/console_command.hpp"

using namespace mantle;
using namespace mantle::console;

TEST_CASE("console lines split into words with quotes and escapes", "[console][command]") {
  auto w = split_words("  send  blocks \"a b\" \"q\\\"x\" last ");
  REQUIRE(w);
  CHECK(*w == std::vector<std::string>{"send", "blocks", "a b", "q\"x", "last"});
  auto empty = split_words("\"\"");
  REQUIRE(empty);
  CHECK(*empty == std::vector<std::string>{""});
  CHECK_FALSE(split_words("send \"open"));
}

TEST_CASE("console commands are checked against the table", "[console][command]") {
  auto s = parse_command("status");
  REQUIRE(s);
  CHECK(s->verb == "status");
  CHECK(s->args.empty());
  auto r = parse_command("restart peer");
  REQUIRE(r);
  CHECK(r->verb == "restart");
  CHECK(r->args == std::vector<std::string>{"peer"});
  auto p = parse_command("plugin load /x/y.so url=http://h/ n=3");
  REQUIRE(p);
  CHECK(p->verb == "plugin load");
  CHECK(p->args == std::vector<std::string>{"/x/y.so", "url=http://h/", "n=3"});
  CHECK(parse_command("plugin list")->verb == "plugin list");

  auto unknown = parse_command("reboot");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.err().message.find("unknown command 'reboot'") != std::string::npos);
  auto arity = parse_command("restart");
  REQUIRE_FALSE(arity);
  CHECK(arity.err().message == "usage: restart <actor>");
  CHECK_FALSE(parse_command("status now"));
  CHECK_FALSE(parse_command("send blocks"));
  CHECK(parse_command("plugin").err().message.find("list, load or unload") != std::string::npos);
  CHECK(parse_command("   ").err().message.find("empty") != std::string::npos);
  CHECK(help_json().size() == commands().size());
}

TEST_CASE("console actor and atom aliases", "[console][command]") {
  CHECK(actor_name("block-store") == "blocks");
  CHECK(actor_name("credit") == "ledger");
  CHECK(actor_name("chain") == "validator");
  CHECK(actor_name("peer") == "peer");
  CHECK(atom_name("blocks", "stats") == "repo_stat");
  CHECK(atom_name("blocks", "stat") == "repo_stat");
  CHECK(atom_name("validator", "head") == "ch_head");
  CHECK(atom_name("exchange", "stats") == "stats");
}

TEST_CASE("console send arguments get the types receivers expect", "[console][command]") {
  using kind = send_arg::kind;
  auto n = parse_send_arg("42");
  REQUIRE(n);
  CHECK(n->type == kind::u64);
  CHECK(n->u == 42);
  auto neg = parse_send_arg("-7");
  REQUIRE(neg);
  CHECK(neg->type == kind::i64);
  CHECK(neg->i == -7);
  CHECK(parse_send_arg("u32:5")->type == kind::u32);
  CHECK_FALSE(parse_send_arg("u32:4294967296"));
  CHECK(parse_send_arg("i32:-2147483648")->i == INT32_MIN);
  CHECK_FALSE(parse_send_arg("i32:-2147483649"));
  CHECK_FALSE(parse_send_arg("u64:18446744073709551616"));
  CHECK(parse_send_arg("18446744073709551615")->u == UINT64_MAX);
  CHECK_FALSE(parse_send_arg("99999999999999999999"));
  auto b = parse_send_arg("bool:true");
  REQUIRE(b);
  CHECK(b->type == kind::boolean);
  CHECK(b->b);
  CHECK_FALSE(parse_send_arg("bool:yes"));
  auto s = parse_send_arg("str:123");
  REQUIRE(s);
  CHECK(s->type == kind::text);
  CHECK(s->s == "123");
  auto addr = parse_send_arg("127.0.0.1:4001");
  REQUIRE(addr);
  CHECK(addr->type == kind::text);
  CHECK(addr->s == "127.0.0.1:4001");
  CHECK(parse_send_arg("-")->type == kind::text);
}

TEST_CASE("console key=value configuration words", "[console][command]") {
  auto kv = parse_key_values({"a=1", "url=http://x/?q=1", "empty="});
  REQUIRE(kv);
  CHECK(kv->at("a") == "1");
  CHECK(kv->at("url") == "http://x/?q=1");
  CHECK(kv->at("empty").empty());
  CHECK_FALSE(parse_key_values({"novalue"}));
  CHECK_FALSE(parse_key_values({"=x"}));
}
