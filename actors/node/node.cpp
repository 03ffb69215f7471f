#include "actors/node/node.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <iostream>
#include <pthread.h>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_registry.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include "config/log.hpp"
#include "config/version.hpp"
#include "messages/errors.hpp"
#include "messages/node_types.hpp"
#include "messages/supervisor.hpp"
#include "net/peer_tls.hpp"
#include "storage/repo_lock.hpp"

namespace mantle::node {

namespace {

constexpr const char* component = "mantled";

// Waits for SIGINT/SIGTERM on its own thread (the signals are blocked everywhere else), so no
// work ever runs inside a signal handler. The first signal asks the supervisor for an ordered
// stop; a second one while stopping ends the process at once.
class signal_waiter {
public:
  explicit signal_waiter(caf::actor supervisor) : sup_(std::move(supervisor)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~signal_waiter() {
    done_ = true;
    thread_.join();
  }
  int received() const { return received_; }

private:
  void loop() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    timespec tick{0, 100 * 1000 * 1000}; // how often to notice that the node stopped by itself
    while (!done_) {
      int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig < 0)
        continue; // EAGAIN (tick) or EINTR
      if (received_ != 0) {
        log::error(component, std::string("second ") + strsignal(sig) + " during shutdown; exiting now");
        std::_Exit(exit_failure);
      }
      received_ = sig;
      log::info(component, std::string("received ") + strsignal(sig) + "; stopping");
      caf::anon_send_exit(sup_, caf::exit_reason::user_shutdown);
    }
  }

  caf::actor sup_;
  std::atomic<bool> done_{false};
  std::atomic<int> received_{0};
  std::thread thread_;
};

} // namespace

int run(int argc, char** argv, const children_factory& make_children) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  auto loaded = config::load(args);
  if (!loaded) {
    // Unreadable config files count as bad configuration too: the operator fixes the same thing.
    std::cerr << "mantled: " << loaded.err().message << "\n";
    return exit_usage;
  }
  if (loaded->help) {
    std::cout << config::help_text("mantled");
    return exit_ok;
  }
  if (loaded->version) {
    std::cout << "mantled " << version_string << "\n";
    return exit_ok;
  }
  const config::node_options& opts = loaded->options;
  log::set_level(opts.log_level);

  // Before any thread exists, so every thread (CAF's included) inherits the mask and the
  // signals reach only the waiter's sigtimedwait.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN); // broken client sockets are errors to handle, not a reason to die

  auto lock = repo_lock::acquire(opts.data_dir);
  if (!lock) {
    log::error(component, lock.err().message);
    return exit_failure;
  }
  bool created = false;
  auto identity = node_identity::load_or_create(opts.data_dir + "/identity.key", &created);
  if (!identity) {
    log::error(component, identity.err().message);
    return exit_failure;
  }
  log::info(component, std::string(created ? "generated new identity in " : "loaded identity from ") +
                           opts.data_dir + "/identity.key");
  std::cout << "peer identity: " << identity->peer_id() << std::endl;

  caf::actor_system_config cfg;
  register_types(cfg);
  if (opts.threads > 0)
    cfg.set("scheduler.max-threads", static_cast<size_t>(opts.threads));
  // Idle workers of CAF's work-stealing scheduler poll (sleeping 50 µs between polls), and a
  // node with a chain gets a message often enough to keep them polling: four idle validators
  // burned a third of a core that way, and under load their context switches took a third of
  // the CPU the nodes used. Work sharing parks idle workers on a condition variable.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  // Peer transport (actors/peer) and remote actors (a block store in another process) go
  // through the middleman.
  cfg.load<caf::io::middleman>();
  // CAF's default (one decode worker on a machine of up to 7 cores) copies each received
  // message's bytes into the worker and wakes another thread for it. Decoding a block is
  // itself one copy, so doing it on the network thread halves the copying: a 1 GiB fetch
  // over TLS ran 3-14% faster (median 9%) in interleaved bench_exchange runs.
  cfg.set("middleman.workers", static_cast<size_t>(opts.peer_decode_threads));
  if (opts.role == config::node_role::block_store || opts.block_store_remote) {
    // Heartbeats let both sides notice a process that vanished without closing its socket.
    cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(2)});
    cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(15)});
  }
  // TLS between nodes through the openssl module. CAF's openssl falls back to unauthenticated
  // encryption when no file is set, so a TLS node never starts without its CA, certificate and key.
  if (opts.role == config::node_role::block_store) {
    // serves one actor to its node over loopback; no peer transport
  } else if (opts.peer_tls) {
    auto tls = peer_tls::prepare({opts.peer_tls_ca, opts.peer_tls_ca_key, opts.peer_tls_cert, opts.peer_tls_key},
                                 opts.data_dir, identity->peer_id());
    if (!tls) {
      log::error(component, "peer TLS: " + tls.err().message + " (or start with --peer-tls off)");
      return exit_failure;
    }
    if (!tls->note.empty())
      log::info(component, "peer TLS: " + tls->note);
    cfg.load<caf::openssl::manager>();
    cfg.openssl_cafile = tls->ca;
    cfg.openssl_certificate = tls->cert;
    cfg.openssl_key = tls->key;
  } else {
    log::warning(component, "peer TLS is off (--peer-tls off): traffic between nodes is plaintext and "
                            "anyone who reaches the peer port can join");
  }
  caf::error reason;
  std::string reason_text;
  int received_signal = 0;
  {
    caf::actor_system sys{cfg};
    environment env{opts, *identity};
    supervisor_options sup_opts;
    sup_opts.restart_limit = opts.restart_limit;
    sup_opts.restart_window = opts.restart_window;
    std::vector<child_spec> children;
    try {
      children = make_children(env);
    } catch (const std::exception& e) {
      log::error(component, std::string("cannot build the child list: ") + e.what());
      return exit_failure;
    }
    auto sup = spawn_supervisor(sys, std::move(children), sup_opts);
    sys.registry().put(caf::atom_from_string(supervisor_name), sup); // for the console and the dashboard
    if (opts.role == config::node_role::block_store)
      log::info(component, "block store running: data dir " + opts.data_dir + ", listen " + opts.listen->str() +
                               ", storage max " + config::format_size(opts.storage_max));
    else
      log::info(component, "node running: data dir " + opts.data_dir + ", rpc " + opts.rpc_addr.str() +
                               (opts.block_store_remote ? ", block store at " + opts.block_store_remote->str()
                                                        : ", storage max " + config::format_size(opts.storage_max)));
    {
      signal_waiter waiter(sup);
      caf::scoped_actor self{sys};
      self->monitor(sup);
      self->receive([&](caf::down_msg& dm) { reason = dm.reason; });
      received_signal = waiter.received();
    }
    reason_text = !reason ? std::string("normal") : reason.category() == caf::atom("mantle") ? from_caf(reason).describe() : sys.render(reason);
    // Leaving this scope destroys the actor system, which waits for every actor to finish.
  }
  if (is_clean_shutdown(reason)) {
    log::info(component, received_signal ? "stopped cleanly" : "supervisor stopped; exiting");
    return exit_ok;
  }
  log::error(component, "node failed: " + reason_text);
  return exit_failure;
}

} // namespace mantle::node
