#include "tools/mantle/order_commands.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "config/options.hpp"
#include "tools/mantle/amount.hpp"
#include "tools/mantle/api_call.hpp"
#include "tools/mantle/chain_keys.hpp"
#include "tools/mantle/chain_text.hpp"

namespace mantle::cli {
namespace {

using json = nlohmann::json;
// Default for --timeout: how long --wait waits for an order to go live (a slot is 600 blocks of
// 6 s on a default chain, so a real network needs a longer one).
constexpr auto default_live_wait = std::chrono::minutes(10);

result<uint64_t> whole_number(const std::string& text, const std::string& what) {
  bool digits = !text.empty() && text.size() <= 19;
  for (char c : text)
    digits = digits && c >= '0' && c <= '9';
  if (!digits)
    return error{errc::invalid_input, what + " '" + text + "' is not a whole number"};
  return std::stoull(text);
}

// --replicas (default 1, at least 1) and --timeout (a duration).
struct wait_options {
  uint64_t replicas = 1;
  std::chrono::milliseconds timeout = default_live_wait;
};

result<wait_options> wait_options_of(const invocation& inv) {
  wait_options w;
  if (auto r = inv.value("replicas")) {
    auto n = whole_number(*r, "--replicas");
    if (!n)
      return n.err();
    if (*n == 0)
      return error{errc::invalid_input, "--replicas must be at least 1"};
    w.replicas = *n;
  }
  if (auto t = inv.value("timeout")) {
    auto d = config::parse_duration(*t);
    if (!d)
      return error{errc::invalid_input, "--timeout: " + d.err().message};
    if (d->count() <= 0)
      return error{errc::invalid_input, "--timeout must be above 0"};
    w.timeout = *d;
  }
  return w;
}

// The query of mantle/order/place from the options (usage errors are caught here, before any
// call).
result<query_args> place_query(const invocation& inv, const std::string& cid) {
  query_args q;
  q.add("arg", cid);
  if (auto s = inv.value("size")) {
    auto n = whole_number(*s, "--size");
    if (!n)
      return n.err();
    q.add("size", std::to_string(*n));
  }
  if (auto r = inv.value("root")) {
    auto raw = parse_key_hex(*r, "--root");
    if (!raw)
      return error{errc::invalid_input, "--root must be the proof root: 64 hex digits"};
    q.add("root", *r);
  }
  if (auto t = inv.value("tips")) {
    auto a = parse_amount(*t);
    if (!a)
      return error{errc::invalid_input, "--tips: " + a.err().message};
    q.add("tips", std::to_string(*a));
  }
  if (auto a = inv.value("account")) {
    if (auto s = check_key_or_name(*a, "--account"); !s)
      return s.err();
    q.add("account", *a);
  }
  return q;
}

// Polls mantle/order/status until the order is live with `want` proven replicas; progress on
// stderr (one line per change, or one updated line on a terminal).
int wait_live(const invocation& inv, const std::string& cid, const wait_options& w) {
  auto deadline = std::chrono::steady_clock::now() + w.timeout;
  bool tty = isatty(2) != 0;
  query_args q;
  q.add("arg", cid);
  std::string last;
  for (;;) {
    auto j = call(inv, "mantle/order/status", q);
    // Not on chain yet (the tx is in the mempool): keep waiting; other errors end the wait.
    if (!j && j.err().message.find("no order for") == std::string::npos)
      return node_error(j.err().message);
    std::string state = j ? j->value("status", std::string("?")) : "not on chain yet";
    uint64_t proven = j ? j->value("proven_replicas", uint64_t{0}) : 0;
    uint64_t held = j ? j->value("replicas", json::array()).size() : 0;
    std::string line = "order " + state + ": " + std::to_string(proven) + "/" + std::to_string(w.replicas) +
                       " replicas proven, " + std::to_string(held) + " held" +
                       (j ? " (height " + std::to_string(j->value("height", uint64_t{0})) + ")" : "");
    if (j && state == "live" && proven >= w.replicas) {
      if (tty)
        std::cerr << "\r\033[K";
      if (inv.flag("json", false))
        std::cout << j->dump(2) << "\n";
      else
        std::cout << "order of " << cid << " is live with " << proven << " proven replicas, expires at height "
                  << j->value("expiry_height", uint64_t{0}) << "\n";
      return exit_ok;
    }
    std::string key = line.substr(0, line.find(" (height"));
    if (tty)
      std::cerr << "\r\033[K" << line << std::flush;
    else if (key != last)
      std::cerr << line << "\n";
    last = key;
    if (std::chrono::steady_clock::now() > deadline) {
      if (tty)
        std::cerr << "\n";
      return node_error("the order of " + cid + " is not live with " + std::to_string(w.replicas) +
                        " proven replicas after " + std::to_string(w.timeout.count() / 1000) + " s (" + key +
                        "; `mantle order status " + cid + "` shows it)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

int place(const invocation& inv, const std::string& cid) {
  auto q = place_query(inv, cid);
  if (!q)
    return usage_error(q.err().message);
  auto w = wait_options_of(inv);
  if (!w)
    return usage_error(w.err().message);
  auto j = call(inv, "mantle/order/place", *q);
  if (!j)
    return node_error(j.err().message);
  std::string hash = j->value("Hash", "");
  if (hash.empty())
    return node_error("the node's answer has no transaction hash: " + j->dump());
  if (inv.flag("json", false) && !inv.flag("wait", false)) {
    std::cout << j->dump(2) << "\n";
    return exit_ok;
  }
  std::cout << "order of " << j->value("Cid", cid) << ": size " << j->value("Size", uint64_t{0}) << " bytes, proof root "
            << j->value("Root", "") << (j->value("Computed", false) ? " (from the node's copy)" : " (as given)") << "\n"
            << "submitted place_order: " << hash << "\n";
  if (!inv.flag("wait", false))
    return exit_ok;
  if (int rc = wait_for_tx(inv, hash); rc != exit_ok)
    return rc;
  return wait_live(inv, j->value("Cid", cid), *w);
}

int prepaid(const invocation& inv) {
  auto amount = positive_amount(inv.args[1]);
  if (!amount)
    return usage_error(amount.err().message);
  query_args q;
  q.add("arg", inv.args[0]);
  q.add("amount", std::to_string(*amount));
  if (auto a = inv.value("account")) {
    if (auto s = check_key_or_name(*a, "--account"); !s)
      return usage_error(s.err().message);
    q.add("account", *a);
  }
  return submitted(inv, "prepaid of " + format_amount(*amount) + " tokens for " + inv.args[0],
                   submit(inv, "mantle/order/prepaid", q));
}

int list(const invocation& inv) {
  query_args q;
  if (auto a = inv.value("after"))
    q.add("after", *a);
  if (auto l = inv.value("limit")) {
    auto n = whole_number(*l, "--limit");
    if (!n)
      return usage_error(n.err().message);
    q.add("limit", std::to_string(*n));
  }
  auto j = call(inv, "mantle/order/list", q);
  if (!j)
    return node_error(j.err().message);
  if (inv.flag("json", false)) {
    std::cout << j->dump(2) << "\n";
    return exit_ok;
  }
  auto text = format_orders(*j);
  if (text.empty())
    std::cerr << "no orders\n";
  std::cout << text;
  if (j->contains("Next") && (*j)["Next"].is_string())
    std::cerr << "more: mantle order list --after " << (*j)["Next"].get<std::string>() << "\n";
  return exit_ok;
}

} // namespace

bool is_order_command(const std::string& path) { return path.rfind("order ", 0) == 0; }

int run_order_command(const invocation& inv) {
  const std::string& cmd = inv.cmd->path;
  if (cmd == "order place")
    return place(inv, inv.args[0]);
  if (cmd == "order prepaid")
    return prepaid(inv);
  if (cmd == "order list")
    return list(inv);
  query_args q;
  q.add("arg", inv.args[0]);
  return show(inv, "mantle/order/status", q, format_order);
}

int check_order_options(const invocation& inv) {
  if (auto q = place_query(inv, ""); !q)
    return usage_error(q.err().message);
  if (auto w = wait_options_of(inv); !w)
    return usage_error(w.err().message);
  return exit_ok;
}

int order_added(const invocation& inv, const std::string& cid) { return place(inv, cid); }

} // namespace mantle::cli
