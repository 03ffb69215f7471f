// `mantle account ...`, `mantle stake ...`, `mantle chain ...`: the chain commands of the CLI.
// Most talk to the node's Mantle API (RPC mantle/account/*, mantle/stake/*, mantle/chain/*,
// where the node signs with its keystore); `chain keygen` and `chain genesis` work offline.
#pragma once
#include <string>

#include "tools/mantle/cli_args.hpp"

namespace mantle::cli {

bool is_chain_command(const std::string& path);
// Runs one; returns the exit status (0 ok, 1 the node reported an error, 2 usage error).
int run_chain_command(const invocation& inv);

} // namespace mantle::cli
