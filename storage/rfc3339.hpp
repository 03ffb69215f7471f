// RFC 3339 timestamps as the Pinning Service API uses them: written in UTC with millisecond
// precision ("2026-11-24T07:35:47.123Z"), read with any fraction and offset ("Z", "+02:00").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle {

std::string format_rfc3339_ms(uint64_t unix_ms);
// Unix milliseconds (fractions beyond ms are truncated); times before 1970 are invalid_input.
result<uint64_t> parse_rfc3339_ms(std::string_view text);
uint64_t now_unix_ms();

} // namespace mantle
