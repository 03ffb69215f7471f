// How long the block-store proxy waits before its next attempt to reach a remote block store:
// doubling from `first` up to `max`, back to `first` once a connection succeeds. Kept free of
// CAF so the schedule is tested directly. The proxy retries forever instead of crashing, so a
// block-store process that is down for a while never exhausts the supervisor's restart limit.
#pragma once
#include <chrono>
#include <cstdint>

namespace mantle {

class reconnect_backoff {
public:
  using duration = std::chrono::milliseconds;

  reconnect_backoff(duration first = duration{100}, duration max = duration{5000});

  // The delay before the next attempt; each call doubles the following one (up to max).
  duration next();
  // A connection succeeded: the next failure starts from `first` again.
  void reset();
  // Failed attempts since the last success.
  uint64_t failures() const { return failures_; }

private:
  duration first_;
  duration max_;
  duration current_;
  uint64_t failures_ = 0;
};

} // namespace mantle
