// Challenge selection: the same on every node, proportional to segment counts, uniform within
// a file, and detecting lost data at the rate 1 − (1 − ρ)^c predicts. All seeds are fixed.
#include <catch2/catch.hpp>

#include <botan/hash.h>

#include <cmath>
#include <set>

#include "actors/prover/challenge.hpp"

using namespace mantle::proof;

namespace {

seed32 seed_of(uint8_t b) {
  seed32 s;
  s.fill(b);
  return s;
}

const std::vector<uint8_t> key_a(32, 0xAA);
const std::vector<uint8_t> key_b(32, 0xBB);

std::vector<stored_file> files_of(const std::vector<uint64_t>& counts) {
  std::vector<stored_file> out;
  for (size_t i = 0; i < counts.size(); ++i) out.push_back({"file" + std::to_string(i), counts[i]});
  return out;
}

// Pearson's statistic of observed counts against expected ones.
double chi_square(const std::vector<uint64_t>& observed, const std::vector<double>& expected) {
  double x = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    double d = double(observed[i]) - expected[i];
    x += d * d / expected[i];
  }
  return x;
}

} // namespace

TEST_CASE("challenges are the same for the same inputs and differ otherwise", "[proof][challenge]") {
  auto files = files_of({10, 200, 3, 4096});
  auto a1 = select_challenges(seed_of(1), key_a, files, 460);
  auto a2 = select_challenges(seed_of(1), key_a, files, 460);
  REQUIRE(a1.size() == 460);
  CHECK(a1 == a2);
  CHECK(select_challenges(seed_of(2), key_a, files, 460) != a1);
  CHECK(select_challenges(seed_of(1), key_b, files, 460) != a1);
  // A prefix of a longer draw: the count does not change earlier challenges.
  auto a100 = select_challenges(seed_of(1), key_a, files, 100);
  CHECK(std::equal(a100.begin(), a100.end(), a1.begin()));
  for (const auto& c : a1) {
    REQUIRE(c.file_index < files.size());
    CHECK(c.segment_index < files[c.file_index].segments);
  }
}

TEST_CASE("first challenge follows the documented PRF", "[proof][challenge]") {
  // Recompute block 0 by hand: BLAKE2b-256(domain || seed || u32be(32) || key || u64be(0)).
  auto h = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  std::string domain = "mantle/challenge/v1";
  auto seed = seed_of(7);
  h->update(reinterpret_cast<const uint8_t*>(domain.data()), domain.size());
  h->update(seed.data(), seed.size());
  const uint8_t len[4] = {0, 0, 0, 32};
  h->update(len, 4);
  h->update(key_a.data(), key_a.size());
  const uint8_t ctr[8] = {};
  h->update(ctr, 8);
  auto block = h->final();
  uint64_t w = 0;
  for (int i = 0; i < 8; ++i) w = (w << 8) | block[i];
  // total 1000: rejection only above 2^64 − (2^64 mod 1000), a 1-in-10^16 case
  auto files = files_of({300, 700});
  uint64_t u = w % 1000;
  auto got = select_challenges(seed, key_a, files, 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].file_index == (u < 300 ? 0u : 1u));
  CHECK(got[0].segment_index == (u < 300 ? u : u - 300));
}

TEST_CASE("no files, no segments or no count give no challenges", "[proof][challenge]") {
  CHECK(select_challenges(seed_of(1), key_a, {}, 460).empty());
  CHECK(select_challenges(seed_of(1), key_a, files_of({0, 0}), 460).empty());
  CHECK(select_challenges(seed_of(1), key_a, files_of({5}), 0).empty());
  CHECK(select_challenges(seed_of(1), {}, files_of({5}), 3).size() == 3); // empty key still works
}

TEST_CASE("single-segment files are all challenged at segment 0, empty files never", "[proof][challenge]") {
  auto files = files_of({1, 0, 1, 1, 0, 1, 1});
  std::set<uint32_t> seen;
  for (uint8_t s = 0; s < 20; ++s)
    for (const auto& c : select_challenges(seed_of(s), key_a, files, 50)) {
      CHECK(c.segment_index == 0);
      CHECK(files[c.file_index].segments == 1);
      seen.insert(c.file_index);
    }
  CHECK(seen == std::set<uint32_t>{0, 2, 3, 5, 6});
}

