// Query string of a Kubo RPC request: repeated keys kept in order (`arg=a&arg=b`), values
// decoded like Go's url.Query(), booleans read the way go-ipfs-cmds reads them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "storage/result.hpp"

namespace mantle {

class query_args {
public:
  // Parses "a=1&b&arg=x%2Fy". An undecodable escape is an error (Go's url.ParseQuery fails too).
  static result<query_args> parse(std::string_view query);

  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }
  bool has(std::string_view key) const;
  // First value of key, if present.
  std::optional<std::string> get(std::string_view key) const;
  std::vector<std::string> get_all(std::string_view key) const;
  // The positional arguments (`arg=`), in order.
  std::vector<std::string> args() const { return get_all("arg"); }

  // Kubo bool option: absent -> fallback; present with empty value -> true; otherwise
  // strconv.ParseBool on the lower-cased value (1/t/true/0/f/false). Repeating it is an error.
  result<bool> get_bool(std::string_view key, bool fallback) const;
  // Integer options (offset, length, cid-version ...); repeating or junk is an error.
  result<int64_t> get_int(std::string_view key, int64_t fallback) const;

  void add(std::string key, std::string value) { items_.emplace_back(std::move(key), std::move(value)); }
  // Encodes back to "k=v&k=v" with encodeURIComponent-style escapes (for clients).
  std::string encode() const;

private:
  result<std::optional<std::string>> single(std::string_view key) const;
  std::vector<std::pair<std::string, std::string>> items_;
};

} // namespace mantle
