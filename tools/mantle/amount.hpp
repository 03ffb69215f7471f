// Token amounts on the command line. The chain counts u64 base units, 10^9 per token; people
// write tokens ("12.5", "0.000000001") or, to be exact about units, base units with a "u"
// suffix ("1500u"). Commissions are written in percent ("10", "2.5%") or ppm ("50000ppm").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/result.hpp"

namespace mantle::cli {

// "12.5" -> 12500000000, "1500u" -> 1500. Digits only (at least one before and after a decimal
// point), at most 9 decimals; negative, overflowing (above 18446744073.709551615 tokens), empty
// or otherwise malformed text is errc::invalid_input with a message naming the problem.
result<uint64_t> parse_amount(std::string_view text);

// Tokens with trailing zeros (and a bare point) trimmed: 12500000000 -> "12.5", 1 ->
// "0.000000001", 0 -> "0".
std::string format_amount(uint64_t base_units);

// "10", "10%", "2.5%" (percent, up to 4 decimals = whole ppm) or "50000ppm"; 0..100 % only.
result<uint32_t> parse_commission(std::string_view text);
// 100000 -> "10%", 25 -> "0.0025%".
std::string format_commission(uint64_t ppm);

} // namespace mantle::cli
