// `mantle order place|status|list|prepaid` and the order step of `mantle add --order`: storage
// orders through the node's Mantle API (mantle/order/*; the node signs with its keystore).
#pragma once
#include <string>

#include "tools/mantle/cli_args.hpp"

namespace mantle::cli {

bool is_order_command(const std::string& path);
// Runs one; returns the exit status (0 ok, 1 the node reported an error, 2 usage error).
int run_order_command(const invocation& inv);

// Checks the order options of `add --order` before anything is added (usage errors).
int check_order_options(const invocation& inv);
// Orders `cid` (just added) with the options of `inv` (--tips, --account, --replicas, --wait,
// --timeout), as `order place` does.
int order_added(const invocation& inv, const std::string& cid);

} // namespace mantle::cli
