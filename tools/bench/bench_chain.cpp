// The chain benchmark of issue #5: finalized transfers per second through N validators on
// loopback, against this machine's single-core Ed25519 verify rate measured in the same run,
// and the time to finality of a single transaction. tools/bench/chain_bench.sh runs it all.
//
// usage:
//   bench_chain setup DIR N SENDERS [block_time_ms=200]
//       DIR/node0..N-1/identity.key (fresh node keys, the nodes' data dirs) and DIR/genesis.json:
//       the N nodes are the validators (fresh owner keys, equal bond, ample storage power) and
//       SENDERS accounts are funded; sender i's key is from_seed(hash("bench sender " + i)), so
//       `run` derives them again from the genesis alone.
//   bench_chain run DIR RPC[,RPC...] [M=50000] [batch=128] [singles=50]
//       RPC: host:port of each node's API. Pre-signs M transfers (sender i % SENDERS, its nonces
//       in order), submits them in batches of `batch` per request, each sender's txs to one
//       node (round-robin over senders), over one keep-alive connection per node, then follows
//       node 0's head until every one of them is in a finalized block. Then `singles` txs one
//       after another, each timed from its submit until the node reports it in a block.
// Prints one JSON object. Finalized tx/s = M / (first submit .. the moment node 0 was seen to
// have committed the block holding the last of them; seen by polling every poll_ms, so the
// figure errs low by up to that much).
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "actors/validator/chain_types.hpp"
#include "actors/validator/tx.hpp"
#include "config/genesis.hpp"
#include "net/http_client.hpp"
#include "storage/identity.hpp"

using namespace mantle;
using namespace mantle::chain;
using json = nlohmann::json;

namespace {

using steady = std::chrono::steady_clock;
constexpr int poll_ms = 10;

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "bench_chain: %s\n", msg.c_str());
  std::exit(1);
}

double seconds_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

uint64_t wall_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
}

node_identity sender_key(size_t i) {
  auto id = node_identity::from_seed(hash("bench sender " + std::to_string(i)));
  if (!id)
    die("cannot derive sender key: " + id.err().message);
  return std::move(*id);
}

// One keep-alive connection to a node's RPC API.
class api {
public:
  explicit api(std::string addr) : addr_(std::move(addr)) { reconnect(); }
  json post(const std::string& path_and_query) {
    for (int attempt = 0;; ++attempt) {
      auto r = c_.request("POST", "/api/v0/" + path_and_query);
      if (r) {
        auto j = json::parse(r->body, nullptr, false);
        if (j.is_discarded())
          die(addr_ + " " + path_and_query.substr(0, 60) + ": answer is not JSON: " + r->body.substr(0, 200));
        if (r->status != 200)
          j["_status"] = r->status;
        return j;
      }
      if (attempt == 3)
        die(addr_ + ": " + r.err().message);
      reconnect(); // the server closed an idle connection
    }
  }

private:
  void reconnect() {
    c_.close();
    if (auto s = c_.connect(addr_); !s)
      die("cannot connect to " + addr_ + ": " + s.err().message);
  }
  std::string addr_;
  http_client c_;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    auto p = s.find(sep, start);
    out.push_back(s.substr(start, p - start));
    if (p == std::string::npos)
      return out;
    start = p + 1;
  }
}

