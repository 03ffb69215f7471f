// Block exchange throughput over loopback: node A imports `size` random bytes (Kubo's default
// layout) into its LMDB store, node B fetches the whole DAG from A through their exchange
// actors over the CAF middleman (TCP on 127.0.0.1, no TLS), verifying and storing every block.
// The same number of bytes is then copied over a plain loopback TCP socket for the ratio.
// Two actor systems in one process stand for the two nodes (peer_up is sent by hand, as the
// peer actor would after its handshake). Prints JSON.
// usage: bench_exchange [size_bytes=1073741824] [work_dir=/tmp]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "actors/block_store/block_store_actor.hpp"
#include "actors/exchange/exchange_actor.hpp"
#include "messages/errors.hpp"
#include "messages/exchange.hpp"
#include "messages/node_types.hpp"
#include "messages/peer.hpp"
#include "storage/block_store.hpp"
#include "storage/unixfs_importer.hpp"

using namespace mantle;

namespace {

using seconds_d = std::chrono::duration<double>;

struct bench_node {
  std::string dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<block_store> store;
  caf::actor blocks, exchange;
  uint16_t port = 0;

  explicit bench_node(const std::string& d) : dir(d) {
    register_types(cfg);
    cfg.load<caf::io::middleman>();
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
    if (const char* v = std::getenv("BENCH_WINDOW")) // want-blocks in flight per peer
      xc.limits.per_peer = static_cast<size_t>(std::atoi(v));
    exchange = spawn_exchange_actor(*sys, xc);
    auto p = sys->middleman().publish(exchange, 0, "127.0.0.1");
    if (!p)
      throw std::runtime_error("publish failed: " + sys->render(p.error()));
    port = *p;
  }
  ~bench_node() {
    caf::anon_send_exit(exchange, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(blocks, caf::exit_reason::user_shutdown);
  }
  // Tells this node's exchange about `other`'s, reached over the middleman.
  void connect_to(const bench_node& other, const std::string& id) {
    auto h = sys->middleman().remote_actor("127.0.0.1", other.port);
    if (!h)
      throw std::runtime_error("remote_actor failed: " + sys->render(h.error()));
    caf::scoped_actor self{*sys};
    self->send(exchange, peer_up{id, *h});
  }
};

void fill(std::string& buf, uint64_t& x) {
  auto* p = reinterpret_cast<uint64_t*>(buf.data());
  for (size_t i = 0; i < buf.size() / 8; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    p[i] = x;
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

} // namespace

int main(int argc, char** argv) {
  uint64_t size = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : (uint64_t{1} << 30);
  std::string base = argc > 2 ? argv[2] : "/tmp";
  char tmpl[4096];
  std::snprintf(tmpl, sizeof tmpl, "%s/mantle-bench-xch-XXXXXX", base.c_str());
  if (!mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  std::string work = tmpl;
  int rc = 0;
  try {
    bench_node a(work + "/a"), b(work + "/b");
    // Import on A.
    unixfs::file_importer imp(*a.store, unixfs::import_options{});
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
    if (!root || !a.store->flush())
      throw std::runtime_error("import failed");
    a.connect_to(b, "B");
    b.connect_to(a, "A");

    caf::scoped_actor self{*b.sys};
    auto t0 = std::chrono::steady_clock::now();
    uint64_t blocks = 0;
    std::string err;
    self->request(b.exchange, std::chrono::seconds(3600), fetch_dag_atom::value, root->root, uint64_t{120000})
      .receive([&](uint64_t n) { blocks = n; }, [&](caf::error& e) { err = from_caf(e).describe(); });
    auto secs = seconds_d(std::chrono::steady_clock::now() - t0).count();
    if (!err.empty())
      throw std::runtime_error("fetch failed: " + err);
    auto st = b.store->stat();
    double mbps = static_cast<double>(size) / secs / 1e6;
    double tcp = tcp_copy(size);
    std::printf("{\"bytes\": %llu, \"blocks\": %llu, \"seconds\": %.3f, \"exchange_MBps\": %.1f, "
                "\"tcp_copy_MBps\": %.1f, \"ratio\": %.3f, \"stored_bytes\": %llu, \"root\": \"%s\"}\n",
                static_cast<unsigned long long>(size), static_cast<unsigned long long>(blocks), secs, mbps,
                tcp, mbps / tcp, static_cast<unsigned long long>(st ? st->repo_size : 0),
                root->root.str().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_exchange: %s\n", e.what());
    rc = 1;
  }
  std::system(("rm -rf '" + work + "'").c_str());
  return rc;
}
