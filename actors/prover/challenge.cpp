#include "actors/prover/challenge.hpp"

#include <botan/hash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

namespace mantle::proof {

namespace {

constexpr char challenge_domain[] = "mantle/challenge/v1";
constexpr char seed_domain[] = "mantle/detect-seed/v1";

void put_be(uint8_t* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) out[i] = static_cast<uint8_t>(v);
}

uint64_t get_be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// Words of the counter-mode PRF stream, four per BLAKE2b-256 block.
class prf_stream {
public:
  prf_stream(const seed32& seed, const std::vector<uint8_t>& key)
      : h_(Botan::HashFunction::create_or_throw("BLAKE2b(256)")) {
    // One resize and memcpy rather than inserts: GCC 12 warns falsely on the insert chain.
    const size_t dlen = sizeof(challenge_domain) - 1;
    prefix_.resize(dlen + seed.size() + 4 + key.size());
    uint8_t* p = prefix_.data();
    std::memcpy(p, challenge_domain, dlen);
    std::memcpy(p + dlen, seed.data(), seed.size());
    put_be(p + dlen + seed.size(), key.size(), 4);
    if (!key.empty()) std::memcpy(p + dlen + seed.size() + 4, key.data(), key.size());
  }

  uint64_t next() {
    if (word_ == 4) refill();
    return get_be64(block_ + 8 * word_++);
  }

private:
  void refill() {
    uint8_t ctr[8];
    put_be(ctr, counter_++, 8);
    h_->update(prefix_.data(), prefix_.size());
    h_->update(ctr, 8);
    h_->final(block_);
    word_ = 0;
  }

  std::unique_ptr<Botan::HashFunction> h_;
  std::vector<uint8_t> prefix_;
  uint8_t block_[32] = {};
  uint64_t counter_ = 0;
  int word_ = 4;
};

} // namespace

std::vector<challenge> select_challenges(const seed32& seed, const std::vector<uint8_t>& node_key,
                                         const std::vector<stored_file>& files, uint32_t count) {
  std::vector<challenge> out;
  // ends[i] = segments of files 0..i; files past UINT64_MAX segments in total cannot exist.
  std::vector<uint64_t> ends;
  ends.reserve(files.size());
  uint64_t total = 0;
  for (const auto& f : files) {
    total = __builtin_add_overflow(total, f.segments, &total) ? UINT64_MAX : total;
    ends.push_back(total);
  }
  if (count == 0 || total == 0) return out;
  // Largest multiple of total that fits in 2^64: words at or above it are rejected.
  const uint64_t rem = (UINT64_MAX % total + 1) % total; // 2^64 mod total
  const uint64_t limit = 0 - rem;                         // 2^64 − rem (0 means "no rejection")
  prf_stream prf(seed, node_key);
  out.reserve(count);
  while (out.size() < count) {
    uint64_t w = prf.next();
    if (limit != 0 && w >= limit) continue;
    uint64_t u = w % total;
    // First file whose end is past u; zero-segment files share their predecessor's end and
    // are skipped by upper_bound.
    auto it = std::upper_bound(ends.begin(), ends.end(), u);
    auto fi = static_cast<uint32_t>(it - ends.begin());
    uint64_t start = fi == 0 ? 0 : ends[fi - 1];
    out.push_back({fi, u - start});
  }
  return out;
}

double detection_probability(double rho, uint32_t c) {
  if (!(rho > 0)) return 0.0;
  if (rho >= 1) return c == 0 ? 0.0 : 1.0;
  // −expm1(c·log1p(−ρ)) keeps precision for small ρ where 1 − (1 − ρ)^c loses digits.
  return -std::expm1(double(c) * std::log1p(-rho));
}

seed32 derive_seed(const seed32& base_seed, uint64_t t) {
  auto h = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  h->update(reinterpret_cast<const uint8_t*>(seed_domain), sizeof(seed_domain) - 1);
  h->update(base_seed.data(), base_seed.size());
  uint8_t ctr[8];
  put_be(ctr, t, 8);
  h->update(ctr, 8);
  seed32 out;
  h->final(out.data());
  return out;
}

detection_estimate estimate_detection(const seed32& base_seed, const std::vector<uint8_t>& node_key,
                                      const std::vector<stored_file>& files,
                                      std::vector<challenge> lost, uint32_t c, uint32_t trials) {
  std::sort(lost.begin(), lost.end());
  detection_estimate est;
  est.trials = trials;
  for (uint32_t t = 0; t < trials; ++t) {
    auto chs = select_challenges(derive_seed(base_seed, t), node_key, files, c);
    bool hit = std::any_of(chs.begin(), chs.end(), [&](const challenge& ch) {
      return std::binary_search(lost.begin(), lost.end(), ch);
    });
    if (hit) ++est.detected;
  }
  return est;
}

} // namespace mantle::proof
