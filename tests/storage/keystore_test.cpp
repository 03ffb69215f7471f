#include <catch2/catch.hpp>

#include <fstream>
#include <sys/stat.h>

#include "storage/keystore.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;

TEST_CASE("keystore: accounts are created, saved 0600 and read back", "[keystore]") {
  test::temp_dir dir;
  auto path = dir.path + "/keystore";
  auto ks = keystore::open(path);
  REQUIRE(ks);
  CHECK(ks->accounts().empty());
  CHECK_FALSE(ks->select(""));
  auto alice = ks->create("alice");
  REQUIRE(alice);
  auto alice_key = (*alice)->key.public_key();
  REQUIRE(ks->create("bob", std::string(32, '\x07')));
  CHECK(ks->create("alice").err().code == errc::conflict);
  CHECK(ks->create("bad name!").err().code == errc::invalid_input);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto again = keystore::open(path);
  REQUIRE(again);
  REQUIRE(again->accounts().size() == 2);
  CHECK(again->find("alice")->key.public_key() == alice_key);
  CHECK((*again->select(""))->name == "alice");
  auto bob_key = node_identity::from_seed(std::string(32, '\x07'))->public_key();
  CHECK(again->find("bob")->key.public_key() == bob_key);
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bob_key) {
    hex.push_back(digits[c >> 4]);
    hex.push_back(digits[c & 15]);
  }
  CHECK((*again->select(hex))->name == "bob");
  CHECK(again->select("carol").err().code == errc::not_found);
}

TEST_CASE("keystore: a world-readable or garbled file is refused with a reason", "[keystore]") {
  test::temp_dir dir;
  auto path = dir.path + "/keystore";
  {
    std::ofstream out(path);
    out << "{\"accounts\": [{\"name\": \"x\", \"key\": \"zz\"}]}";
  }
  ::chmod(path.c_str(), 0644);
  auto r = keystore::open(path);
  REQUIRE_FALSE(r);
  CHECK(r.err().message.find("chmod 600") != std::string::npos);
  ::chmod(path.c_str(), 0600);
  r = keystore::open(path);
  REQUIRE_FALSE(r);
  CHECK(r.err().code == errc::corrupt);
  {
    std::ofstream out(path);
    out << "not json";
  }
  CHECK(keystore::open(path).err().code == errc::corrupt);
}
