// Messages the supervisor answers. Requests (atoms in messages/node_types.hpp):
//   (whereis_atom, std::string name) -> caf::actor   current handle of a running child, or a
//                                                     mantle error not_found / unavailable
//   (stats_atom) -> supervisor_stats
//   (restart_atom, std::string name) -> unit once the child runs again (an operator's restart:
//                                       not counted against the restart intensity limit)
// mantled registers the supervisor itself as "supervisor" (supervisor_name). Node actors answer
// (mbox_atom) -> uint64_t, the messages waiting in their mailbox (actors/introspection.hpp).
// A child's handle changes when it is restarted: resolve it again (this request or the CAF
// registry under atom(name)) after a down_msg or a failed request.
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include <caf/meta/type_name.hpp>

namespace mantle {

constexpr const char* supervisor_name = "supervisor";

struct child_status {
  std::string name;
  bool running = false;
  uint64_t restarts = 0;       // since the supervisor started
  std::string last_exit;       // exit reason of the last failure, "" if none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_status& x) {
  return f(caf::meta::type_name("mantle::child_status"), x.name, x.running, x.restarts, x.last_exit);
}

struct supervisor_stats {
  uint64_t restarts = 0;                  // all children, since start (for metrics)
  uint64_t restarts_in_window = 0;        // what the intensity limit currently sees
  uint32_t restart_limit = 0;
  int64_t restart_window_ms = 0;
  std::vector<child_status> children;     // in start order
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, supervisor_stats& x) {
  return f(caf::meta::type_name("mantle::supervisor_stats"), x.restarts, x.restarts_in_window,
           x.restart_limit, x.restart_window_ms, x.children);
}

} // namespace mantle
