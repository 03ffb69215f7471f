#include "storage/multibase.hpp"

#include <array>
#include <vector>

namespace mantle::multibase {
namespace {

constexpr std::string_view b58_alphabet =
  "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr std::string_view b36_alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view b32_alphabet = "abcdefghijklmnopqrstuvwxyz234567";

// Radix conversion for the non-power-of-two bases; inputs are short (keys, CIDs), so the
// quadratic schoolbook method is fine. Leading zero bytes map to leading zero digits.
std::string radix_encode(std::string_view data, std::string_view alphabet) {
  const unsigned radix = static_cast<unsigned>(alphabet.size());
  size_t zeros = 0;
  while (zeros < data.size() && data[zeros] == 0)
    ++zeros;
  std::vector<uint8_t> digits; // little-endian digits in `radix`
  digits.reserve(data.size() * 138 / 100 + 1);
  for (size_t i = zeros; i < data.size(); ++i) {
    unsigned carry = static_cast<uint8_t>(data[i]);
    for (auto& d : digits) {
      carry += static_cast<unsigned>(d) << 8;
      d = static_cast<uint8_t>(carry % radix);
      carry /= radix;
    }
    while (carry > 0) {
      digits.push_back(static_cast<uint8_t>(carry % radix));
      carry /= radix;
    }
  }
  std::string out(zeros, alphabet[0]);
  for (auto it = digits.rbegin(); it != digits.rend(); ++it)
    out.push_back(alphabet[*it]);
  return out;
}

result<std::string> radix_decode(std::string_view text, std::string_view alphabet,
                                 const char* name) {
  const unsigned radix = static_cast<unsigned>(alphabet.size());
  std::array<int, 256> index;
  index.fill(-1);
  for (size_t i = 0; i < alphabet.size(); ++i)
    index[static_cast<uint8_t>(alphabet[i])] = static_cast<int>(i);
  size_t zeros = 0;
  while (zeros < text.size() && text[zeros] == alphabet[0])
    ++zeros;
  std::vector<uint8_t> bytes; // little-endian base-256
  for (size_t i = zeros; i < text.size(); ++i) {
    int v = index[static_cast<uint8_t>(text[i])];
    if (v < 0)
      return make_error(errc::invalid_input, std::string("invalid ") + name + " character '" +
                                               text[i] + "' at offset " + std::to_string(i));
    unsigned carry = static_cast<unsigned>(v);
    for (auto& b : bytes) {
      carry += static_cast<unsigned>(b) * radix;
      b = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  std::string out(zeros, '\0');
  for (auto it = bytes.rbegin(); it != bytes.rend(); ++it)
    out.push_back(static_cast<char>(*it));
  return out;
}

} // namespace

std::string base58btc_encode(std::string_view data) { return radix_encode(data, b58_alphabet); }
result<std::string> base58btc_decode(std::string_view text) {
  return radix_decode(text, b58_alphabet, "base58btc");
}
std::string base36_encode(std::string_view data) { return radix_encode(data, b36_alphabet); }
result<std::string> base36_decode(std::string_view text) {
  std::string lower(text);
  for (auto& c : lower)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return radix_decode(lower, b36_alphabet, "base36");
}

std::string base32_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : data) {
    buffer = (buffer << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      out.push_back(b32_alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0)
    out.push_back(b32_alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

result<std::string> base32_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    int v;
    if (c >= 'a' && c <= 'z')
      v = c - 'a';
    else if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= '2' && c <= '7')
      v = c - '2' + 26;
    else if (c == '=')
      break; // tolerate RFC 4648 padding
    else
      return make_error(errc::invalid_input, std::string("invalid base32 character '") + c +
                                               "' at offset " + std::to_string(i));
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0)
    return make_error(errc::invalid_input, "base32 text has trailing bits");
  return out;
}

std::string base16_encode(std::string_view data) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (char c : data) {
    out.push_back(hex[static_cast<uint8_t>(c) >> 4]);
    out.push_back(hex[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

result<std::string> base16_decode(std::string_view text) {
  if (text.size() % 2 != 0)
    return make_error(errc::invalid_input, "base16 text has an odd length");
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if (hi < 0 || lo < 0)
      return make_error(errc::invalid_input, "invalid base16 character at offset " +
                                               std::to_string(hi < 0 ? i : i + 1));
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::string encode(base b, std::string_view data) {
  std::string out(1, static_cast<char>(b));
  switch (b) {
    case base::base16: out += base16_encode(data); break;
    case base::base32: out += base32_encode(data); break;
    case base::base36: out += base36_encode(data); break;
    case base::base58btc: out += base58btc_encode(data); break;
  }
  return out;
}

result<std::string> decode(std::string_view text) {
  if (text.empty())
    return make_error(errc::invalid_input, "empty multibase string");
  auto body = text.substr(1);
  switch (text[0]) {
    case 'f': case 'F': return base16_decode(body);
    case 'b': case 'B': return base32_decode(body);
    case 'k': case 'K': return base36_decode(body);
    case 'z': return base58btc_decode(body);
    default:
      return make_error(errc::unsupported,
                        std::string("unsupported multibase prefix '") + text[0] + "'");
  }
}

result<base> parse_base(std::string_view name) {
  if (name == "base32") return base::base32;
  if (name == "base58btc") return base::base58btc;
  if (name == "base36") return base::base36;
  if (name == "base16") return base::base16;
  return make_error(errc::invalid_input, "unknown multibase '" + std::string(name) +
                                           "' (expected base32, base58btc, base36 or base16)");
}

} // namespace mantle::multibase