int setup(int argc, char** argv) {
  if (argc < 5)
    die("usage: bench_chain setup DIR N SENDERS [block_time_ms=200]");
  std::string dir = argv[2];
  size_t n = std::strtoull(argv[3], nullptr, 10);
  size_t senders = std::strtoull(argv[4], nullptr, 10);
  uint64_t block_ms = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 200;
  if (n == 0 || senders == 0)
    die("N and SENDERS must be at least 1");
  ::mkdir(dir.c_str(), 0700);
  genesis g;
  g.chain_id = "mantle-bench";
  g.genesis_time_ms = wall_ms();
  g.params.block_time_ms = block_ms;
  // No era boundary or report slot during a run: the bench measures transfers.
  g.params.era_blocks = 1000000;
  g.params.slot_blocks = 1000000;
  g.params.validator_count = static_cast<uint32_t>(std::max<size_t>(n, 1));
  for (size_t i = 0; i < n; ++i) {
    std::string nd = dir + "/node" + std::to_string(i);
    if (::mkdir(nd.c_str(), 0700) != 0)
      die("cannot create " + nd + " (does it exist already?)");
    auto key = node_identity::generate();
    if (auto s = key.save_new(nd + "/identity.key"); !s)
      die(s.err().message);
    genesis_validator v;
    v.owner = node_identity::generate().public_key();
    v.node_key = key.public_key();
    v.bonded = 10000 * base_units_per_token;
    v.storage_power = 1024 * gib;
    v.commission_ppm = 100000;
    g.validators.push_back(v);
  }
  for (size_t i = 0; i < senders; ++i)
    g.accounts.push_back({sender_key(i).public_key(), 1000000 * base_units_per_token});
  if (auto s = check_genesis(g); !s)
    die("genesis: " + s.err().message);
  FILE* f = std::fopen((dir + "/genesis.json").c_str(), "w");
  if (!f)
    die("cannot write " + dir + "/genesis.json");
  auto text = to_json(g);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  std::printf("%s: %zu validators, %zu senders, block time %llu ms\n", dir.c_str(), n, senders,
              static_cast<unsigned long long>(block_ms));
  return 0;
}

double thread_cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct verify_rates {
  double wall = 0; // verifies per second of elapsed time (what a core gave us, sharing included)
  double cpu = 0;  // verifies per second of this thread's CPU time (a core of our own)
};

