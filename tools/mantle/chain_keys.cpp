#include "tools/mantle/chain_keys.hpp"

#include <botan/hex.h>

namespace mantle::cli {
namespace {

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
      return false;
  return true;
}

} // namespace

std::string to_hex(std::string_view bytes) {
  return Botan::hex_encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), false);
}

result<std::string> parse_key_hex(std::string_view text, const std::string& what) {
  if (text.size() != 64 || !is_hex(text))
    return error{errc::invalid_input, what + " '" + std::string(text) +
                                          "' is not a key: a key is 64 hex digits (32 bytes), this has " +
                                          std::to_string(text.size()) + " characters" +
                                          (is_hex(text) ? "" : " and not all are hex digits")};
  auto raw = Botan::hex_decode(std::string(text), false);
  return std::string(raw.begin(), raw.end());
}

status check_key_or_name(std::string_view text, const std::string& what) {
  if (text.size() == 64 && is_hex(text))
    return status::success();
  // Keystore names never get this long in hex by accident; such text is a mistyped key.
  if (text.size() >= 40 && is_hex(text))
    return parse_key_hex(text, what).err();
  bool name = !text.empty() && text.size() <= 64;
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      name = false;
  if (!name)
    return error{errc::invalid_input, what + " '" + std::string(text) +
                                          "' is neither a key (64 hex digits) nor an account name (1-64 of A-Z a-z 0-9 _ . -)"};
  return status::success();
}

} // namespace mantle::cli
