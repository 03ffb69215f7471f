// A state_view over key/value pairs a validator read or scan returned (messages/market.hpp:
// chain_read_reply, chain_scan_reply), so actors outside the validator decode chain records
// with the same queries (actors/market/market_rules.hpp) the state transition uses. Only the
// keys that were read are visible: a query for anything else sees it as absent. Pure C++.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/state_db.hpp"

namespace mantle::market {

class reply_view final : public state_view {
public:
  void put(std::string key, std::string value) { kv_[std::move(key)] = std::move(value); }
  // keys[i] -> values[i] where found[i] (a read's reply); found empty = all found (a scan's).
  void put_all(const std::vector<std::string>& keys, const std::vector<std::string>& values,
               const std::vector<uint8_t>& found = {}) {
    for (size_t i = 0; i < keys.size() && i < values.size(); ++i)
      if (found.empty() || (i < found.size() && found[i]))
        kv_[keys[i]] = values[i];
  }

  result<std::optional<std::string>> get(std::string_view key) const override {
    auto it = kv_.find(key);
    if (it == kv_.end())
      return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  result<std::vector<std::pair<std::string, std::string>>> scan(std::string_view prefix) const override {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = kv_.lower_bound(prefix); it != kv_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
      out.emplace_back(it->first, it->second);
    return out;
  }

private:
  std::map<std::string, std::string, std::less<>> kv_;
};

} // namespace mantle::market
