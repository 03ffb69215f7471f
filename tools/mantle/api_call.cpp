#include "tools/mantle/api_call.hpp"

#include <chrono>
#include <iostream>
#include <thread>

#include "tools/mantle/amount.hpp"
#include "tools/mantle/rpc_session.hpp"

namespace mantle::cli {
namespace {
// How long --wait polls for a submitted transaction to land in a block.
constexpr auto wait_limit = std::chrono::seconds(120);
} // namespace

int usage_error(const std::string& msg) {
  std::cerr << "Error: " << msg << "\n";
  return exit_usage;
}

int node_error(const std::string& msg) {
  std::cerr << "Error: " << msg << "\n";
  return exit_node;
}

result<nlohmann::json> call(const invocation& inv, const std::string& path, const query_args& q) {
  session s;
  s.api = inv.api;
  auto st = s.start(path, q, nullptr);
  if (!st)
    return st.err();
  return s.single();
}

result<std::string> submit(const invocation& inv, const std::string& path, const query_args& q) {
  auto j = call(inv, path, q);
  if (!j)
    return j.err();
  if (!j->is_object() || !j->contains("Hash") || !(*j)["Hash"].is_string())
    return error{errc::invalid_input, "the node's answer has no transaction hash: " + j->dump()};
  return (*j)["Hash"].get<std::string>();
}

int wait_for_tx(const invocation& inv, const std::string& hash) {
  auto deadline = std::chrono::steady_clock::now() + wait_limit;
  query_args q;
  q.add("arg", hash);
  for (;;) {
    auto j = call(inv, "mantle/chain/tx", q);
    if (!j)
      return node_error(j.err().message);
    if (!j->value("pending", true)) {
      bool ok = j->value("ok", true);
      std::cout << "in block " << j->value("height", uint64_t{0}) << ": "
                << (ok ? "succeeded" : "failed: " + j->value("reason", std::string("unknown reason"))) << "\n";
      return ok ? exit_ok : exit_node;
    }
    if (std::chrono::steady_clock::now() > deadline)
      return node_error("transaction " + hash + " is still pending after " + std::to_string(wait_limit.count()) +
                        " s (is the chain making blocks? `mantle chain head`)");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

result<uint64_t> positive_amount(const std::string& text) {
  auto a = parse_amount(text);
  if (!a)
    return a.err();
  if (*a == 0)
    return error{errc::invalid_input, "the amount must be above 0"};
  return a;
}

int submitted(const invocation& inv, const std::string& what, const result<std::string>& h) {
  if (!h)
    return node_error(h.err().message);
  std::cout << "submitted " << what << ": " << *h << "\n";
  if (inv.flag("wait", false))
    return wait_for_tx(inv, *h);
  return exit_ok;
}

} // namespace mantle::cli
