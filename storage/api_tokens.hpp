// Bearer tokens for the Pinning Service API. A token's secret is shown once, when it is
// minted; the node keeps only its SHA-256 (hex), so a copy of the data dir does not hand out
// working credentials. Records are msgpack arrays [id, name, sha256_hex, created_ms] (fixed
// order, fields only ever appended). Storage lives in psa_store; this file is pure logic.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle::psa {

struct api_token {
  std::string id;         // 16 hex chars, random; what `mantle token list` shows
  std::string name;       // chosen by the operator, unique among live tokens
  std::string sha256_hex; // of the secret
  uint64_t created_ms = 0; // unix milliseconds
};

struct minted_token {
  api_token record;
  std::string secret; // "mantle_" + base64url(32 random bytes), never stored
};

constexpr std::string_view token_prefix = "mantle_";

// Names are 1..64 of [A-Za-z0-9._-] and do not look like an id (so revoke by id-or-name is
// never ambiguous); anything else is errc::invalid_input.
status check_token_name(std::string_view name);
// True when `s` has the shape of a token id (16 lower-case hex chars).
bool looks_like_token_id(std::string_view s);

// New random secret and id from the system RNG.
minted_token mint_token(const std::string& name, uint64_t now_ms);
std::string token_hash(std::string_view secret);
// Hashes `secret` and compares with the stored hash in constant time.
bool token_matches(const api_token& t, std::string_view secret);
// Constant-time equality of two hex hashes of equal length (false if lengths differ).
bool same_hash(std::string_view a, std::string_view b);

std::string encode(const api_token& t);
result<api_token> decode_api_token(std::string_view bytes);

} // namespace mantle::psa
