#include "actors/supervisor/restart_policy.hpp"

#include <algorithm>

namespace mantle {

restart_policy::restart_policy(size_t max_restarts, clock_ms window)
    : max_(max_restarts), window_(std::max(window, clock_ms{0})) {}

void restart_policy::forget_before(clock_ms now) {
  // A restart at time t counts while now - t < window: a window of 10 s with a restart at
  // t=0 still counts it at 9.999 s and has forgotten it at 10 s.
  while (!recent_.empty() && now - recent_.front() >= window_)
    recent_.pop_front();
}

bool restart_policy::try_restart(clock_ms now) {
  now = std::max(now, latest_);
  latest_ = now;
  forget_before(now);
  if (recent_.size() >= max_)
    return false;
  recent_.push_back(now);
  ++total_;
  return true;
}

size_t restart_policy::restarts_in_window(clock_ms now) {
  now = std::max(now, latest_);
  forget_before(now);
  return recent_.size();
}

} // namespace mantle
