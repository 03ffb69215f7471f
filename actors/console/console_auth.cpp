#include "actors/console/console_auth.hpp"

#include <botan/auto_rng.h>
#include <botan/hex.h>
#include <botan/mac.h>
#include <botan/mem_ops.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mantle::console {

namespace {

std::string random_hex(size_t n) {
  Botan::AutoSeeded_RNG rng;
  auto bytes = rng.random_vec(n);
  return Botan::hex_encode(bytes.data(), bytes.size(), false);
}

error refused(std::string why) { return make_error(errc::permission_denied, std::move(why)); }

// Drops the entry with the oldest time stamp.
void drop_oldest(std::map<std::string, console_auth::clock::time_point>& m) {
  auto oldest = std::min_element(m.begin(), m.end(), [](auto& a, auto& b) { return a.second < b.second; });
  if (oldest != m.end())
    m.erase(oldest);
}

// A fresh random 256-bit token entered in `m` at `now`, the oldest entries making room past `max`.
std::string add_token(std::map<std::string, console_auth::clock::time_point>& m, size_t max,
                      console_auth::clock::time_point now) {
  while (!m.empty() && m.size() >= max)
    drop_oldest(m);
  auto token = random_hex(32);
  m[token] = now;
  return token;
}

} // namespace

std::string response_mac(const std::string& key, const std::string& nonce) {
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(SHA-256)");
  mac->set_key(reinterpret_cast<const uint8_t*>(key.data()), key.size());
  std::string msg = std::string(mac_domain) + nonce;
  mac->update(reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
  auto tag = mac->final();
  return Botan::hex_encode(tag.data(), tag.size(), false);
}

result<std::string> load_key(const std::string& path, bool create, bool* created) {
  if (created)
    *created = false;
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) {
    if (errno != ENOENT || !create)
      return make_error(errc::not_found, "cannot read the console key " + path + ": " + std::strerror(errno));
    std::string hex = random_hex(key_bytes) + "\n";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
      return make_error(errc::io_error, "cannot create the console key " + path + ": " + std::strerror(errno));
    bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(path.c_str());
      return make_error(errc::io_error, "cannot write the console key " + path);
    }
    if (created)
      *created = true;
  } else if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return make_error(errc::invalid_input, "the console key " + path + " is readable by other users (mode " +
                                               [&] { std::ostringstream o; o << std::oct << (sb.st_mode & 0777); return o.str(); }() +
                                               "): chmod 600 it");
  }
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text))
    return make_error(errc::io_error, "cannot read the console key " + path);
  while (!text.empty() && (text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  if (text.size() != key_bytes * 2 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    return make_error(errc::invalid_input, "the console key " + path + " is not " + std::to_string(key_bytes * 2) +
                                               " hex characters (delete it to have a new one generated)");
  auto bytes = Botan::hex_decode(text);
  return std::string(bytes.begin(), bytes.end());
}

console_auth::console_auth(std::string key, auth_limits limits) : key_(std::move(key)), limits_(limits) {}

void console_auth::expire(clock::time_point now) {
  for (auto it = nonces_.begin(); it != nonces_.end();)
    it = now - it->second > limits_.nonce_ttl ? nonces_.erase(it) : std::next(it);
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = now - it->second > limits_.session_idle ? sessions_.erase(it) : std::next(it);
}

std::string console_auth::issue_nonce(clock::time_point now) {
  expire(now);
  return add_token(nonces_, limits_.max_nonces, now);
}

result<std::string> console_auth::authenticate(const std::string& nonce, const std::string& mac,
                                               clock::time_point now) {
  auto it = nonces_.find(nonce);
  if (it == nonces_.end())
    return refused("unknown or already used challenge (ask for a new one with con_hello)");
  bool stale = now - it->second > limits_.nonce_ttl;
  nonces_.erase(it);
  if (stale)
    return refused("the challenge expired (answer within " + std::to_string(limits_.nonce_ttl.count() / 1000) + " s)");
  auto expected = response_mac(key_, nonce);
  if (mac.size() != expected.size() ||
      !Botan::constant_time_compare(reinterpret_cast<const uint8_t*>(mac.data()),
                                    reinterpret_cast<const uint8_t*>(expected.data()), expected.size()))
    return refused("wrong key (the answer to the challenge does not match the node's console key)");
  expire(now);
  return add_token(sessions_, limits_.max_sessions, now);
}

bool console_auth::check(const std::string& token, clock::time_point now) {
  auto it = sessions_.find(token);
  if (it == sessions_.end())
    return false;
  if (now - it->second > limits_.session_idle) {
    sessions_.erase(it);
    return false;
  }
  it->second = now;
  return true;
}

void console_auth::end_session(const std::string& token) { sessions_.erase(token); }

std::string abbreviate(const std::string& secret) {
  return secret.size() <= 8 ? std::string(secret.size(), '*') : secret.substr(0, 8) + "...";
}

} // namespace mantle::console
