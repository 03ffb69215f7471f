// Block exchange throughput over loopback, one run, everything side by side:
//  1. pair: node A imports `size` random bytes (Kubo's default layout) into its LMDB store and
//     node B fetches the whole DAG from A through their exchange actors over the CAF
//     middleman, verifying and storing every block; the same number of bytes is then copied
//     over a plain loopback TCP socket, and the ratio printed;
//  2. fanout: one source (A) and four fresh fetchers that fetch the same DAG at once:
//     aggregate MB/s, each fetcher's MB/s, min/max and Jain's fairness index.
// Both are run without TLS and with TLS (CAF's openssl module with certificates from one
// network CA, as mantled does by default), unless --tls says otherwise.
// Several actor systems in one process stand for the nodes (peer_up is sent by hand, as the
// peer actor would after its handshake). "cpu_s_per_GiB" is the whole process's CPU time
// (user+sys, both sides) per GiB fetched: on a shared machine it is steadier than MB/s.
// Prints one JSON object per measurement, then a summary.
// usage: bench_exchange [--size BYTES=1073741824] [--dir /tmp] [--only pair|fanout]
//                       [--tls off|on|both] [--fetchers 4]
// env: BENCH_WINDOW (want-blocks in flight per peer), BENCH_THREADS (scheduler threads per node),
//      BENCH_DECODE_THREADS (middleman.workers, as --peer-decode-threads; default 0), BENCH_SCHED=stealing (default: sharing, as mantled), BENCH_RELAXED_SLEEP_US,
//      BENCH_PAUSE_S (sleep before each fetch, to attach perf)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "actors/block_store/block_store_actor.hpp"
#include "actors/exchange/exchange_actor.hpp"
#include "messages/errors.hpp"
#include "messages/exchange.hpp"
#include "messages/node_types.hpp"
#include "messages/peer.hpp"
#include "net/peer_tls.hpp"
#include "storage/block_store.hpp"
#include "storage/unixfs_importer.hpp"

using namespace mantle;

namespace {

using seconds_d = std::chrono::duration<double>;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

struct tls_files {
  std::string ca, cert, key;
};

// Stands for the peer actor's handshake on the listening side: learns the dialer's exchange
// over the dialer's connection, tells the local exchange, answers with the local exchange.
caf::behavior registrar(caf::event_based_actor* self, caf::actor exchange) {
  return {[=](const std::string& id, const caf::actor& remote_exchange) {
    self->send(exchange, peer_up{id, remote_exchange});
    return exchange;
  }};
}

struct bench_node {
  std::string dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<block_store> store;
  caf::actor blocks, exchange, reg;
  uint16_t port = 0;
  bool tls = false;

