// Restart intensity of a supervisor, kept free of CAF so the window arithmetic is tested
// directly: at most `max_restarts` restarts within any `window`; one more means the fault is
// not transient and the supervisor must give up (escalate) instead of restarting forever.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace mantle {

class restart_policy {
public:
  using clock_ms = std::chrono::milliseconds; // time since any fixed epoch (steady clock)

  restart_policy(size_t max_restarts, clock_ms window);

  // Called when a child failed at `now`. Returns true and records the restart when it stays
  // within the limit; returns false (nothing recorded) when the supervisor must escalate.
  // Times must not go backwards; an earlier `now` is treated as equal to the latest one.
  bool try_restart(clock_ms now);

  // Restarts recorded in the window ending at `now` (older ones are forgotten).
  size_t restarts_in_window(clock_ms now);
  uint64_t total_restarts() const { return total_; }
  size_t max_restarts() const { return max_; }
  clock_ms window() const { return window_; }

private:
  void forget_before(clock_ms now);

  size_t max_;
  clock_ms window_;
  std::deque<clock_ms> recent_; // restart times within the window, oldest first
  clock_ms latest_{0};
  uint64_t total_ = 0;
};

} // namespace mantle
