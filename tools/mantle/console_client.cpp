#include "tools/mantle/console_client.hpp"

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>

#include <editline/readline.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/console/console_auth.hpp"
#include "actors/console/console_command.hpp"
#include "config/options.hpp"
#include "messages/console.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "tools/mantle/console_table.hpp"

namespace mantle::cli {

namespace {

constexpr int exit_ok = 0, exit_failed = 1, exit_usage = 2;
constexpr auto login_timeout = std::chrono::seconds(10);
constexpr auto command_timeout = std::chrono::seconds(90); // a restart may wait for a slow stop

volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_sigint(int) { interrupted = 1; }

// Ctrl-C ends a watch (and is ignored at the prompt) instead of killing the client.
void catch_sigint() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; // no SA_RESTART: a blocked read returns so the flag is seen
  sigaction(SIGINT, &sa, nullptr);
}

struct outcome {
  int code = exit_ok;
  std::string message;
};

outcome from_error(caf::actor_system& sys, const caf::error& e) {
  if (e.category() == caf::atom("mantle")) {
    auto m = from_caf(e);
    return {m.code == errc::permission_denied ? console_exit_refused : exit_failed, m.message};
  }
  if (e == caf::sec::request_timeout)
    return {exit_failed, "the console did not answer in time"};
  return {exit_failed, sys.render(e)};
}

class console_session {
public:
  console_session(caf::actor_system& sys, caf::actor console, bool json)
    : sys_(sys), self_(sys), console_(std::move(console)), json_(json) {
    self_->monitor(console_); // its down message tells a restarted console from a slow one
  }

  // Takes note of a console that went down since the last request (and drops late events).
  void notice_down() {
    for (bool more = true; more;) {
      more = false;
      self_->receive(
        [&](caf::down_msg& dm) {
          more = true;
          if (dm.source == console_.address())
            alive_ = false;
        },
        [&](node_event&) { more = true; }, caf::after(std::chrono::seconds(0)) >> [] {});
    }
  }

  outcome login(const std::string& key) {
    key_ = key;
    outcome out;
    std::string nonce;
    self_->request(console_, login_timeout, con_hello_atom::value)
      .receive([&](std::string& n) { nonce = std::move(n); }, [&](caf::error& e) { out = from_error(sys_, e); });
    if (out.code != exit_ok)
      return out;
    self_->request(console_, login_timeout, con_auth_atom::value, nonce, console::response_mac(key, nonce))
      .receive([&](std::string& t) { token_ = std::move(t); }, [&](caf::error& e) { out = from_error(sys_, e); });
    return out;
  }

  // A console that was restarted (or its node) has a new handle: connect and log in again, once.
  bool reconnect(const config::host_port& where) {
    auto h = sys_.middleman().remote_actor(where.host, where.port);
    if (!h)
      return false;
    console_ = *h;
    self_->monitor(console_);
    alive_ = true;
    return login(key_).code == exit_ok;
  }

  // Before a request of an interactive session: a console seen going down is reached again.
  outcome ensure_alive(const config::host_port* where) {
    notice_down();
    if (alive_ || !where)
      return {};
    std::cerr << "the console went away; reconnecting to " << where->str() << "\n";
    if (!reconnect(*where))
      return {exit_failed, "cannot reach the console at " + where->str() + " again"};
    return {};
  }

  outcome command(const std::string& line, const config::host_port* where = nullptr) {
    if (auto o = ensure_alive(where); o.code != exit_ok)
      return o;
    outcome out;
    bool lost = false;
    self_->request(console_, command_timeout, con_cmd_atom::value, token_, line)
      .receive(
        [&](console_reply& r) {
          if (!r.ok) {
            out = {exit_failed, r.error};
            return;
          }
          auto j = nlohmann::ordered_json::parse(r.json, nullptr, false);
          if (j.is_discarded()) {
            out = {exit_failed, "the console answered something that is not JSON"};
            return;
          }
          std::cout << (json_ ? j.dump(2) + "\n" : render_console_json(j)) << std::flush;
        },
        [&](caf::error& e) {
          lost = e == caf::sec::request_receiver_down || e == caf::sec::remote_linking_failed;
          out = from_error(sys_, e);
        });
    if (lost && where) {
      std::cerr << "the console went away; reconnecting to " << where->str() << "\n";
      if (reconnect(*where))
        return command(line, nullptr);
    }
    return out;
  }