  bench_node(const std::string& d, const tls_files* t) : dir(d), tls(t != nullptr) {
    register_types(cfg);
    cfg.load<caf::io::middleman>();
    if (t) {
      cfg.load<caf::openssl::manager>();
      cfg.openssl_cafile = t->ca;
      cfg.openssl_certificate = t->cert;
      cfg.openssl_key = t->key;
    }
    // As mantled (actors/node/node.cpp): work sharing, whose idle workers block instead of
    // polling. BENCH_SCHED=stealing measures CAF's default for comparison.
    if (const char* v = std::getenv("BENCH_THREADS")) // as mantled --threads
      cfg.set("scheduler.max-threads", static_cast<size_t>(std::atoi(v)));
    // As mantled's default (--peer-decode-threads 0); BENCH_DECODE_THREADS=1 is CAF's own
    // default on a machine of up to 7 cores.
    const char* decode = std::getenv("BENCH_DECODE_THREADS");
    cfg.set("middleman.workers", static_cast<size_t>(decode ? std::atoi(decode) : 0));
    const char* sched = std::getenv("BENCH_SCHED");
    cfg.set("scheduler.policy", caf::atom_from_string(sched ? sched : "sharing"));
    if (const char* v = std::getenv("BENCH_RELAXED_SLEEP_US"))
      cfg.set("work-stealing.relaxed-sleep-duration", caf::timespan{std::chrono::microseconds(std::atoi(v))});
    sys = std::make_unique<caf::actor_system>(cfg);
    store_options so;
    so.durable_commits = false;
    auto opened = block_store::open(dir, so);
    if (!opened)
      throw std::runtime_error(opened.err().message);
    store = std::move(*opened);
    blocks = spawn_block_store_actor(*sys, store);
    exchange_config xc;
    auto b = blocks;
    xc.store = [b] { return b; };
    xc.fetch_timeout = std::chrono::milliseconds(120000);
    if (const char* v = std::getenv("BENCH_WINDOW"))
      xc.limits.per_peer = static_cast<size_t>(std::atoi(v));
    exchange = spawn_exchange_actor(*sys, xc);
    reg = sys->spawn(registrar, exchange);
    auto p = tls ? caf::openssl::publish(reg, 0, "127.0.0.1") : sys->middleman().publish(reg, 0, "127.0.0.1");
    if (!p)
      throw std::runtime_error("publish failed: " + sys->render(p.error()));
    port = *p;
  }
  ~bench_node() {
    caf::anon_send_exit(reg, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(exchange, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(blocks, caf::exit_reason::user_shutdown);
  }
  // Dials `other` (one connection, as the peer actor does) and introduces the two exchanges
  // to each other: `other`'s registrar tells its exchange about ours, we tell ours about its.
  void dial(const bench_node& other, const std::string& my_id, const std::string& other_id) {
    auto h = tls ? caf::openssl::remote_actor(*sys, "127.0.0.1", other.port)
                 : sys->middleman().remote_actor("127.0.0.1", other.port);
    if (!h)
      throw std::runtime_error("remote_actor failed: " + sys->render(h.error()));
    caf::scoped_actor self{*sys};
    caf::actor remote_exchange;
    std::string err;
    self->request(*h, std::chrono::seconds(30), my_id, exchange)
      .receive([&](const caf::actor& ex) { remote_exchange = ex; }, [&](caf::error& e) { err = sys->render(e); });
    if (!remote_exchange)
      throw std::runtime_error("introduction failed: " + err);
    self->send(exchange, peer_up{other_id, remote_exchange});
  }
};

void connect(bench_node& a, const std::string& a_id, bench_node& b, const std::string& b_id) {
  b.dial(a, b_id, a_id);
}

void fill(std::string& buf, uint64_t& x) {
  auto* p = reinterpret_cast<uint64_t*>(buf.data());
  for (size_t i = 0; i < buf.size() / 8; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    p[i] = x;
  }
}

cid import_random(block_store& store, uint64_t size) {
  unixfs::file_importer imp(store, unixfs::import_options{});
  std::string chunk(1 << 20, '\0');
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (uint64_t done = 0; done < size;) {
    fill(chunk, x);
    auto n = std::min<uint64_t>(chunk.size(), size - done);
    if (auto s = imp.write(std::string_view(chunk).substr(0, n)); !s)
      throw std::runtime_error(s.err().message);
    done += n;
  }
  auto root = imp.finish();
  if (!root || !store.flush())
    throw std::runtime_error("import failed");
  return root->root;
}

void pause_for_profiler() {
  if (const char* v = std::getenv("BENCH_PAUSE_S")) {
    std::fprintf(stderr, "bench_exchange: pid %d, fetch starts in %s s\n", static_cast<int>(getpid()), v);
    std::this_thread::sleep_for(std::chrono::seconds(std::atoi(v)));
  }
}

double tcp_copy(uint64_t size) {
  int srv = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(srv, 1) != 0 ||
      getsockname(srv, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("tcp bench: cannot listen");
  std::thread sender([&] {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      std::abort();
    std::string buf(1 << 20, 'x');
    uint64_t left = size;
    while (left > 0) {
      auto n = ::send(c, buf.data(), std::min<uint64_t>(left, buf.size()), 0);
      if (n <= 0)
        std::abort();
      left -= static_cast<uint64_t>(n);
    }
    close(c);
  });
  int conn = accept(srv, nullptr, nullptr);
  auto t0 = std::chrono::steady_clock::now();
  std::string buf(1 << 20, '\0');
  uint64_t got = 0;
  for (;;) {
    auto n = recv(conn, buf.data(), buf.size(), 0);
    if (n <= 0)
      break;
    got += static_cast<uint64_t>(n);
  }
  auto secs = seconds_d(std::chrono::steady_clock::now() - t0).count();
  sender.join();
  close(conn);
  close(srv);
  return static_cast<double>(got) / secs / 1e6;
}

struct fetch_result {
  uint64_t blocks = 0;
  double seconds = 0;
  std::string err;
};

// Fetches the DAG below `root` into `n` from its peers; blocks the calling thread.
fetch_result fetch(bench_node& n, const cid& root, std::chrono::steady_clock::time_point t0) {
  fetch_result r;
  caf::scoped_actor self{*n.sys};
  self->request(n.exchange, std::chrono::seconds(3600), fetch_dag_atom::value, root, uint64_t{120000})
    .receive([&](uint64_t blocks) { r.blocks = blocks; }, [&](caf::error& e) { r.err = from_caf(e).describe(); });
  r.seconds = seconds_d(std::chrono::steady_clock::now() - t0).count();
  return r;
}

struct pair_figures {
  double mbps = 0, cpu_per_gib = 0;
};

pair_figures run_pair(bench_node& a, const cid& root, uint64_t size, const std::string& work, const tls_files* tls,
                      const char* label) {
  bench_node b(work + "/pair-" + label, tls);
  connect(a, "A", b, "B");
  pause_for_profiler();
  auto cpu0 = cpu_seconds();
  auto r = fetch(b, root, std::chrono::steady_clock::now());
  auto cpu = cpu_seconds() - cpu0;
  if (!r.err.empty())
    throw std::runtime_error(std::string("pair fetch (") + label + ") failed: " + r.err);
  pair_figures f;
  f.mbps = static_cast<double>(size) / r.seconds / 1e6;
  f.cpu_per_gib = cpu / (static_cast<double>(size) / (1u << 30));
  std::printf("{\"test\": \"pair\", \"tls\": %s, \"bytes\": %llu, \"blocks\": %llu, \"seconds\": %.3f, "
              "\"exchange_MBps\": %.1f, \"cpu_s_per_GiB\": %.2f}\n",
              tls ? "true" : "false", static_cast<unsigned long long>(size),
              static_cast<unsigned long long>(r.blocks), r.seconds, f.mbps, f.cpu_per_gib);
  std::fflush(stdout);
  std::system(("rm -rf '" + b.dir + "'").c_str());
  return f;
}

struct fanout_figures {
  double aggregate = 0, min = 0, max = 0, jain = 0;
};

fanout_figures run_fanout(bench_node& a, const cid& root, uint64_t size, const std::string& work, const tls_files* tls,
                          const char* label, size_t fetchers) {
  std::vector<std::unique_ptr<bench_node>> fs;
  for (size_t i = 0; i < fetchers; ++i) {
    fs.push_back(std::make_unique<bench_node>(work + "/fan-" + label + "-" + std::to_string(i), tls));
    connect(a, "A", *fs.back(), "F" + std::to_string(i));
  }
  pause_for_profiler();
  std::vector<fetch_result> results(fetchers);
  std::vector<std::thread> threads;
  auto cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < fetchers; ++i)
    threads.emplace_back([&, i] { results[i] = fetch(*fs[i], root, t0); });
  for (auto& t : threads)
    t.join();
  auto total_secs = seconds_d(std::chrono::steady_clock::now() - t0).count();
  auto cpu = cpu_seconds() - cpu0;
  fanout_figures f;
  std::vector<double> rates;
  double sum = 0, sum_sq = 0;
  for (auto& r : results) {
    if (!r.err.empty())
      throw std::runtime_error(std::string("fanout fetch (") + label + ") failed: " + r.err);
    double rate = static_cast<double>(size) / r.seconds / 1e6;
    rates.push_back(rate);
    sum += rate;
    sum_sq += rate * rate;
  }
  f.aggregate = static_cast<double>(size) * static_cast<double>(fetchers) / total_secs / 1e6;
  f.min = *std::min_element(rates.begin(), rates.end());
  f.max = *std::max_element(rates.begin(), rates.end());
  f.jain = sum * sum / (static_cast<double>(fetchers) * sum_sq);
  std::string per;
  for (auto r : rates) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.1f", per.empty() ? "" : ", ", r);
    per += buf;
  }
  std::printf("{\"test\": \"fanout\", \"tls\": %s, \"fetchers\": %zu, \"bytes_each\": %llu, \"seconds\": %.3f, "
              "\"aggregate_MBps\": %.1f, \"per_fetcher_MBps\": [%s], \"min_over_max\": %.3f, \"jain\": %.3f, "
              "\"cpu_s_per_GiB\": %.2f}\n",
              tls ? "true" : "false", fetchers, static_cast<unsigned long long>(size), total_secs, f.aggregate,
              per.c_str(), f.min / f.max, f.jain,
              cpu / (static_cast<double>(size) * static_cast<double>(fetchers) / (1u << 30)));
  std::fflush(stdout);
  for (auto& n : fs) {
    auto d = n->dir;
    n.reset();
    std::system(("rm -rf '" + d + "'").c_str());
  }
  return f;
}

tls_files make_tls(const std::string& dir) {
  if (auto s = peer_tls::create_network_ca(dir + "/ca"); !s)
    throw std::runtime_error("tls: " + s.err().message);
  // One certificate for every bench node: the CA is what the handshake checks.
  tls_files t{dir + "/ca/ca.crt", dir + "/node.crt", dir + "/node.key"};
  if (auto s = peer_tls::issue_node_certificate(dir + "/ca/ca.crt", dir + "/ca/ca.key", t.cert, t.key, "bench"); !s)
    throw std::runtime_error("tls: " + s.err().message);
  return t;
}

} // namespace

int main(int argc, char** argv) {
  uint64_t size = uint64_t{1} << 30;
  std::string base = "/tmp", only, tls_mode = "both";
  size_t fetchers = 4;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_exchange: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--size")
      size = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--dir")
      base = next();
    else if (a == "--only")
      only = next();
    else if (a == "--tls")
      tls_mode = next();
    else if (a == "--fetchers")
      fetchers = std::max<size_t>(1, std::strtoull(next().c_str(), nullptr, 10));
    else if (i == 1 && std::isdigit(static_cast<unsigned char>(a[0])))
      size = std::strtoull(a.c_str(), nullptr, 10); // the old positional form
    else {
      std::fprintf(stderr, "usage: bench_exchange [--size BYTES] [--dir DIR] [--only pair|fanout] "
                           "[--tls off|on|both] [--fetchers N]\n");
      return 2;
    }
  }
  char tmpl[4096];
  std::snprintf(tmpl, sizeof tmpl, "%s/mantle-bench-xch-XXXXXX", base.c_str());
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  std::string work = tmpl;
  int rc = 0;
  try {
    std::vector<bool> modes;
    if (tls_mode != "on")
      modes.push_back(false);
    if (tls_mode != "off")
      modes.push_back(true);
    tls_files tf;
    if (tls_mode != "off")
      tf = make_tls(work + "/tls");
    // One store for the source, shared by the plain and the TLS node A (one at a time).
    cid root;
    {
      store_options so;
      so.durable_commits = false;
      auto opened = block_store::open(work + "/a", so);
      if (!opened)
        throw std::runtime_error(opened.err().message);
      root = import_random(**opened, size);
    }
    double tcp = tcp_copy(size);
    std::printf("{\"test\": \"tcp_copy\", \"bytes\": %llu, \"MBps\": %.1f}\n", static_cast<unsigned long long>(size),
                tcp);
    std::fflush(stdout);
    std::string summary;
    for (bool tls : modes) {
      const char* label = tls ? "tls" : "plain";
      bench_node a(work + "/a", tls ? &tf : nullptr);
      char line[512];
      if (only.empty() || only == "pair") {
        auto p = run_pair(a, root, size, work, tls ? &tf : nullptr, label);
        std::snprintf(line, sizeof line, "pair %-5s: B from A %.1f MB/s, plain TCP copy %.1f MB/s, ratio %.3f; %.2f CPU s/GiB\n",
                      label, p.mbps, tcp, p.mbps / tcp, p.cpu_per_gib);
        summary += line;
      }
      if (only.empty() || only == "fanout") {
        auto f = run_fanout(a, root, size, work, tls ? &tf : nullptr, label, fetchers);
        std::snprintf(line, sizeof line,
                      "fanout %-5s: %zu fetchers, aggregate %.1f MB/s, per fetcher %.1f..%.1f MB/s, min/max %.3f, "
                      "Jain %.3f\n",
                      label, fetchers, f.aggregate, f.min, f.max, f.min / f.max, f.jain);
        summary += line;
      }
    }
    std::printf("%s", summary.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_exchange: %s\n", e.what());
    rc = 1;
  }
  std::system(("rm -rf '" + work + "'").c_str());
  return rc;
}
