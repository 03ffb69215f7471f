#include "tools/mantle/amount.hpp"

#include <limits>

namespace mantle::cli {
namespace {

constexpr uint64_t max_u64 = std::numeric_limits<uint64_t>::max();

bool digits_only(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return !s.empty();
}

// value * 10 + digit, false on overflow.
bool push_digit(uint64_t& value, char c) {
  uint64_t d = static_cast<uint64_t>(c - '0');
  if (value > (max_u64 - d) / 10)
    return false;
  value = value * 10 + d;
  return true;
}

enum class scaled_error { none, malformed, too_precise, overflow };

// A decimal number scaled by 10^decimals: "12.5" with 9 decimals -> 12500000000.
scaled_error parse_scaled(std::string_view text, unsigned decimals, uint64_t& out) {
  auto point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string_view frac = point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
  if (!digits_only(whole) || (point != std::string_view::npos && !digits_only(frac)))
    return scaled_error::malformed;
  if (frac.size() > decimals)
    return scaled_error::too_precise;
  uint64_t v = 0;
  for (char c : whole)
    if (!push_digit(v, c))
      return scaled_error::overflow;
  for (unsigned i = 0; i < decimals; ++i)
    if (!push_digit(v, i < frac.size() ? frac[i] : '0'))
      return scaled_error::overflow;
  out = v;
  return scaled_error::none;
}

error bad(std::string msg) { return error{errc::invalid_input, std::move(msg)}; }

} // namespace

result<uint64_t> parse_amount(std::string_view text) {
  std::string shown = "'" + std::string(text) + "'";
  const char* forms = ": write tokens (12.5, at most 9 decimals) or base units with a u suffix (1500u)";
  if (text.empty())
    return bad(std::string("empty amount") + forms);
  if (text.front() == '-')
    return bad("amount " + shown + " is negative; amounts are never below 0");
  if (text.back() == 'u') {
    std::string_view units = text.substr(0, text.size() - 1);
    if (!digits_only(units))
      return bad("amount " + shown + " is not a whole number of base units" + forms);
    uint64_t v = 0;
    for (char c : units)
      if (!push_digit(v, c))
        return bad("amount " + shown + " is too large (at most 18446744073709551615u)");
    return v;
  }
  uint64_t v = 0;
  switch (parse_scaled(text, 9, v)) {
    case scaled_error::none: return v;
    case scaled_error::malformed: return bad("amount " + shown + " is not a number" + forms);
    case scaled_error::too_precise:
      return bad("amount " + shown + " has more than 9 decimals (1 base unit = 0.000000001 token)");
    case scaled_error::overflow: return bad("amount " + shown + " is too large (at most 18446744073.709551615 tokens)");
  }
  return bad("amount " + shown + " is not a number");
}

std::string format_amount(uint64_t base_units) {
  std::string out = std::to_string(base_units / 1000000000ull);
  uint64_t frac = base_units % 1000000000ull;
  if (frac == 0)
    return out;
  std::string f = std::to_string(frac);
  f.insert(0, 9 - f.size(), '0');
  while (f.back() == '0')
    f.pop_back();
  return out + "." + f;
}

result<uint32_t> parse_commission(std::string_view text) {
  std::string shown = "'" + std::string(text) + "'";
  const char* forms = ": write percent (10, 2.5%, up to 4 decimals) or parts per million (50000ppm)";
  if (!text.empty() && text.front() == '-')
    return bad("commission " + shown + " is negative");
  uint64_t ppm = 0;
  if (text.size() > 3 && text.substr(text.size() - 3) == "ppm") {
    std::string_view n = text.substr(0, text.size() - 3);
    if (!digits_only(n) || n.size() > 12)
      return bad("commission " + shown + " is not a whole number of ppm" + forms);
    for (char c : n)
      push_digit(ppm, c);
  } else {
    std::string_view pct = text;
    if (!pct.empty() && pct.back() == '%')
      pct.remove_suffix(1);
    switch (parse_scaled(pct, 4, ppm)) {
      case scaled_error::none: break;
      case scaled_error::too_precise:
        return bad("commission " + shown + " has more than 4 decimals (1 ppm = 0.0001%)");
      case scaled_error::overflow: return bad("commission " + shown + " is above 100%");
      case scaled_error::malformed: return bad("commission " + shown + " is not a percentage" + forms);
    }
  }
  if (ppm > 1000000)
    return bad("commission " + shown + " is above 100%");
  return static_cast<uint32_t>(ppm);
}

std::string format_commission(uint64_t ppm) {
  std::string out = std::to_string(ppm / 10000);
  uint64_t frac = ppm % 10000;
  if (frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 4 - f.size(), '0');
    while (f.back() == '0')
      f.pop_back();
    out += "." + f;
  }
  return out + "%";
}

} // namespace mantle::cli