  // Streams events until Ctrl-C, `count` events (0: no limit) or `timeout` (0: none).
  outcome watch(const std::vector<std::string>& kinds, uint64_t count, std::chrono::milliseconds timeout) {
    outcome out;
    self_->request(console_, login_timeout, con_watch_atom::value, token_, kinds)
      .receive([&]() {}, [&](caf::error& e) { out = from_error(sys_, e); });
    if (out.code != exit_ok)
      return out;
    if (!json_)
      std::cerr << "watching " << (kinds.empty() ? std::string("all events") : join(kinds))
                << (count || timeout.count() ? "" : " (Ctrl-C stops)") << "\n";
    interrupted = 0;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    uint64_t seen = 0;
    bool lost = false;
    while (!interrupted && (count == 0 || seen < count) &&
           (timeout.count() == 0 || std::chrono::steady_clock::now() < deadline) && !lost) {
      self_->receive(
        [&](node_event& ev) {
          ++seen;
          print_event(ev);
        },
        [&](caf::down_msg&) { lost = true; },
        caf::after(std::chrono::milliseconds(100)) >> [] {});
    }
    self_->request(console_, login_timeout, con_unwatch_atom::value, token_).receive([]() {}, [](caf::error&) {});
    interrupted = 0;
    if (lost)
      return {exit_failed, "the console went away"};
    if (count != 0 && seen < count)
      return {exit_failed, "timed out after " + std::to_string(seen) + " of " + std::to_string(count) + " events"};
    return out;
  }

private:
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v)
      s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  void print_event(const node_event& ev) {
    if (json_) {
      std::cout << nlohmann::json{{"kind", ev.kind}, {"height", ev.height}, {"text", ev.text}}.dump() << std::endl;
      return;
    }
    std::time_t t = std::time(nullptr);
    char stamp[16];
    std::strftime(stamp, sizeof stamp, "%H:%M:%S", std::localtime(&t));
    std::cout << stamp << "  " << ev.kind;
    if (ev.height)
      std::cout << "  #" << ev.height;
    std::cout << "  " << ev.text << std::endl;
  }

  caf::actor_system& sys_;
  caf::scoped_actor self_;
  caf::actor console_;
  bool json_;
  std::string key_;
  std::string token_;
  bool alive_ = true;
};

std::string history_path() {
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.mantle_console_history" : std::string();
}

// One line: watch or a command; an error goes to stderr.
int run_line(console_session& s, const std::string& line, uint64_t count, std::chrono::milliseconds timeout,
             const config::host_port* where = nullptr) {
  auto words = console::split_words(line);
  if (!words) {
    std::cerr << "Error: " << words.err().message << "\n";
    return exit_usage;
  }
  outcome o;
  if (!words->empty() && (*words)[0] == "watch") {
    o = s.ensure_alive(where);
    if (o.code == exit_ok)
      o = s.watch({words->begin() + 1, words->end()}, count, timeout);
  }
  else
    o = s.command(line, where);
  if (o.code != exit_ok)
    std::cerr << (o.code == console_exit_refused ? "Refused: " : "Error: ") << o.message << "\n";
  return o.code;
}

