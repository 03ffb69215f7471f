// Multibase text encodings used for CIDs and keys: base32 (lower, no padding, prefix 'b'),
// base58btc ('z'), base36 (lower, 'k'), base16 (lower, 'f').
#pragma once
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle::multibase {

enum class base : char { base16 = 'f', base32 = 'b', base36 = 'k', base58btc = 'z' };

// Bare encoders/decoders, no prefix.
std::string base58btc_encode(std::string_view data);
result<std::string> base58btc_decode(std::string_view text);
std::string base32_encode(std::string_view data);              // RFC 4648 lower, no padding
result<std::string> base32_decode(std::string_view text);      // accepts upper or lower
std::string base36_encode(std::string_view data);
result<std::string> base36_decode(std::string_view text);
std::string base16_encode(std::string_view data);
result<std::string> base16_decode(std::string_view text);

// With the one-character multibase prefix.
std::string encode(base b, std::string_view data);
result<std::string> decode(std::string_view text);
result<base> parse_base(std::string_view name); // "base32", "base58btc", "base36", "base16"

} // namespace mantle::multibase
