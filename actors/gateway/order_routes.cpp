#include "actors/gateway/order_routes.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "actors/market/market_rules.hpp"
#include "actors/market/order_status.hpp"
#include "actors/market/order_terms.hpp"
#include "actors/market/reply_view.hpp"
#include "net/kubo_rpc.hpp"
#include "net/node_backend.hpp"
#include "net/router.hpp"

namespace mantle {
namespace {

using json = nlohmann::json;

// Errors as Kubo sends them, except that a missing thing is a 404 (Kubo would say 500).
void send_failure(response_writer& w, const error& e) {
  if (e.code == errc::not_found) {
    kubo::set_common_headers(w);
    w.status(404);
    w.send(kubo::error_json(e.message, kubo::err_client), "application/json");
    return;
  }
  kubo::send_error(w, e);
}

result<cid> cid_arg(http_request& r) {
  auto args = r.query.args();
  if (args.empty() || args.front().empty())
    return make_error(errc::invalid_input, "argument \"cid\" is required");
  if (args.size() > 1)
    return make_error(errc::invalid_input, "one CID per request");
  auto c = cid::parse(args.front());
  if (!c)
    return make_error(errc::invalid_input, "'" + args.front().substr(0, 100) + "' is not a CID: " + c.err().message);
  if (c->bytes().size() > 128)
    return make_error(errc::invalid_input, "a CID on chain is at most 128 bytes");
  return c;
}

// A whole number of `what` from ?name= (nullopt when absent).
result<std::optional<uint64_t>> count_arg(http_request& r, const char* name, const char* what) {
  auto a = r.query.get(name);
  if (!a)
    return std::optional<uint64_t>{};
  bool digits = !a->empty() && a->size() <= 20;
  for (char ch : *a)
    digits = digits && ch >= '0' && ch <= '9';
  if (digits) {
    try {
      return std::optional<uint64_t>{std::stoull(*a)};
    } catch (const std::exception&) {
    }
  }
  return make_error(errc::invalid_input, std::string(name) + " '" + a->substr(0, 40) + "' is not a whole number of " + what);
}

// Reads the file record and the current slot in one committed state.
result<json> status_of(order_chain& chain, const cid& c) {
  std::vector<std::string> keys{market::file_key(c.bytes()), market::slot_key()};
  auto reply = chain.read(keys);
  if (!reply)
    return reply.err();
  market::reply_view view;
  view.put_all(keys, reply->values, reply->found);
  auto f = market::read_file(view, c.bytes());
  if (!f)
    return f.err();
  if (!*f)
    return make_error(errc::not_found, "no order for " + c.str() + " on chain (never ordered, or expired and closed)");
  auto slot = market::read_slot(view);
  return market::order_json(c, **f, reply->height, slot ? slot->slot : 0);
}

void place(order_chain& chain, node_backend& node, http_request& r, response_writer& w) {
  auto c = cid_arg(r);
  if (!c)
    return send_failure(w, c.err());
  auto size = count_arg(r, "size", "bytes");
  if (!size)
    return send_failure(w, size.err());
  auto tips = count_arg(r, "tips", "base units");
  if (!tips)
    return send_failure(w, tips.err());
  std::optional<proof::digest> root;
  if (auto hex = r.query.get("root")) {
    auto d = market::parse_root_hex(*hex);
    if (!d)
      return send_failure(w, d.err());
    root = *d;
  }
  auto stored = node.has_block(*c);
  if (!stored)
    return send_failure(w, stored.err());
  auto terms = market::settle_order_terms(node.blocks(), *c, *stored, *size, root);
  if (!terms)
    return send_failure(w, terms.err());
  order_request req;
  req.account = r.query.get("account").value_or("");
  req.cid = c->bytes();
  req.size = terms->size;
  req.proof_root.assign(terms->root.begin(), terms->root.end());
  req.tips = tips->value_or(0);
  auto hash = chain.place(req);
  if (!hash)
    return send_failure(w, hash.err());
  kubo::send_json(w, json{{"Hash", *hash},
                          {"Cid", c->str()},
                          {"Size", terms->size},
                          {"Root", market::root_hex(terms->root)},
                          {"Computed", terms->computed}});
}

void prepaid(order_chain& chain, http_request& r, response_writer& w) {
  auto c = cid_arg(r);
  if (!c)
    return send_failure(w, c.err());
  auto amount = count_arg(r, "amount", "base units (10^9 per token)");
  if (!amount)
    return send_failure(w, amount.err());
  if (!*amount || **amount == 0)
    return send_failure(w, make_error(errc::invalid_input, "argument \"amount\" (base units, above 0) is required"));
  prepaid_request req;
  req.account = r.query.get("account").value_or("");
  req.cid = c->bytes();
  req.amount = **amount;
  auto hash = chain.prepaid(req);
  if (!hash)
    return send_failure(w, hash.err());
  kubo::send_json(w, json{{"Hash", *hash}});
}

} // namespace

result<std::string> order_list_json(order_chain& chain, const std::string& after, uint32_t n) {
  auto page = chain.scan(std::string(1, market::table::file), after.empty() ? std::string{} : market::file_key(after), n);
  if (!page)
    return page.err();
  std::vector<std::string> slot_key{market::slot_key()};
  auto slot_reply = chain.read(slot_key);
  if (!slot_reply)
    return slot_reply.err();
  market::reply_view view;
  view.put_all(page->keys, page->values);
  view.put_all(slot_key, slot_reply->values, slot_reply->found);
  auto files = market::read_files(view, after, n);
  if (!files)
    return files.err();
  auto slot = market::read_slot(view);
  json orders = json::array();
  json next = nullptr;
  for (const auto& [bytes, f] : *files) {
    auto c = cid::from_bytes(bytes);
    if (!c)
      return make_error(errc::corrupt, "an order on chain has a malformed CID: " + c.err().message);
    orders.push_back(market::order_json(*c, f, page->height, slot ? slot->slot : 0));
    next = c->str();
  }
  if (files->size() < n)
    next = nullptr;
  return json{{"Orders", std::move(orders)}, {"Next", std::move(next)}}.dump();
}

namespace {

void list(order_chain& chain, http_request& r, response_writer& w) {
  std::string after;
  if (auto a = r.query.get("after"); a && !a->empty()) {
    auto c = cid::parse(*a);
    if (!c)
      return send_failure(w, make_error(errc::invalid_input, "after: '" + a->substr(0, 100) + "' is not a CID"));
    after = c->bytes();
  }
  auto limit = count_arg(r, "limit", "orders");
  if (!limit)
    return send_failure(w, limit.err());
  uint32_t n = order_list_default_limit;
  if (*limit) {
    if (**limit == 0 || **limit > order_list_max_limit)
      return send_failure(w, make_error(errc::invalid_input,
                                        "limit must be 1 to " + std::to_string(order_list_max_limit)));
    n = static_cast<uint32_t>(**limit);
  }
  auto page = order_list_json(chain, after, n);
  if (!page)
    return send_failure(w, page.err());
  kubo::send_json(w, json::parse(*page));
}

} // namespace

std::vector<std::string> order_route_commands() {
  return {"mantle/order/place", "mantle/order/prepaid", "mantle/order/status", "mantle/order/list",
          "mantle/market/status", "mantle/prover/status"};
}

void add_order_routes(router& routes, order_chain chain, node_backend& node) {
  auto shared = std::make_shared<order_chain>(std::move(chain));
  routes.add_rpc("mantle/order/place", [shared, &node](http_request& r, response_writer& w) -> void {
    place(*shared, node, r, w);
  });
  routes.add_rpc("mantle/order/prepaid", [shared](http_request& r, response_writer& w) -> void {
    prepaid(*shared, r, w);
  });
  routes.add_rpc("mantle/order/status", [shared](http_request& r, response_writer& w) -> void {
    auto c = cid_arg(r);
    if (!c)
      return send_failure(w, c.err());
    auto j = status_of(*shared, *c);
    if (!j)
      return send_failure(w, j.err());
    kubo::send_json(w, *j);
  });
  routes.add_rpc("mantle/order/list", [shared](http_request& r, response_writer& w) -> void { list(*shared, r, w); });
  // What this node's market took, is fetching and abandoned (with reasons), and what its prover
  // claims, reported and answered: the operator's view of the storage side of the node.
  auto status_route = [](std::function<result<std::string>()> ask) {
    return [ask = std::move(ask)](http_request&, response_writer& w) -> void {
      auto s = ask ? ask() : result<std::string>(make_error(errc::unavailable, "not available"));
      if (!s)
        return send_failure(w, s.err());
      auto j = json::parse(*s, nullptr, false);
      if (j.is_discarded())
        return send_failure(w, make_error(errc::internal, "the actor answered with malformed JSON"));
      kubo::send_json(w, j);
    };
  };
  routes.add_rpc("mantle/market/status", status_route(shared->market_status));
  routes.add_rpc("mantle/prover/status", status_route(shared->prover_status));
}

} // namespace mantle
