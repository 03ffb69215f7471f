#include "actors/exchange/want_limits.hpp"

#include <algorithm>

namespace mantle::exchange {

namespace {

const char* kind_name(msg_kind k) {
  switch (k) {
    case msg_kind::want_have:
      return "want-have";
    case msg_kind::want_block:
      return "want-block";
    case msg_kind::cancel:
      return "cancel";
  }
  return "want";
}

} // namespace

std::string refuse_reason(msg_kind kind, size_t cids, size_t pending, const want_limits& lim) {
  if (cids > lim.max_cids)
    return std::string(kind_name(kind)) + " message with " + std::to_string(cids) + " CIDs (the limit is " +
           std::to_string(lim.max_cids) + " per message)";
  // A cancel only removes work.
  if (kind != msg_kind::cancel && pending + cids > lim.max_pending)
    return std::string(kind_name(kind)) + " message with " + std::to_string(cids) + " CIDs while " +
           std::to_string(pending) + " of its requests are still being answered (the limit is " +
           std::to_string(lim.max_pending) + " per peer)";
  return {};
}

std::vector<std::vector<cid>> split_cids(std::vector<cid> cids, size_t max_cids) {
  max_cids = std::max<size_t>(max_cids, 1);
  std::vector<std::vector<cid>> out;
  if (cids.size() <= max_cids) {
    out.push_back(std::move(cids));
    return out;
  }
  for (size_t i = 0; i < cids.size(); i += max_cids) {
    auto end = std::min(cids.size(), i + max_cids);
    out.emplace_back(std::make_move_iterator(cids.begin() + static_cast<std::ptrdiff_t>(i)),
                     std::make_move_iterator(cids.begin() + static_cast<std::ptrdiff_t>(end)));
  }
  return out;
}

} // namespace mantle::exchange
