// mantled's bootstrap: options, data directory lock, identity, actor system, supervisor,
// signals. tools/mantled/main.cpp only supplies the list of children.
#pragma once
#include <functional>
#include <vector>
#include "actors/supervisor/supervisor_actor.hpp"
#include "config/options.hpp"
#include "storage/identity.hpp"

namespace mantle::node {

// What children may need when they are created. Lives until the node has stopped.
struct environment {
  const config::node_options& options;
  const node_identity& identity;
};

// Returns the supervised children in start order (they stop in reverse order).
using children_factory = std::function<std::vector<child_spec>(const environment&)>;

// Process exit codes.
constexpr int exit_ok = 0;       // clean shutdown (SIGINT/SIGTERM), --help, --version
constexpr int exit_failure = 1; // escalation, data dir in use, identity or startup failure
constexpr int exit_usage = 2;   // unknown or malformed option or config value

// Runs the node until SIGINT/SIGTERM or an escalation; returns the process exit code.
int run(int argc, char** argv, const children_factory& make_children);

} // namespace mantle::node
