#include "actors/gateway/chain_routes.hpp"

#include <caf/all.hpp>

#include <nlohmann/json.hpp>
#include <optional>

#include "actors/ask_named.hpp"
#include "actors/validator/chain_types.hpp"
#include "messages/errors.hpp"
#include "messages/node_types.hpp"
#include "messages/validator.hpp"
#include "net/kubo_rpc.hpp"
#include "net/router.hpp"

namespace mantle {
namespace {

using json = nlohmann::json;
constexpr auto ask_timeout = std::chrono::seconds(15);
constexpr size_t max_submit_batch = 10000; // also the validator's max_txs_per_message

template <class... Ts>
result<std::string> ask_validator(caf::actor_system& sys, Ts&&... xs) {
  return ask_named<std::string>(sys, validator_name, ask_timeout,
                                "the chain is not running on this node (started with --chain off?)", "",
                                std::forward<Ts>(xs)...);
}

void reply(response_writer& w, const result<std::string>& r, bool is_json = true) {
  if (!r) {
    kubo::send_error(w, r.err());
    return;
  }
  if (is_json) {
    auto j = json::parse(*r, nullptr, false);
    if (!j.is_discarded()) {
      kubo::send_json(w, j);
      return;
    }
  }
  kubo::send_json(w, json{{"Hash", *r}});
}

result<std::string> first_arg(http_request& r, const char* what) {
  auto args = r.query.args();
  if (args.empty() || args.front().empty())
    return make_error(errc::invalid_input, std::string("argument \"") + what + "\" is required");
  return args.front();
}

result<uint64_t> amount_of(http_request& r, bool required) {
  auto a = r.query.get("amount");
  if (!a || a->empty()) {
    if (required)
      return make_error(errc::invalid_input, "argument \"amount\" (base units, 10^9 per token) is required");
    return uint64_t{0};
  }
  try {
    size_t used = 0;
    if (!a->empty() && (*a)[0] == '-')
      throw std::invalid_argument("negative");
    uint64_t v = std::stoull(*a, &used, 10);
    if (used != a->size())
      throw std::invalid_argument("junk");
    return v;
  } catch (const std::exception&) {
    return make_error(errc::invalid_input, "amount '" + *a + "' is not a whole number of base units");
  }
}

// Transactions the node signs with a keystore account: mantle/account/transfer, mantle/stake/*.
constexpr const char* signed_kinds[] = {"transfer", "bond", "unbond", "withdraw", "validate", "chill",
                                        "guarantee", "unguarantee", "register"};

std::string signed_path(const std::string& kind) {
  return (kind == "transfer" ? "mantle/account/" : "mantle/stake/") + kind;
}

} // namespace

std::vector<std::string> chain_route_commands() {
  std::vector<std::string> out{"mantle/chain/head",      "mantle/chain/block",  "mantle/chain/tx",
                               "mantle/chain/validators", "mantle/chain/era",    "mantle/chain/submit",
                               "mantle/account/new",      "mantle/account/list", "mantle/account/show"};
  for (const char* k : signed_kinds)
    out.push_back(signed_path(k));
  return out;
}

void add_chain_routes(router& routes, caf::actor_system& sys) {
  routes.add_rpc("mantle/chain/head", [&sys](http_request&, response_writer& w) -> void {
    reply(w, ask_validator(sys, chain_head_atom::value));
  });
  routes.add_rpc("mantle/chain/block", [&sys](http_request& r, response_writer& w) -> void {
    auto a = first_arg(r, "height");
    if (!a)
      return (void)kubo::send_error(w, a.err());
    uint64_t h = 0;
    try {
      size_t used = 0;
      h = std::stoull(*a, &used);
      if (used != a->size() || (*a)[0] == '-')
        throw std::invalid_argument("junk");
    } catch (const std::exception&) {
      return (void)kubo::send_error(w, make_error(errc::invalid_input, "height '" + *a + "' is not a number"));
    }
    reply(w, ask_validator(sys, chain_block_atom::value, h));
  });
  routes.add_rpc("mantle/chain/tx", [&sys](http_request& r, response_writer& w) -> void {
    auto a = first_arg(r, "hash");
    if (!a)
      return (void)kubo::send_error(w, a.err());
    auto raw = chain::from_hex(*a);
    if (!raw || raw->size() != chain::hash_size)
      return (void)kubo::send_error(w, make_error(errc::invalid_input, "tx hash must be 64 hex digits"));
    reply(w, ask_validator(sys, chain_tx_atom::value, *raw));
  });
  routes.add_rpc("mantle/chain/validators", [&sys](http_request&, response_writer& w) -> void {
    reply(w, ask_validator(sys, chain_vals_atom::value));
  });
  routes.add_rpc("mantle/chain/era", [&sys](http_request&, response_writer& w) -> void {
    reply(w, ask_validator(sys, chain_era_atom::value));
  });
  // One arg: {"Hash"} or an error. Several args (clients that submit in bulk): one validator
  // message for the lot, answered with a list in the same order, each {"Hash"} or {"Error"}.
  routes.add_rpc("mantle/chain/submit", [&sys](http_request& r, response_writer& w) -> void {
    auto args = r.query.args();
    if (args.size() > 1) {
      if (args.size() > max_submit_batch)
        return (void)kubo::send_error(w, make_error(errc::invalid_input,
                                                    "at most " + std::to_string(max_submit_batch) +
                                                      " transactions per request"));
      chain_txs batch;
      batch.txs.reserve(args.size());
      for (size_t i = 0; i < args.size(); ++i) {
        auto raw = chain::from_hex(args[i]);
        if (!raw)
          return (void)kubo::send_error(w, make_error(errc::invalid_input, "tx " + std::to_string(i) +
                                                                             " must be hex: " + raw.err().message));
        batch.txs.push_back(std::move(*raw));
      }
      return reply(w, ask_validator(sys, chain_submit_atom::value, std::move(batch)));
    }
    auto a = first_arg(r, "tx");
    if (!a)
      return (void)kubo::send_error(w, a.err());
    auto raw = chain::from_hex(*a);
    if (!raw)
      return (void)kubo::send_error(w, make_error(errc::invalid_input, "tx must be hex: " + raw.err().message));
    reply(w, ask_validator(sys, chain_submit_atom::value, *raw), false);
  });
  routes.add_rpc("mantle/account/new", [&sys](http_request& r, response_writer& w) -> void {
    auto a = first_arg(r, "name");
    if (!a)
      return (void)kubo::send_error(w, a.err());
    reply(w, ask_validator(sys, acct_new_atom::value, *a));
  });
  routes.add_rpc("mantle/account/list", [&sys](http_request&, response_writer& w) -> void {
    auto r = ask_validator(sys, acct_list_atom::value);
    if (!r)
      return (void)kubo::send_error(w, r.err());
    kubo::send_json(w, json{{"Accounts", json::parse(*r)}});
  });
  routes.add_rpc("mantle/account/show", [&sys](http_request& r, response_writer& w) -> void {
    auto args = r.query.args();
    std::string who = args.empty() ? std::string{} : args.front();
    if (who.size() == 2 * chain::key_size)
      if (auto raw = chain::from_hex(who))
        who = *raw;
    if (who.empty()) {
      // The first keystore account.
      auto l = ask_validator(sys, acct_list_atom::value);
      if (!l)
        return (void)kubo::send_error(w, l.err());
      auto j = json::parse(*l);
      if (j.empty())
        return (void)kubo::send_error(w, make_error(errc::not_found, "the keystore has no account"));
      who = *chain::from_hex(j[0]["key"].get<std::string>());
    }
    reply(w, ask_validator(sys, chain_acct_atom::value, who));
  });
  // Signed with a keystore account (?account=NAME|KEY, default: the first one).
  for (const char* kind : signed_kinds) {
    std::string path = signed_path(kind);
    std::string k = kind;
    routes.add_rpc(path, [&sys, k](http_request& r, response_writer& w) -> void {
      sign_request req;
      req.kind = k;
      req.account = r.query.get("account").value_or("");
      req.target = r.query.get("to").value_or(r.query.get("target").value_or(""));
      bool needs_amount = k == "transfer" || k == "bond" || k == "unbond" || k == "guarantee";
      if ((k == "transfer" || k == "guarantee" || k == "unguarantee") && req.target.empty())
        return (void)kubo::send_error(w, make_error(errc::invalid_input, k == "transfer"
                                                                           ? "argument \"to\" is required"
                                                                           : "argument \"target\" is required"));
      auto amount = amount_of(r, needs_amount);
      if (!amount)
        return (void)kubo::send_error(w, amount.err());
      req.amount = *amount;
      if (k == "validate")
        req.amount = static_cast<uint64_t>(r.query.get_int("commission-ppm", 0).ok()
                                             ? *r.query.get_int("commission-ppm", 0)
                                             : 0);
      reply(w, ask_validator(sys, req), false);
    });
  }
}

} // namespace mantle
