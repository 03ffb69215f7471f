// Multihash: <varint code><varint length><digest>. Mantle stores and addresses blocks by the
// multihash alone, so CIDv0 and CIDv1 of the same bytes share storage.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle::multihash {

constexpr uint64_t identity = 0x00;
constexpr uint64_t sha2_256 = 0x12;
constexpr uint64_t blake2b_256 = 0xb220;

struct view {
  uint64_t code = 0;
  std::string_view digest;
};

// Validates the framing of a complete multihash (no trailing bytes).
result<view> parse(std::string_view mh);
// Reads a multihash from the front of `in` (as inside a binary CID) and advances it.
result<view> read(std::string_view& in);

std::string wrap(uint64_t code, std::string_view digest);
// SHA-256 (SHA-NI accelerated through Botan) as a multihash.
std::string sha256(std::string_view data);
void sha256_raw(std::string_view data, uint8_t out[32]);
// Recomputes the hash of `data` and compares; unsupported codes are an error.
status verify(std::string_view mh, std::string_view data);

} // namespace mantle::multihash
