// `mantle console HOST:PORT`: the remote actor console's client (the only part of the CLI with
// CAF in it, in console_client.cpp). Exit status: 0 ok, 1 a command failed or the node could
// not be reached, 2 usage, 3 the console refused (wrong or missing key, expired session).
#pragma once
#include "tools/mantle/cli_args.hpp"

namespace mantle::cli {

constexpr int console_exit_refused = 3;

int run_console(const invocation& inv);

} // namespace mantle::cli
