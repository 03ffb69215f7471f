// The remote console's authentication, without CAF: the admin key file, challenge nonces,
// HMAC-SHA256 responses and session tokens (protocol in messages/console.hpp).
//
// The key never crosses the wire: the console hands out a nonce (32 random bytes, hex, usable
// once, valid `nonce_ttl`), the client answers hex(HMAC-SHA256(key, "mantle-console-v1:" +
// nonce)), and a correct answer gets a session token (32 random bytes, hex) that expires after
// `session_idle` without use. Outstanding nonces and sessions are bounded so that an
// unauthenticated client cannot grow the console's memory: the oldest are dropped first.
#pragma once
#include <chrono>
#include <cstddef>
#include <map>
#include <string>

#include "storage/result.hpp"

namespace mantle::console {

constexpr const char* mac_domain = "mantle-console-v1:";


constexpr size_t key_bytes = 32;

// hex(HMAC-SHA256(key, mac_domain + nonce)): what the client sends with con_auth.
std::string response_mac(const std::string& key, const std::string& nonce);

// The admin key from `path` (64 hex characters and an optional newline). When the file does
// not exist and `create` is set, 32 random bytes are written there as hex with mode 0600
// (`*created` tells). A key file readable by group or others is refused: anyone who can read
// it can administer the node.
result<std::string> load_key(const std::string& path, bool create, bool* created = nullptr);

struct auth_limits {
  std::chrono::milliseconds nonce_ttl{30000};
  std::chrono::milliseconds session_idle{std::chrono::hours(12)};
  size_t max_nonces = 64;
  size_t max_sessions = 32;
};

class console_auth {
public:
  using clock = std::chrono::steady_clock;

  explicit console_auth(std::string key, auth_limits limits = {});

  // A fresh challenge.
  std::string issue_nonce(clock::time_point now);

  // A session token when `mac` answers `nonce` (issued here, not used yet, not expired);
  // otherwise errc::permission_denied saying which (unknown or expired nonce, wrong MAC). The
  // nonce is spent either way.
  result<std::string> authenticate(const std::string& nonce, const std::string& mac, clock::time_point now);

  // Whether `token` names a live session; a successful check counts as use.
  bool check(const std::string& token, clock::time_point now);
  void end_session(const std::string& token);

  size_t sessions() const { return sessions_.size(); }
  size_t nonces() const { return nonces_.size(); }

private:
  void expire(clock::time_point now);

  std::string key_;
  auth_limits limits_;
  std::map<std::string, clock::time_point> nonces_;   // nonce -> issued
  std::map<std::string, clock::time_point> sessions_; // token -> last use
};

// A short, log-safe form of a token or nonce ("3fa2b1c0…"), never the whole secret.
std::string abbreviate(const std::string& secret);

} // namespace mantle::console
