// State transition throughput: `n` signed transfers between 1 000 accounts, admitted by
// check_tx, then executed in one block by apply_block twice over (fresh states): once verifying
// every signature, once with the mempool's "already verified" shortcut. The machine's Ed25519
// verify rate is measured in the same run, so the ratios say what the state work costs on top
// of signature checks. Prints JSON.
// usage: bench_state_apply [n=10000] [work_dir=/tmp]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "actors/validator/state_transition.hpp"
#include "storage/identity.hpp"

using namespace mantle;
using namespace mantle::chain;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::unique_ptr<state_db> fresh_state(const std::string& dir, const genesis& g) {
  std::system(("rm -rf '" + dir + "'").c_str());
  auto db = state_db::open(dir, 1ull << 34);
  if (!db || !init_genesis(**db, g)) {
    std::fprintf(stderr, "cannot create the state in %s\n", dir.c_str());
    std::exit(1);
  }
  return std::move(*db);
}

} // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000;
  std::string work = argc > 2 ? argv[2] : "/tmp";
  std::string dir = work + "/bench-state-" + std::to_string(getpid());

  std::vector<node_identity> ids;
  for (int i = 0; i < 1000; ++i)
    ids.push_back(node_identity::generate());
  auto node = node_identity::generate(), owner = node_identity::generate();
  auto g = dev_genesis(node.public_key(), owner.public_key());
  for (const auto& id : ids)
    g.accounts.push_back({id.public_key(), 1000 * base_units_per_token});
  std::vector<std::string> txs;
  for (size_t i = 0; i < n; ++i) {
    const auto& from = ids[i % ids.size()];
    txs.push_back(encode(make_tx(from, g.chain_id, i / ids.size(), g.params.min_fee,
                                 txs::transfer{ids[(i * 7 + 1) % ids.size()].public_key(), 1000})));
  }

  auto db = fresh_state(dir, g);
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& t : txs)
    if (!check_tx(*db, t)) {
      std::fprintf(stderr, "check_tx refused a valid tx\n");
      return 1;
    }
  double check_s = seconds_since(t0);

  block_context ctx{1, 1, node.public_key(), {}};
  t0 = std::chrono::steady_clock::now();
  auto full = apply_block(*db, ctx, txs);
  double apply_s = seconds_since(t0);

  db = fresh_state(dir, g);
  t0 = std::chrono::steady_clock::now();
  auto cached = apply_block(*db, ctx, txs, [](std::string_view) { return true; });
  double cached_s = seconds_since(t0);
  if (!full || !cached || full->failed_txs() != 0 || full->state_root != cached->state_root) {
    std::fprintf(stderr, "apply_block failed or the two runs disagree\n");
    return 1;
  }

  const auto& id = ids[0];
  std::string msg = txs[0];
  auto sig = id.sign(msg);
  size_t ok = 0;
  t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i)
    ok += node_identity::verify(id.public_key(), msg, sig);
  double verify_s = seconds_since(t0);
  std::system(("rm -rf '" + dir + "'").c_str());

  std::printf("{\"txs\": %zu, \"verify_per_s\": %.0f, \"check_tx_per_s\": %.0f, \"apply_per_s\": %.0f, "
              "\"apply_preverified_per_s\": %.0f, \"apply_vs_verify\": %.3f, \"verified\": %zu}\n",
              n, n / verify_s, n / check_s, n / apply_s, n / cached_s, (n / apply_s) / (n / verify_s), ok);
  return 0;
}
