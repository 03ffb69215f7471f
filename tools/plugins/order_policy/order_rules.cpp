#include "tools/plugins/order_policy/order_rules.hpp"

#include <cctype>
#include <limits>

namespace mantle::plugins {

namespace {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
    ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
    --e;
  return s.substr(b, e - b);
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

result<uint64_t> parse_number(const std::string& key, const std::string& text, std::string* unit) {
  auto t = trim(text);
  size_t i = 0;
  uint64_t v = 0;
  for (; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i) {
    uint64_t d = static_cast<uint64_t>(t[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10)
      return make_error(errc::invalid_input, key + ": '" + text + "' is too large");
    v = v * 10 + d;
  }
  if (i == 0)
    return make_error(errc::invalid_input, key + ": '" + text + "' is not a number");
  std::string rest = trim(t.substr(i));
  if (!unit && !rest.empty())
    return make_error(errc::invalid_input, key + ": '" + text + "' is not a whole number");
  if (unit)
    *unit = lower(rest);
  return v;
}

result<uint64_t> parse_size(const std::string& key, const std::string& text) {
  std::string unit;
  auto n = parse_number(key, text, &unit);
  if (!n)
    return n;
  static const std::pair<const char*, uint64_t> units[] = {
    {"", 1}, {"b", 1}, {"kb", 1000ull}, {"mb", 1000000ull}, {"gb", 1000000000ull}, {"tb", 1000000000000ull},
    {"kib", 1ull << 10}, {"mib", 1ull << 20}, {"gib", 1ull << 30}, {"tib", 1ull << 40}};
  for (const auto& [name, factor] : units)
    if (unit == name) {
      if (*n > std::numeric_limits<uint64_t>::max() / factor)
        return make_error(errc::invalid_input, key + ": '" + text + "' is too large");
      return *n * factor;
    }
  return make_error(errc::invalid_input, key + ": unknown unit in '" + text + "' (B, KB..TB, KiB..TiB)");
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    auto item = trim(text.substr(start, comma - start));
    if (!item.empty())
      out.push_back(item);
    start = comma + 1;
  }
  return out;
}

const std::string* matching(const std::vector<std::string>& prefixes, const std::string& cid) {
  for (const auto& p : prefixes)
    if (cid.compare(0, p.size(), p) == 0)
      return &p;
  return nullptr;
}

} // namespace

result<order_rules> parse_order_rules(const std::map<std::string, std::string>& config) {
  order_rules r;
  for (const auto& [key, value] : config) {
    if (key == "max-size") {
      auto n = parse_size(key, value);
      if (!n)
        return n.err();
      r.max_size = *n;
    } else if (key == "min-pool") {
      auto n = parse_number(key, value, nullptr);
      if (!n)
        return n.err();
      r.min_pool = *n;
    } else if (key == "allow") {
      r.allow = split_list(value);
    } else if (key == "deny") {
      r.deny = split_list(value);
    } else {
      return make_error(errc::invalid_input,
                        "unknown key '" + key + "' (known: max-size, min-pool, allow, deny)");
    }
  }
  return r;
}

order_decision decide_order(const order_rules& rules, const order_offer& offer) {
  if (auto p = matching(rules.deny, offer.cid))
    return {false, "CID " + offer.cid + " matches the denied prefix '" + *p + "'"};
  if (!rules.allow.empty() && !matching(rules.allow, offer.cid))
    return {false, "CID " + offer.cid + " matches none of the allowed prefixes"};
  if (rules.max_size && offer.size > rules.max_size)
    return {false, "size " + std::to_string(offer.size) + " bytes is above max-size " + std::to_string(rules.max_size)};
  if (offer.pool < rules.min_pool)
    return {false, "reward pool " + std::to_string(offer.pool) + " is below min-pool " + std::to_string(rules.min_pool)};
  return {true, ""};
}

} // namespace mantle::plugins