int interactive(console_session& s, const config::host_port& where) {
  auto hist = history_path();
  using_history();
  if (!hist.empty())
    read_history(hist.c_str());
  std::cout << "connected to the console of " << where.str() << " (help lists the commands, quit or Ctrl-D leaves)\n";
  int last = exit_ok;
  while (true) {
    interrupted = 0;
    char* raw = readline("mantle> ");
    if (!raw) {
      if (interrupted) { // Ctrl-C at the prompt: a new line
        std::cout << "\n";
        continue;
      }
      std::cout << "\n";
      break;
    }
    std::string line(raw);
    std::free(raw);
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos)
      continue;
    add_history(line.c_str());
    if (!hist.empty())
      write_history(hist.c_str());
    if (line.substr(first) == "quit" || line.substr(first) == "exit")
      break;
    last = run_line(s, line, 0, std::chrono::milliseconds(0), &where);
    if (last == console_exit_refused) // the session is gone: nothing more will work
      break;
  }
  return last == console_exit_refused ? last : exit_ok;
}

std::string read_key_file(const std::string& path, bool* found) {
  std::ifstream in(path);
  *found = static_cast<bool>(in);
  std::string text;
  if (in)
    std::getline(in, text);
  while (!text.empty() && (text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

} // namespace

int run_console(const invocation& inv) {
  auto where = config::parse_address(inv.args[0]);
  if (!where) {
    std::cerr << "Error: " << where.err().message << "\n";
    return exit_usage;
  }
  uint64_t count = 0;
  std::chrono::milliseconds timeout{0};
  if (auto n = inv.value("count")) {
    auto v = config::parse_count(*n, 1000000000);
    if (!v) {
      std::cerr << "Error: --count: " << v.err().message << "\n";
      return exit_usage;
    }
    count = *v;
  }
  if (auto t = inv.value("timeout")) {
    auto v = config::parse_duration(*t);
    if (!v) {
      std::cerr << "Error: --timeout: " << v.err().message << "\n";
      return exit_usage;
    }
    timeout = *v;
  }
  auto one = inv.value("command");
  if ((count || timeout.count()) && !one) {
    std::cerr << "Error: --count and --timeout go with -c \"watch ...\"\n";
    return exit_usage;
  }
  // The key: --key-file, $MANTLE_CONSOLE_KEY_FILE, or a node's default in ./.mantle. Without
  // one the client still asks, and the console refuses (and logs the attempt).
  std::string key_path = inv.value("key-file").value_or("");
  if (key_path.empty())
    if (const char* env = std::getenv("MANTLE_CONSOLE_KEY_FILE"))
      key_path = env;
  bool explicit_key = !key_path.empty();
  if (key_path.empty())
    key_path = "./.mantle/console.key";
  bool found = false;
  std::string key_hex = read_key_file(key_path, &found);
  if (!found && explicit_key) {
    std::cerr << "Error: cannot read the console key " << key_path << "\n";
    return exit_usage;
  }
  std::string key;
  if (key_hex.size() == console::key_bytes * 2) {
    for (size_t k = 0; k < key_hex.size(); k += 2)
      key.push_back(static_cast<char>(std::stoi(key_hex.substr(k, 2), nullptr, 16)));
  } else if (found) {
    std::cerr << "Error: " << key_path << " is not a console key (64 hex characters)\n";
    return exit_usage;
  }

  caf::actor_system_config cfg;
  register_types(cfg);
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", size_t{2});
  caf::actor_system sys{cfg};
  auto console = sys.middleman().remote_actor(where->host, where->port);
  if (!console) {
    std::cerr << "Error: cannot reach a console at " << where->str() << ": " << sys.render(console.error()) << "\n";
    return exit_failed;
  }
  int rc = exit_ok;
  {
    console_session s(sys, *console, inv.flag("json", false));
    auto in = s.login(key);
    if (in.code != exit_ok) {
      std::cerr << (in.code == console_exit_refused ? "Refused: " : "Error: ") << in.message
                << (key.empty() ? " (no key: pass the node's <data-dir>/console.key with --key-file)" : "") << "\n";
      return in.code;
    }
    catch_sigint();
    rc = one ? run_line(s, *one, count, timeout) : interactive(s, *where);
  }
  return rc;
}

} // namespace mantle::cli
