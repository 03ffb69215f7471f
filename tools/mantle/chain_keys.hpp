// Chain keys as people type them: 64 hex digits for a 32-byte Ed25519 public key, or the name
// of an account in the node's keystore (storage/keystore.hpp). Checked here so a typo is a
// usage error before anything reaches the node.
#pragma once
#include <string>
#include <string_view>

#include "storage/result.hpp"

namespace mantle::cli {

std::string to_hex(std::string_view bytes); // lowercase

// Exactly 64 hex digits -> 32 raw bytes; `what` names the argument in the error.
result<std::string> parse_key_hex(std::string_view text, const std::string& what);

// A key or an account name: 64 hex digits, or 1-64 characters of [A-Za-z0-9_.-] that are not a
// long run of hex digits (a key with a digit missing or extra is refused, not taken for a name).
status check_key_or_name(std::string_view text, const std::string& what);

} // namespace mantle::cli
