#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "actors/console/console_auth.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::console;
using clock_type = console_auth::clock;
using std::chrono::milliseconds;

namespace {
const std::string key(32, '\x07');
}

TEST_CASE("console MAC is HMAC-SHA256 over the domain and the nonce", "[console][auth]") {
  // Expected values from Python's hmac module: hmac.new(key, b"mantle-console-v1:" + nonce, sha256).
  CHECK(response_mac(key, "00ff") == "152bcaffa14909b8ea9b9e6edf6576f4a33322a3b68a4aa616fa79c3dde8f431");
  CHECK(response_mac("", "abc") == "7537d8cae433b306dbf5ae0487e908607449d8637703500000803cb69c356aae");
  CHECK(response_mac(key, "00fe") != response_mac(key, "00ff"));
}

TEST_CASE("console login: a correct answer gets a session, the nonce is spent", "[console][auth]") {
  console_auth auth(key);
  auto t0 = clock_type::now();
  auto nonce = auth.issue_nonce(t0);
  CHECK(nonce.size() == 64);
  CHECK(auth.issue_nonce(t0) != nonce);
  auto token = auth.authenticate(nonce, response_mac(key, nonce), t0 + milliseconds(10));
  REQUIRE(token);
  CHECK(token->size() == 64);
  CHECK(auth.check(*token, t0 + milliseconds(20)));
  CHECK_FALSE(auth.check("not-a-token", t0));
  // Replaying the same answer fails: the nonce is gone.
  auto again = auth.authenticate(nonce, response_mac(key, nonce), t0 + milliseconds(30));
  REQUIRE_FALSE(again);
  CHECK(again.err().code == errc::permission_denied);
  auth.end_session(*token);
  CHECK_FALSE(auth.check(*token, t0 + milliseconds(40)));
}

TEST_CASE("console login: wrong key, unknown and stale nonces are refused", "[console][auth]") {
  auth_limits lim;
  lim.nonce_ttl = milliseconds(1000);
  console_auth auth(key, lim);
  auto t0 = clock_type::now();
  auto n1 = auth.issue_nonce(t0);
  auto wrong = auth.authenticate(n1, response_mac(std::string(32, 'x'), n1), t0);
  REQUIRE_FALSE(wrong);
  CHECK(wrong.err().code == errc::permission_denied);
  CHECK(wrong.err().message.find("wrong key") != std::string::npos);
  // A wrong answer spends the nonce too: no guessing against one challenge.
  CHECK_FALSE(auth.authenticate(n1, response_mac(key, n1), t0));
  auto unknown = auth.authenticate("abcd", response_mac(key, "abcd"), t0);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.err().message.find("unknown") != std::string::npos);
  auto n2 = auth.issue_nonce(t0);
  auto stale = auth.authenticate(n2, response_mac(key, n2), t0 + milliseconds(1001));
  REQUIRE_FALSE(stale);
  CHECK(stale.err().message.find("expired") != std::string::npos);
  CHECK(auth.sessions() == 0);
  // An empty or truncated answer is refused, never compared out of bounds.
  auto n3 = auth.issue_nonce(t0);
  CHECK_FALSE(auth.authenticate(n3, "", t0));
}

TEST_CASE("console sessions expire when idle; use keeps them alive", "[console][auth]") {
  auth_limits lim;
  lim.session_idle = milliseconds(1000);
  console_auth auth(key, lim);
  auto t0 = clock_type::now();
  auto n = auth.issue_nonce(t0);
  auto token = auth.authenticate(n, response_mac(key, n), t0);
  REQUIRE(token);
  CHECK(auth.check(*token, t0 + milliseconds(900)));
  CHECK(auth.check(*token, t0 + milliseconds(1800))); // 900 ms after the last use
  CHECK_FALSE(auth.check(*token, t0 + milliseconds(2900)));
}

TEST_CASE("console nonces and sessions are bounded", "[console][auth]") {
  auth_limits lim;
  lim.max_nonces = 4;
  lim.max_sessions = 2;
  console_auth auth(key, lim);
  auto t0 = clock_type::now();
  std::vector<std::string> nonces;
  for (int k = 0; k < 10; ++k)
    nonces.push_back(auth.issue_nonce(t0 + milliseconds(k)));
  CHECK(auth.nonces() == 4);
  CHECK_FALSE(auth.authenticate(nonces[0], response_mac(key, nonces[0]), t0 + milliseconds(20))); // dropped
  std::vector<std::string> tokens;
  for (int k = 6; k < 10; ++k) {
    auto t = auth.authenticate(nonces[k], response_mac(key, nonces[k]), t0 + milliseconds(30 + k));
    REQUIRE(t);
    tokens.push_back(*t);
  }
  CHECK(auth.sessions() == 2);
  CHECK_FALSE(auth.check(tokens[0], t0 + milliseconds(50)));
  CHECK(auth.check(tokens[3], t0 + milliseconds(50)));
}

TEST_CASE("console key file: generated 0600 on first start, read back, checked", "[console][auth]") {
  test::temp_dir dir;
  auto path = dir.path + "/console.key";
  bool created = false;
  CHECK_FALSE(load_key(path, false, &created)); // not there, not asked to create
  auto k1 = load_key(path, true, &created);
  REQUIRE(k1);
  CHECK(created);
  CHECK(k1->size() == key_bytes);
  struct stat sb;
  REQUIRE(::stat(path.c_str(), &sb) == 0);
  CHECK((sb.st_mode & 0777) == 0600);
  auto k2 = load_key(path, true, &created);
  REQUIRE(k2);
  CHECK_FALSE(created);
  CHECK(*k2 == *k1);

  ::chmod(path.c_str(), 0644);
  auto open_to_all = load_key(path, true);
  REQUIRE_FALSE(open_to_all);
  CHECK(open_to_all.err().message.find("chmod 600") != std::string::npos);

  auto bad = dir.path + "/bad.key";
  { std::ofstream(bad) << "not hex at all\n"; }
  ::chmod(bad.c_str(), 0600);
  auto malformed = load_key(bad, true);
  REQUIRE_FALSE(malformed);
  CHECK(malformed.err().code == errc::invalid_input);
}

TEST_CASE("console secrets are abbreviated in logs", "[console][auth]") {
  CHECK(abbreviate("0123456789abcdef") == "01234567...");
  CHECK(abbreviate("abc") == "***");
}
