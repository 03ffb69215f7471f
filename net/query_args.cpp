#include "net/query_args.hpp"
#include <algorithm>
#include <cctype>
#include <stdexcept>
#include "net/url_codec.hpp"

namespace mantle {

result<query_args> query_args::parse(std::string_view query) {
  query_args q;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view item = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (item.empty()) {
      if (amp == query.size()) break;
      continue;
    }
    size_t eq = item.find('=');
    std::string_view k = item.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    auto dk = percent_decode(k);
    if (!dk.ok()) return dk.err();
    auto dv = percent_decode(v);
    if (!dv.ok()) return dv.err();
    q.items_.emplace_back(std::move(dk.value()), std::move(dv.value()));
  }
  return q;
}

bool query_args::has(std::string_view key) const {
  return std::any_of(items_.begin(), items_.end(), [&](auto& kv) { return kv.first == key; });
}

std::optional<std::string> query_args::get(std::string_view key) const {
  for (auto& kv : items_)
    if (kv.first == key) return kv.second;
  return std::nullopt;
}

std::vector<std::string> query_args::get_all(std::string_view key) const {
  std::vector<std::string> out;
  for (auto& kv : items_)
    if (kv.first == key) out.push_back(kv.second);
  return out;
}

result<std::optional<std::string>> query_args::single(std::string_view key) const {
  std::optional<std::string> found;
  for (auto& kv : items_) {
    if (kv.first != key) continue;
    if (found)
      return error{errc::invalid_input,
                   "expected key " + std::string(key) + " to have only a single value"};
    found = kv.second;
  }
  return found;
}

result<bool> query_args::get_bool(std::string_view key, bool fallback) const {
  auto v = single(key);
  if (!v.ok()) return v.err();
  if (!v.value()) return fallback;
  std::string s = *v.value();
  if (s.empty()) return true;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "1" || s == "t" || s == "true") return true;
  if (s == "0" || s == "f" || s == "false") return false;
  return error{errc::invalid_input, "option \"" + std::string(key) + "\": '" + *v.value() +
                                        "' is not a valid boolean"};
}

result<int64_t> query_args::get_int(std::string_view key, int64_t fallback) const {
  auto v = single(key);
  if (!v.ok()) return v.err();
  if (!v.value()) return fallback;
  const std::string& s = *v.value();
  try {
    size_t used = 0;
    long long n = std::stoll(s, &used, 10);
    if (used != s.size()) throw std::invalid_argument(s);
    return static_cast<int64_t>(n);
  } catch (const std::exception&) {
    return error{errc::invalid_input,
                 "option \"" + std::string(key) + "\": '" + s + "' is not a valid integer"};
  }
}

std::string query_args::encode() const {
  std::string out;
  for (auto& kv : items_) {
    if (!out.empty()) out.push_back('&');
    out += percent_encode_component(kv.first);
    out.push_back('=');
    out += percent_encode_component(kv.second);
  }
  return out;
}

} // namespace mantle
