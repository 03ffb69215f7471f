#include "tools/mantle/chain_commands.hpp"

#include <chrono>
#include <iostream>

#include "config/options.hpp"
#include "tools/mantle/amount.hpp"
#include "tools/mantle/api_call.hpp"
#include "tools/mantle/chain_keys.hpp"
#include "tools/mantle/chain_text.hpp"
#include "tools/mantle/genesis_tool.hpp"
#include "tools/mantle/rpc_session.hpp"

namespace mantle::cli {
namespace {

using json = nlohmann::json;

result<uint64_t> count_option(const invocation& inv, const char* name) {
  auto v = inv.value(name);
  std::string text = v.value_or("");
  bool digits = !text.empty() && text.size() <= 19;
  for (char c : text)
    digits = digits && c >= '0' && c <= '9';
  if (!digits)
    return error{errc::invalid_input, std::string("--") + name + " '" + text + "' is not a whole number"};
  return std::stoull(text);
}

int run_genesis(const invocation& inv) {
  genesis_request req;
  req.chain_id = inv.value("chain-id").value_or("");
  req.validators = inv.values("validator");
  req.accounts = inv.values("account");
  if (auto t = inv.value("block-time")) {
    auto d = config::parse_duration(*t);
    if (!d)
      return usage_error("--block-time: " + d.err().message);
    if (d->count() <= 0)
      return usage_error("--block-time must be above 0");
    req.block_time_ms = static_cast<uint64_t>(d->count());
  }
  struct counted {
    const char* name;
    std::optional<uint64_t>* into;
  };
  for (auto c : {counted{"era-blocks", &req.era_blocks}, counted{"slot-blocks", &req.slot_blocks},
                 counted{"unbonding-blocks", &req.unbonding_blocks}, counted{"validator-count", &req.validator_count}})
    if (inv.value(c.name)) {
      auto n = count_option(inv, c.name);
      if (!n)
        return usage_error(n.err().message);
      *c.into = *n;
    }
  if (inv.value("genesis-time-ms")) {
    auto n = count_option(inv, "genesis-time-ms");
    if (!n)
      return usage_error(n.err().message);
    req.genesis_time_ms = *n;
  } else {
    req.genesis_time_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count());
  }
  auto g = build_genesis(req);
  if (!g)
    return usage_error(g.err().message);
  std::cout << chain::to_json(*g);
  return exit_ok;
}

int run_keygen(const invocation& inv) {
  auto k = keygen(inv.args[0]);
  if (!k)
    return node_error(k.err().message);
  std::cout << "node_key=" << to_hex(k->node_key) << " owner=" << to_hex(k->owner) << " peer_id=" << k->peer_id << "\n";
  std::cerr << (k->created_identity ? "created " : "kept ") << inv.args[0] << "/identity.key, "
            << (k->created_account ? "created" : "kept") << " account 'default' in " << inv.args[0] << "/keystore\n";
  return exit_ok;
}

// The keystore name of `key` (hex), if the node has one.
std::string name_of(const invocation& inv, const std::string& key) {
  auto l = call(inv, "mantle/account/list");
  if (!l || !l->contains("Accounts"))
    return {};
  for (const auto& a : (*l)["Accounts"])
    if (a.value("key", "") == key)
      return a.value("name", "");
  return {};
}

int run_account(const invocation& inv, const std::string& cmd) {
  query_args q;
  if (cmd == "account new") {
    q.add("arg", inv.args[0]);
    auto j = call(inv, "mantle/account/new", q);
    if (!j)
      return node_error(j.err().message);
    std::cout << "created account " << j->value("name", "") << " " << j->value("key", "") << "\n";
    return exit_ok;
  }
  if (cmd == "account list") {
    auto j = call(inv, "mantle/account/list");
    if (!j)
      return node_error(j.err().message);
    if (inv.flag("json", false)) {
      std::cout << j->dump(2) << "\n";
      return exit_ok;
    }
    auto l = j->value("Accounts", json::array());
    if (l.empty())
      std::cerr << "the node's keystore has no account (create one with `mantle account new NAME`)\n";
    else
      std::cout << format_accounts(l);
    return exit_ok;
  }
  if (cmd == "account show") {
    std::string who = inv.args.empty() ? "" : inv.args[0];
    if (!who.empty())
      if (auto s = check_key_or_name(who, "account"); !s)
        return usage_error(s.err().message);
    if (!who.empty())
      q.add("arg", who);
    auto j = call(inv, "mantle/account/show", q);
    if (!j)
      return node_error(j.err().message);
    if (inv.flag("json", false)) {
      std::cout << j->dump(2) << "\n";
      return exit_ok;
    }
    std::string key = j->value("key", "");
    std::string name = !who.empty() && who.size() != 64 ? who : name_of(inv, key);
    std::cout << format_account(*j, name);
    return exit_ok;
  }
  // account transfer
  auto to = inv.value("to");
  auto amount_text = inv.value("amount");
  if (!to || !amount_text)
    return usage_error("'account transfer' needs --to KEY|NAME and --amount TOKENS");
  if (auto s = check_key_or_name(*to, "--to"); !s)
    return usage_error(s.err().message);
  auto amount = positive_amount(*amount_text);
  if (!amount)
    return usage_error("--amount: " + amount.err().message);
  if (auto from = inv.value("from")) {
    if (auto s = check_key_or_name(*from, "--from"); !s)
      return usage_error(s.err().message);
    q.add("account", *from);
  }
  q.add("to", *to);
  q.add("amount", std::to_string(*amount));
  return submitted(inv, "transfer of " + format_amount(*amount) + " tokens", submit(inv, "mantle/account/transfer", q));
}

int run_stake(const invocation& inv, const std::string& cmd) {
  std::string kind = cmd.substr(6); // after "stake "
  query_args q;
  if (auto a = inv.value("account")) {
    if (auto s = check_key_or_name(*a, "--account"); !s)
      return usage_error(s.err().message);
    q.add("account", *a);
  }
  std::string what = kind;
  if (kind == "bond" || kind == "unbond") {
    auto amount = positive_amount(inv.args[0]);
    if (!amount)
      return usage_error(amount.err().message);
    q.add("amount", std::to_string(*amount));
    what += " of " + format_amount(*amount) + " tokens";
  } else if (kind == "guarantee" || kind == "unguarantee") {
    if (auto s = check_key_or_name(inv.args[0], "target"); !s)
      return usage_error(s.err().message);
    q.add("target", inv.args[0]);
    if (kind == "guarantee") {
      auto amount = positive_amount(inv.args[1]);
      if (!amount)
        return usage_error(amount.err().message);
      q.add("amount", std::to_string(*amount));
      what += " of " + format_amount(*amount) + " tokens";
    }
  } else if (kind == "validate") {
    uint32_t ppm = 0;
    if (auto c = inv.value("commission")) {
      auto p = parse_commission(*c);
      if (!p)
        return usage_error("--commission: " + p.err().message);
      ppm = *p;
    }
    q.add("commission-ppm", std::to_string(ppm));
    what += " with commission " + format_commission(ppm);
    auto h = submit(inv, "mantle/stake/validate", q);
    // The node is bound to its owner once (register_node); do that first when the chain says so.
    if (!h && h.err().message.find("not registered") != std::string::npos) {
      query_args rq;
      if (auto a = inv.value("account"))
        rq.add("account", *a);
      auto r = submit(inv, "mantle/stake/register", rq);
      if (!r)
        return node_error(r.err().message);
      std::cout << "submitted register_node: " << *r << "\n";
      h = submit(inv, "mantle/stake/validate", q);
    }
    return submitted(inv, what, h);
  }
  return submitted(inv, what, submit(inv, "mantle/stake/" + kind, q));
}

int run_chain(const invocation& inv, const std::string& cmd) {
  query_args q;
  if (cmd == "chain head")
    return show(inv, "mantle/chain/head", q, format_head);
  if (cmd == "chain block") {
    const std::string& h = inv.args[0];
    bool digits = !h.empty() && h.size() <= 19;
    for (char c : h)
      digits = digits && c >= '0' && c <= '9';
    if (!digits)
      return usage_error("block height '" + h + "' is not a whole number");
    q.add("arg", h);
    return show(inv, "mantle/chain/block", q, format_block);
  }
  if (cmd == "chain tx") {
    auto raw = parse_key_hex(inv.args[0], "transaction hash");
    if (!raw)
      return usage_error("'" + inv.args[0] + "' is not a transaction hash (64 hex digits, as `submitted` printed it)");
    q.add("arg", inv.args[0]);
    return show(inv, "mantle/chain/tx", q, format_tx);
  }
  if (cmd == "chain validators")
    return show(inv, "mantle/chain/validators", q, format_validators);
  if (cmd == "chain era")
    return show(inv, "mantle/chain/era", q, format_era);
  if (cmd == "chain keygen")
    return run_keygen(inv);
  return run_genesis(inv);
}

} // namespace

bool is_chain_command(const std::string& path) {
  return path.rfind("account ", 0) == 0 || path.rfind("stake ", 0) == 0 || path.rfind("chain ", 0) == 0;
}

int run_chain_command(const invocation& inv) {
  const std::string& cmd = inv.cmd->path;
  if (cmd.rfind("account ", 0) == 0)
    return run_account(inv, cmd);
  if (cmd.rfind("stake ", 0) == 0)
    return run_stake(inv, cmd);
  return run_chain(inv, cmd);
}

} // namespace mantle::cli
