#include <catch2/catch.hpp>

#include "storage/api_tokens.hpp"

using namespace mantle;
using namespace mantle::psa;

TEST_CASE("minted tokens have a one-time secret and store only its hash", "[api_tokens]") {
  auto a = mint_token("ci", 1234);
  auto b = mint_token("ci", 1234);
  REQUIRE(a.secret.rfind("mantle_", 0) == 0);
  CHECK(a.secret.size() == 7 + 43); // 32 bytes in unpadded base64url
  CHECK(a.secret.find_first_of("+/=") == std::string::npos);
  CHECK(a.secret != b.secret);
  CHECK(a.record.id != b.record.id);
  CHECK(looks_like_token_id(a.record.id));
  CHECK(a.record.sha256_hex.size() == 64);
  CHECK(a.record.sha256_hex.find(a.secret) == std::string::npos);
  CHECK(encode(a.record).find(a.secret) == std::string::npos);
  CHECK(token_matches(a.record, a.secret));
  CHECK_FALSE(token_matches(a.record, b.secret));
  CHECK_FALSE(token_matches(a.record, ""));
  CHECK_FALSE(token_matches(a.record, a.secret + "x"));
}

TEST_CASE("token hash is SHA-256 hex", "[api_tokens]") {
  CHECK(token_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(same_hash("ab", "ab"));
  CHECK_FALSE(same_hash("ab", "ac"));
  CHECK_FALSE(same_hash("ab", "abc"));
}

TEST_CASE("token names are checked", "[api_tokens]") {
  CHECK(check_token_name("ci-bot_1.x"));
  CHECK_FALSE(check_token_name(""));
  CHECK_FALSE(check_token_name(std::string(65, 'a')));
  CHECK_FALSE(check_token_name("has space"));
  CHECK_FALSE(check_token_name("semi;colon"));
  CHECK_FALSE(check_token_name("0123456789abcdef")); // would be ambiguous with an id
  CHECK(check_token_name("0123456789abcdeF"));
}

TEST_CASE("token records round-trip and reject garbage", "[api_tokens]") {
  auto m = mint_token("n", 99);
  auto back = decode_api_token(encode(m.record));
  REQUIRE(back);
  CHECK(back->id == m.record.id);
  CHECK(back->name == "n");
  CHECK(back->sha256_hex == m.record.sha256_hex);
  CHECK(back->created_ms == 99);
  CHECK(decode_api_token("").err().code == errc::corrupt);
  CHECK(decode_api_token("\x93\x01\x02\x03").err().code == errc::corrupt);
  std::string enc = encode(m.record);
  CHECK(decode_api_token(enc + "x").err().code == errc::corrupt);
  CHECK_FALSE(decode_api_token(enc.substr(0, enc.size() - 1)));
}
