#include "actors/block_store/reconnect_backoff.hpp"

#include <algorithm>

namespace mantle {

reconnect_backoff::reconnect_backoff(duration first, duration max)
  : first_(std::max(first, duration{1})), max_(std::max(max, first_)), current_(first_) {}

reconnect_backoff::duration reconnect_backoff::next() {
  auto out = current_;
  current_ = current_ >= max_ / 2 ? max_ : current_ * 2;
  ++failures_;
  return out;
}

void reconnect_backoff::reset() {
  current_ = first_;
  failures_ = 0;
}

} // namespace mantle
