#include "net/http_range.hpp"

#include <cctype>

namespace mantle {

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

namespace {

enum class num { ok, empty, bad, overflow };

num parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty())
    return num::empty;
  uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9')
      return num::bad;
    uint64_t d = static_cast<uint64_t>(ch - '0');
    if (v > (UINT64_MAX - d) / 10)
      return num::overflow;
    v = v * 10 + d;
  }
  out = v;
  return num::ok;
}

} // namespace

range_decision decide_range(std::string_view header, uint64_t size) {
  range_decision whole;
  range_decision unsat{range_decision::unsatisfiable, {}};
  header = trim_ows(header);
  constexpr std::string_view unit = "bytes=";
  if (header.size() < unit.size())
    return whole;
  for (size_t i = 0; i < unit.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != unit[i])
      return whole;
  auto spec = trim_ows(header.substr(unit.size()));
  if (spec.find(',') != std::string_view::npos)
    return whole;
  auto dash = spec.find('-');
  if (dash == std::string_view::npos)
    return whole;
  uint64_t a = 0, b = 0;
  auto ra = parse_u64(trim_ows(spec.substr(0, dash)), a);
  auto rb = parse_u64(trim_ows(spec.substr(dash + 1)), b);
  if (ra == num::bad || rb == num::bad || (ra == num::empty && rb == num::empty))
    return whole;
  if (ra == num::overflow)
    return unsat;
  if (ra == num::empty) { // suffix: the last b bytes
    if (rb == num::overflow)
      b = UINT64_MAX;
    if (b == 0 || size == 0)
      return unsat;
    uint64_t n = b < size ? b : size;
    return {range_decision::partial, {size - n, size - 1}};
  }
  if (rb == num::ok && b < a)
    return whole; // invalid per the RFC: ignore the header
  if (a >= size)
    return unsat;
  uint64_t last = size - 1;
  if (rb == num::ok && b < last)
    last = b;
  return {range_decision::partial, {a, last}};
}

} // namespace mantle
