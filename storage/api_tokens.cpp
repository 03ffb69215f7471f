#include "storage/api_tokens.hpp"

#include <botan/base64.h>
#include <botan/hash.h>
#include <botan/hex.h>
#include <botan/mem_ops.h>
#include <botan/system_rng.h>

#include "storage/msgpack_read.hpp"

namespace mantle::psa {

namespace {

// base64url without padding: the secret goes into an HTTP header and shell commands as is.
std::string base64url(const uint8_t* data, size_t n) {
  std::string s = Botan::base64_encode(data, n);
  while (!s.empty() && s.back() == '=')
    s.pop_back();
  for (auto& c : s) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return s;
}

std::string random_hex(size_t bytes) {
  Botan::System_RNG rng;
  std::vector<uint8_t> buf(bytes);
  rng.randomize(buf.data(), buf.size());
  return Botan::hex_encode(buf, false);
}

} // namespace

status check_token_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return make_error(errc::invalid_input, "token name must be 1 to 64 characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return make_error(errc::invalid_input,
                        "token name may only contain letters, digits, '.', '_' and '-'");
  }
  if (looks_like_token_id(name))
    return make_error(errc::invalid_input, "token name must not look like a token id (16 hex digits)");
  return {};
}

bool looks_like_token_id(std::string_view s) {
  if (s.size() != 16)
    return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

minted_token mint_token(const std::string& name, uint64_t now_ms) {
  Botan::System_RNG rng;
  uint8_t raw[32];
  rng.randomize(raw, sizeof raw);
  minted_token out;
  out.secret = std::string(token_prefix) + base64url(raw, sizeof raw);
  Botan::secure_scrub_memory(raw, sizeof raw);
  out.record.id = random_hex(8);
  out.record.name = name;
  out.record.sha256_hex = token_hash(out.secret);
  out.record.created_ms = now_ms;
  return out;
}

std::string token_hash(std::string_view secret) {
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  h->update(reinterpret_cast<const uint8_t*>(secret.data()), secret.size());
  return Botan::hex_encode(h->final(), false);
}

bool same_hash(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  return Botan::constant_time_compare(reinterpret_cast<const uint8_t*>(a.data()),
                                      reinterpret_cast<const uint8_t*>(b.data()), a.size());
}

bool token_matches(const api_token& t, std::string_view secret) {
  return same_hash(t.sha256_hex, token_hash(secret));
}

std::string encode(const api_token& t) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(4);
  pk.pack(t.id);
  pk.pack(t.name);
  pk.pack(t.sha256_hex);
  pk.pack_uint64(t.created_ms);
  return std::string(buf.data(), buf.size());
}

result<api_token> decode_api_token(std::string_view bytes) {
  auto bad = [](const std::string& why) { return make_error(errc::corrupt, "api token record: " + why); };
  auto oh = unpack_whole(bytes, msgpack::unpack_limit(16, 16, 4096, 16, 16, 4), "api token record");
  if (!oh)
    return oh.err();
  const msgpack::object& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 4)
    return bad("expected an array of 4 fields");
  const msgpack::object* f = o.via.array.ptr;
  for (int i = 0; i < 3; ++i)
    if (f[i].type != msgpack::type::STR)
      return bad("field " + std::to_string(i) + " is not a string");
  if (f[3].type != msgpack::type::POSITIVE_INTEGER)
    return bad("created time is not an unsigned integer");
  api_token t;
  t.id.assign(f[0].via.str.ptr, f[0].via.str.size);
  t.name.assign(f[1].via.str.ptr, f[1].via.str.size);
  t.sha256_hex.assign(f[2].via.str.ptr, f[2].via.str.size);
  t.created_ms = f[3].via.u64;
  return t;
}

} // namespace mantle::psa