TEST_CASE("challenges spread over files in proportion to their segment counts", "[proof][challenge]") {
  std::vector<uint64_t> counts = {1, 9, 90, 900, 3000}; // 4000 segments
  auto files = files_of(counts);
  std::vector<uint64_t> hits(counts.size(), 0);
  const uint32_t seeds = 200, c = 460;
  for (uint32_t s = 0; s < seeds; ++s)
    for (const auto& ch : select_challenges(derive_seed(seed_of(0), s), key_a, files, c))
      ++hits[ch.file_index];
  std::vector<double> expected;
  for (auto n : counts) expected.push_back(double(seeds) * c * n / 4000.0);
  double x = chi_square(hits, expected);
  INFO("chi-square " << x << " with 4 degrees of freedom");
  // 4 d.o.f.: P(X > 25) ≈ 5e-5 for a fair sampler; a skew of a few percent exceeds it by far.
  CHECK(x < 25);
}

TEST_CASE("segments within a file are challenged uniformly", "[proof][challenge]") {
  // 37 segments: not a power of two, so the modulo reduction matters.
  auto files = files_of({37});
  std::vector<uint64_t> hits(37, 0);
  const uint32_t seeds = 100, c = 460;
  for (uint32_t s = 0; s < seeds; ++s)
    for (const auto& ch : select_challenges(derive_seed(seed_of(3), s), key_b, files, c))
      ++hits[ch.segment_index];
  std::vector<double> expected(37, double(seeds) * c / 37.0);
  double x = chi_square(hits, expected);
  INFO("chi-square " << x << " with 36 degrees of freedom");
  CHECK(x < 80); // 36 d.o.f.: P(X > 80) ≈ 3e-5
}

TEST_CASE("huge segment totals reach the whole range despite rejection", "[proof][challenge]") {
  // total 3 × 2^62: words in the top quarter of u64 are rejected, the rest map onto [0, total).
  auto files = files_of({uint64_t{1} << 62, uint64_t{1} << 63});
  bool upper = false;
  for (const auto& ch : select_challenges(seed_of(9), key_a, files, 400)) {
    REQUIRE(ch.segment_index < files[ch.file_index].segments);
    if (ch.file_index == 1 && ch.segment_index >= (uint64_t{1} << 62)) upper = true;
  }
  CHECK(upper);
}

TEST_CASE("theoretical detection probability", "[proof][challenge]") {
  CHECK(detection_probability(0.01, 460) == Approx(1 - std::pow(0.99, 460)));
  CHECK(detection_probability(0.01, 460) > 0.99); // the DESIGN.md claim: 460 → 1% at 99%
  CHECK(detection_probability(0.01, 459) > 0.99);
  CHECK(detection_probability(0.01, 458) < 0.99);
  CHECK(detection_probability(0.1, 10) == Approx(1 - std::pow(0.9, 10)));
  CHECK(detection_probability(0, 460) == 0);
  CHECK(detection_probability(1, 460) == 1);
  CHECK(detection_probability(0.5, 0) == 0);
  CHECK(detection_probability(1e-12, 1) == Approx(1e-12)); // no cancellation for tiny ρ
}

TEST_CASE("empirical detection matches 1 - (1 - rho)^c", "[proof][challenge]") {
  // 20 files × 500 segments = 10,000; lose every k-th segment in node order (ρ = 1 / k).
  auto files = files_of(std::vector<uint64_t>(20, 500));
  auto lost_every = [&](uint64_t k) {
    std::vector<challenge> lost;
    for (uint64_t g = 0; g < 10000; g += k) lost.push_back({uint32_t(g / 500), g % 500});
    return lost;
  };
  const uint32_t trials = 2000;
  struct run_case {
    uint64_t k;
    uint32_t c;
    double tol; // ≈ 4 standard deviations of the estimate at 2000 trials, at least 0.005
  };
  for (auto rc : {run_case{100, 460, 0.01}, run_case{10, 460, 0.005}, run_case{100, 100, 0.045},
                  run_case{10, 10, 0.045}}) {
    double rho = 1.0 / rc.k;
    auto est = estimate_detection(seed_of(42), key_a, files, lost_every(rc.k), rc.c, trials);
    double want = detection_probability(rho, rc.c);
    INFO("rho " << rho << " c " << rc.c << ": measured " << est.rate() << " theory " << want);
    CHECK(est.trials == trials);
    CHECK(std::abs(est.rate() - want) <= rc.tol);
  }
  // Nothing lost: never detected.
  CHECK(estimate_detection(seed_of(42), key_a, files, {}, 460, 100).detected == 0);
}
