// Replays the committed fuzz corpus (tools/fuzz/corpus/<target>/, kept by tools/fuzz/run.sh
// --minimize, crashers included once fixed) and the generated seeds (valid CARs, blocks,
// transactions...) through every fuzz target, then a few thousand deterministic mutations of
// them: CI has no clang, but a parser that regresses on an input a fuzzer once found, or on a
// small mutation of a valid one, fails here.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "storage/result.hpp"
#include "tools/fuzz/fuzz_seeds.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::pair<std::string, std::string>> corpus_of(const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  fs::path dir = fs::path(MANTLE_SOURCE_DIR) / "tools/fuzz/corpus" / target;
  if (!fs::is_directory(dir))
    return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    out.emplace_back(e.path().filename().string(),
                     std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string mutate(std::string s, std::mt19937& rng) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  int edits = 1 + static_cast<int>(pick(4));
  for (int i = 0; i < edits; ++i) {
    switch (pick(5)) {
    case 0: // flip a bit
      if (!s.empty())
        s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
      break;
    case 1: // truncate
      if (!s.empty())
        s.resize(pick(s.size()));
      break;
    case 2: // insert a byte
      s.insert(s.begin() + static_cast<std::ptrdiff_t>(pick(s.size() + 1)), static_cast<char>(pick(256)));
      break;
    case 3: // set a byte to an edge value
      if (!s.empty())
        s[pick(s.size())] = static_cast<char>(std::vector<int>{0, 1, 0x7f, 0x80, 0xff}[pick(5)]);
      break;
    default: // duplicate a slice
      if (!s.empty()) {
        size_t from = pick(s.size());
        size_t n = 1 + pick(std::min<size_t>(64, s.size() - from));
        s.insert(pick(s.size() + 1), s.substr(from, n));
      }
      break;
    }
  }
  return s;
}

} // namespace

TEST_CASE("every fuzz target survives its committed corpus, its seeds and mutations of them", "[fuzz]") {
  auto seeds = mantle::fuzz::make_seeds(MANTLE_SOURCE_DIR);
  for (const auto& t : mantle::fuzz::targets) {
    auto corpus = corpus_of(t.name);
    INFO("target " << t.name);
    // Without inputs this test would pass vacuously: every target has seeds and kept inputs.
    REQUIRE(!seeds[t.name].empty());
    REQUIRE(corpus.size() >= 3);
    for (auto& s : seeds[t.name])
      corpus.emplace_back("seed " + s.first, s.second);
    for (const auto& [name, bytes] : corpus) {
      INFO("input " << t.name << "/" << name);
      CHECK_NOTHROW(t.run(bytes));
    }
    std::mt19937 rng(20261130);
    // http_wire makes two loopback connections per input and block_store opens a fresh LMDB
    // store (milliseconds each): fewer of those.
    const std::string_view name(t.name);
    const size_t mutations = name == "http_wire" || name == "block_store" ? 1000 : 20000;
    for (size_t i = 0; i < mutations; ++i) {
      const auto& [name, bytes] = corpus[i % corpus.size()];
      std::string m = mutate(bytes, rng);
      try {
        t.run(m);
      } catch (const std::exception& e) {
        FAIL("mutation " << i << " of " << t.name << "/" << name << ": " << e.what());
      }
    }
  }
}

TEST_CASE("a fuzz target's check() reports a violated property", "[fuzz]") {
  // The harness must be able to fail: a decoder whose encoding does not decode is caught.
  auto decode = [](std::string_view s) -> mantle::result<std::string> { return std::string(s); };
  auto bad_encode = [](const std::string& s) { return s + "x"; };
  CHECK_THROWS_AS(mantle::fuzz::check_roundtrip("abc", decode, bad_encode, "test"), mantle::fuzz::violation);
  auto good_encode = [](const std::string& s) { return s; };
  CHECK_NOTHROW(mantle::fuzz::check_roundtrip("abc", decode, good_encode, "test"));
  CHECK_THROWS_AS(mantle::fuzz::check(false, "x"), mantle::fuzz::violation);
}
