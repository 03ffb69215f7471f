// The actor scheduler every mantled uses (and tools/bench/bench_exchange, so its figures are
// the node's): CAF's "sharing" policy, one job queue whose idle workers block on a condition
// variable, instead of the default work stealing whose idle workers poll with 50 us sleeps.
// On 2-core VMs the polling wake-ups were about a quarter of the CPU time of a block
// exchange (perf: finish_task_switch under clock_nanosleep); with sharing, bench_exchange's
// pair fetch needed ~2.4 instead of ~3.8 CPU s/GiB and ran 1.6-2.2x faster.
#pragma once
#include <caf/fwd.hpp>

namespace mantle::node {

void use_node_scheduler(caf::actor_system_config& cfg);

} // namespace mantle::node
