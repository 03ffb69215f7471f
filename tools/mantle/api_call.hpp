// Calls of the node's Mantle API shared by the chain and order commands: one JSON answer, a tx
// submission answered with {"Hash"}, and waiting until a tx is in a block.
#pragma once
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "net/query_args.hpp"
#include "storage/result.hpp"
#include "tools/mantle/cli_args.hpp"

namespace mantle::cli {

constexpr int exit_ok = 0, exit_node = 1, exit_usage = 2;

// "Error: msg" on stderr; the exit status for a usage error / an error the node reported.
int usage_error(const std::string& msg);
int node_error(const std::string& msg);

// One call of the node's API answered with a single JSON value.
result<nlohmann::json> call(const invocation& inv, const std::string& path, const query_args& q = {});
// A call whose answer is {"Hash": tx hash}.
result<std::string> submit(const invocation& inv, const std::string& path, const query_args& q);
// Polls mantle/chain/tx until the tx is in a block; prints "in block H: succeeded|failed: why".
int wait_for_tx(const invocation& inv, const std::string& hash);
// A positive token amount ("12.5", "1500u": tools/mantle/amount.hpp) in base units.
result<uint64_t> positive_amount(const std::string& text);

// Prints the answer as JSON (--json) or through `text`.
template <class F>
int show(const invocation& inv, const std::string& path, const query_args& q, F&& text) {
  auto j = call(inv, path, q);
  if (!j)
    return node_error(j.err().message);
  if (inv.flag("json", false))
    std::cout << j->dump(2) << "\n";
  else
    std::cout << text(*j);
  return exit_ok;
}

// "submitted WHAT: HASH", then wait_for_tx with --wait.
int submitted(const invocation& inv, const std::string& what, const result<std::string>& hash);

} // namespace mantle::cli
