// Mempool micro-benchmark: adds per second and the time of one reap, for 10 000 and 100 000
// pending txs (1 000 senders with consecutive nonces, 200-byte txs, hashes computed beforehand
// so only the pool is timed). Also a hostile mix: a full pool where every add evicts. Prints
// JSON, one object per line. Times are this thread's CPU time, so other load on a shared machine
// does not inflate them (cache contention still can).
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "actors/validator/chain_types.hpp"
#include "actors/validator/mempool.hpp"

using namespace mantle::chain;

// CPU time of the calling thread.
struct clk {
  using time_point = double;
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  }
};

namespace {

struct tx {
  mempool::tx_info info;
  std::string bytes;
};

std::vector<tx> make_txs(size_t n, size_t senders, uint64_t fee_base, const char* tag) {
  std::vector<tx> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    tx t;
    size_t s = i % senders;
    uint64_t nonce = i / senders;
    t.bytes = std::string(tag) + std::to_string(s) + "/" + std::to_string(nonce);
    t.bytes.resize(200, '.');
    t.info = {hash(t.bytes), hash("sender " + std::to_string(s)), nonce, fee_base + (i * 7919) % 1000, t.bytes.size()};
    out.push_back(std::move(t));
  }
  return out;
}

double secs(double a, double b) { return b - a; }

void run(size_t n) {
  const size_t senders = 1000;
  mempool_limits lim;
  lim.max_txs = n;
  lim.max_per_sender = n / senders;
  lim.max_nonce_ahead = n / senders;
  mempool pool(lim);
  auto txs = make_txs(n, senders, 1, "tx");
  auto nonce0 = [](std::string_view) { return uint64_t{0}; };

  auto t0 = clk::now();
  size_t ok = 0;
  for (auto& t : txs)
    ok += pool.add(t.info, std::move(t.bytes), 0).ok();
  auto t1 = clk::now();
  auto all = pool.reap(n, SIZE_MAX, nonce0);
  auto t2 = clk::now();
  auto block = pool.reap(5000, 1 << 20, nonce0);
  auto t3 = clk::now();
  std::vector<std::string> committed;
  for (auto* t : block)
    committed.push_back(t->info.hash);
  size_t removed = pool.remove_committed(committed);
  auto t4 = clk::now();
  // The block moved every sender's nonce on by 5 (5000 txs over 1000 senders).
  size_t dropped = pool.recheck([](std::string_view) { return uint64_t{5}; });
  auto t5 = clk::now();

  // Refill the 5000 free slots, then n/10 more that each pay more than everything pending
  // and evict one.
  auto extra = make_txs(5000 + n / 10, senders, 2000, "ex");
  auto t6 = clk::now();
  size_t evicted = 0;
  for (size_t i = 0; i < extra.size(); ++i) {
    // Each from a new account, nonce 0.
    auto& t = extra[i];
    t.info.sender = hash("new sender " + std::to_string(i));
    t.info.nonce = 0;
    auto r = pool.add(t.info, std::move(t.bytes), 0);
    evicted += r.evicted;
  }
  auto t7 = clk::now();

  std::printf("{\"txs\":%zu,\"accepted\":%zu,\"adds_per_s\":%.0f,\"add_ns\":%.0f,\"reap_all_ms\":%.3f,"
              "\"reaped\":%zu,\"reap_block_ms\":%.3f,\"block_txs\":%zu,\"remove_committed_ms\":%.3f,"
              "\"removed\":%zu,\"recheck_ms\":%.3f,\"rechecked_out\":%zu,\"evicting_adds_per_s\":%.0f,"
              "\"evicted\":%zu}\n",
              n, ok, n / secs(t0, t1), secs(t0, t1) * 1e9 / n, secs(t1, t2) * 1e3, all.size(), secs(t2, t3) * 1e3,
              block.size(), secs(t3, t4) * 1e3, removed, secs(t4, t5) * 1e3, dropped, extra.size() / secs(t6, t7),
              evicted);
}

} // namespace

int main() {
  run(10000);
  run(100000);
  return 0;
}