verify_rates verify_rate() {
  auto id = sender_key(0);
  // A message of a transfer's size, signed once, verified for about a second.
  std::string msg(120, 'x');
  auto sig = id.sign(msg);
  size_t ok = 0, n = 0;
  auto t0 = steady::now();
  double c0 = thread_cpu_s();
  double el = 0;
  while (el < 1.0) {
    for (int i = 0; i < 200; ++i, ++n)
      ok += node_identity::verify(id.public_key(), msg, sig);
    el = seconds_between(t0, steady::now());
  }
  double cpu = thread_cpu_s() - c0;
  if (ok != n)
    die("a good signature failed to verify");
  return {n / el, n / cpu};
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int run(int argc, char** argv) {
  if (argc < 4)
    die("usage: bench_chain run DIR RPC[,RPC...] [M=50000] [batch=128] [singles=50]");
  std::string dir = argv[2];
  auto rpcs = split(argv[3], ',');
  size_t m = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 50000;
  size_t batch = argc > 5 ? std::strtoull(argv[5], nullptr, 10) : 128;
  size_t singles = argc > 6 ? std::strtoull(argv[6], nullptr, 10) : 50;
  batch = std::clamp<size_t>(batch, 1, 10000);
  auto g = load_genesis(dir + "/genesis.json");
  if (!g)
    die(g.err().message);
  size_t nodes = rpcs.size();
  size_t s_count = g->accounts.size();
  // The mempool keeps at most 64 pending txs per sender (mempool_limits).
  if ((m + s_count - 1) / s_count > 60)
    die("too few senders for " + std::to_string(m) + " txs: at most 60 each, make it " +
        std::to_string((m + 59) / 60) + " senders in setup");

  auto vr = verify_rate();
  double verify_per_s = vr.wall;
  std::fprintf(stderr, "ed25519 verify: %.0f/s on one core (%.0f per CPU second)\n", vr.wall, vr.cpu);

  std::vector<node_identity> senders;
  for (size_t i = 0; i < s_count; ++i) {
    senders.push_back(sender_key(i));
    if (senders.back().public_key() != g->accounts[i].key)
      die("account " + std::to_string(i) + " of the genesis is not bench sender " + std::to_string(i) +
          " (a genesis from bench_chain setup is needed)");
  }
  // Next nonces: the chain may have run a load before.
  std::vector<uint64_t> nonce(s_count);
  {
    api a(rpcs[0]);
    for (size_t i = 0; i < s_count; ++i) {
      auto j = a.post("mantle/account/show?arg=" + to_hex(senders[i].public_key()));
      if (!j.contains("nonce"))
        die("account show: " + j.dump());
      nonce[i] = j["nonce"].get<uint64_t>() + j.value("pending_txs", uint64_t{0});
    }
  }

  auto t_sign = steady::now();
  std::vector<std::string> hex_txs(m);
  std::vector<std::string> hashes(m);
  for (size_t i = 0; i < m; ++i) {
    size_t s = i % s_count;
    auto tx = make_tx(senders[s], g->chain_id, nonce[s]++, g->params.min_fee,
                      txs::transfer{senders[(s + 1) % s_count].public_key(), 1});
    auto bytes = encode(tx);
    hashes[i] = to_hex(tx_hash(bytes));
    hex_txs[i] = to_hex(bytes);
  }
  std::fprintf(stderr, "signed %zu transfers in %.2f s\n", m, seconds_between(t_sign, steady::now()));

  api head_api(rpcs[0]);
  uint64_t start_height = head_api.post("mantle/chain/head")["height"].get<uint64_t>();

  // Each node gets the txs of its own senders, in nonce order.
  std::vector<std::vector<size_t>> plan(nodes);
  for (size_t i = 0; i < m; ++i)
    plan[(i % s_count) % nodes].push_back(i);
  std::atomic<size_t> finalized{0}, refused{0};
  std::mutex err_mu;
  std::string first_error;
  constexpr size_t max_inflight = 40000; // below the nodes' mempool size (50 000 txs)
  auto t0 = steady::now();
  std::atomic<size_t> submitted{0};
  std::vector<double> submit_end(nodes);
  std::vector<std::thread> workers;
  for (size_t n = 0; n < nodes; ++n)
    workers.emplace_back([&, n] {
      api a(rpcs[n]);
      const auto& mine = plan[n];
      for (size_t i = 0; i < mine.size(); i += batch) {
        size_t end = std::min(mine.size(), i + batch);
        while (submitted.load() - finalized.load() > max_inflight)
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::string q = "mantle/chain/submit?";
        for (size_t k = i; k < end; ++k) {
          if (k > i)
            q += '&';
          q += "arg=";
          q += hex_txs[mine[k]];
        }
        auto j = a.post(q);
        submitted += end - i;
        if (end - i == 1)
          j = json::array({j});
        if (!j.is_array()) {
          refused += end - i;
          std::lock_guard<std::mutex> l(err_mu);
          if (first_error.empty())
            first_error = j.dump();
          continue;
        }
        for (const auto& r : j)
          if (!r.contains("Hash")) {
            ++refused;
            std::lock_guard<std::mutex> l(err_mu);
            if (first_error.empty())
              first_error = r.dump();
          }
      }
      submit_end[n] = seconds_between(t0, steady::now());
    });

  // Follow node 0's head; every block's txs count against ours.
  std::unordered_set<std::string> pending(hashes.begin(), hashes.end());
  uint64_t seen = start_height;
  double last_commit_s = 0;
  size_t blocks_used = 0, max_block = 0;
  uint64_t first_block = 0, last_block = 0;
  auto last_progress = steady::now();
  while (!pending.empty()) {
    uint64_t h = head_api.post("mantle/chain/head")["height"].get<uint64_t>();
    auto now = steady::now();
    for (uint64_t x = seen + 1; x <= h; ++x) {
      auto b = head_api.post("mantle/chain/block?arg=" + std::to_string(x));
      size_t ours = 0;
      for (const auto& t : b["txs"])
        ours += pending.erase(t.get<std::string>());
      if (ours) {
        ++blocks_used;
        max_block = std::max(max_block, ours);
        if (!first_block)
          first_block = x;
        last_block = x;
        finalized += ours;
        last_commit_s = seconds_between(t0, now);
        last_progress = now;
      }
    }
    seen = std::max(seen, h);
    if (pending.size() == refused.load() && submitted.load() == m)
      break; // everything accepted is in
    if (seconds_between(last_progress, steady::now()) > 60)
      die("no progress for 60 s: " + std::to_string(pending.size()) + " txs still pending (refused " +
          std::to_string(refused.load()) + (first_error.empty() ? "" : ", first error " + first_error) + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  for (auto& w : workers)
    w.join();
  double submit_s = *std::max_element(submit_end.begin(), submit_end.end());
  size_t done = finalized.load();
  double tps = done / last_commit_s;
  std::fprintf(stderr, "%zu txs finalized in %.2f s over %zu blocks (%.0f tx/s)\n", done, last_commit_s, blocks_used,
               tps);

  // Single txs, one at a time, from sender 0.
  std::vector<double> lat;
  std::vector<std::unique_ptr<api>> apis;
  for (const auto& r : rpcs)
    apis.push_back(std::make_unique<api>(r));
  for (size_t k = 0; k < singles; ++k) {
    auto tx = make_tx(senders[0], g->chain_id, nonce[0]++, g->params.min_fee,
                      txs::transfer{senders[1 % s_count].public_key(), 1});
    auto bytes = encode(tx);
    std::string h = to_hex(tx_hash(bytes));
    auto& a = *apis[k % nodes];
    auto ts = steady::now();
    auto j = a.post("mantle/chain/submit?arg=" + to_hex(bytes));
    if (!j.contains("Hash"))
      die("single submit refused: " + j.dump());
    for (;;) {
      auto t = a.post("mantle/chain/tx?arg=" + h);
      if (t.contains("pending") && !t["pending"].get<bool>())
        break;
      if (seconds_between(ts, steady::now()) > 30)
        die("single tx not finalized within 30 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    lat.push_back(seconds_between(ts, steady::now()) * 1000);
  }

  json out{{"validators", nodes},
           {"txs", m},
           {"senders", s_count},
           {"batch", batch},
           {"block_time_ms", g->params.block_time_ms},
           {"refused", refused.load()},
           {"finalized", done},
           {"seconds", last_commit_s},
           {"submit_seconds", submit_s},
           {"finalized_tx_per_s", std::round(tps)},
           {"verify_per_s", std::round(verify_per_s)},
           {"verify_per_cpu_s", std::round(vr.cpu)},
           {"tx_per_s_over_verify_per_s", std::round(tps / verify_per_s * 1000) / 1000},
           {"blocks", blocks_used},
           {"heights", {first_block, last_block}},
           {"largest_block_txs", max_block},
           {"single_tx_finality_ms",
            {{"n", lat.size()},
             {"median", std::round(percentile(lat, 0.5) * 10) / 10},
             {"p99", std::round(percentile(lat, 0.99) * 10) / 10},
             {"min", lat.empty() ? 0 : std::round(*std::min_element(lat.begin(), lat.end()) * 10) / 10},
             {"max", lat.empty() ? 0 : std::round(*std::max_element(lat.begin(), lat.end()) * 10) / 10}}}};
  if (!first_error.empty())
    out["first_error"] = first_error;
  std::printf("%s\n", out.dump().c_str());
  return refused.load() == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "setup")
    return setup(argc, argv);
  if (cmd == "run")
    return run(argc, argv);
  std::fprintf(stderr, "usage: bench_chain setup DIR N SENDERS [block_time_ms] | run DIR RPC[,RPC...] [M] [batch] "
                       "[singles]\n");
  return 2;
}
