#include "storage/rfc3339.hpp"

#include <chrono>
#include <cstdio>

namespace mantle {

namespace {

// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian), public domain arithmetic.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int64_t y, unsigned m) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

} // namespace

std::string format_rfc3339_ms(uint64_t unix_ms) {
  int64_t days = static_cast<int64_t>(unix_ms / 86400000);
  uint64_t rest = unix_ms % 86400000;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", static_cast<long long>(y), m, d,
                static_cast<unsigned>(rest / 3600000), static_cast<unsigned>(rest / 60000 % 60),
                static_cast<unsigned>(rest / 1000 % 60), static_cast<unsigned>(rest % 1000));
  return buf;
}

result<uint64_t> parse_rfc3339_ms(std::string_view s) {
  auto bad = [&] {
    return make_error(errc::invalid_input,
                      "invalid timestamp '" + std::string(s.substr(0, 64)) +
                        "': expected RFC 3339, e.g. 2026-01-02T03:04:05Z");
  };
  size_t i = 0;
  auto digits = [&](size_t n, unsigned& out) {
    if (i + n > s.size())
      return false;
    out = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9')
        return false;
      out = out * 10 + static_cast<unsigned>(c - '0');
    }
    i += n;
    return true;
  };
  auto expect = [&](char c) {
    if (i < s.size() && (s[i] == c || (c == 'T' && (s[i] == 't' || s[i] == ' ')))) {
      ++i;
      return true;
    }
    return false;
  };
  unsigned y, mo, d, h, mi, se;
  if (!digits(4, y) || !expect('-') || !digits(2, mo) || !expect('-') || !digits(2, d) ||
      !expect('T') || !digits(2, h) || !expect(':') || !digits(2, mi) || !expect(':') ||
      !digits(2, se))
    return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
    return bad();
  unsigned ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    unsigned scale = 100;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      ms += static_cast<unsigned>(s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start || i - start > 9)
      return bad();
  }
  int64_t offset_min = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    unsigned oh, om;
    if (!digits(2, oh) || !expect(':') || !digits(2, om) || oh > 23 || om > 59)
      return bad();
    offset_min = sign * static_cast<int64_t>(oh * 60 + om);
  } else {
    return bad();
  }
  if (i != s.size())
    return bad();
  if (se == 60)
    se = 59; // a leap second sorts with the second before it
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
  if (secs < 0)
    return bad();
  return static_cast<uint64_t>(secs) * 1000 + ms;
}

uint64_t now_unix_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
    duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

} // namespace mantle
