// Sample plugin "webhook": POSTs node events (messages/events.hpp) as JSON to a URL.
//   plugin = /path/to/event_webhook.so
//   plugin.webhook.url = http://127.0.0.1:9000/events
//   plugin.webhook.kinds = block,order_taken,plugin_failed
// The plugin's actor joins the event group and keeps a bounded queue; a detached sender (linked
// to it) makes the blocking HTTP requests one at a time, so a slow or dead receiver never
// blocks the node: events wait in the queue (the oldest dropped past `queue`) and a failed POST
// is sent again after `retry` ms, in order. (get_atom) -> "sent N, queued M, dropped D, failed F".
#include <caf/all.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <deque>
#include <stdexcept>

#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "messages/plugin_api.hpp"
#include "tools/plugins/event_webhook/webhook_target.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using wh_retry_atom = caf::atom_constant<caf::atom("wh_retry")>;

// One POST with a deadline over the whole exchange; "" on a 2xx answer, else why not.
std::string post(const mantle::plugins::webhook_config& cfg, const std::string& body) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::request<http::string_body> req{http::verb::post, cfg.target, 11};
  req.set(http::field::host, cfg.host + ":" + cfg.port);
  req.set(http::field::user_agent, "mantle-webhook/1.0");
  req.set(http::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http::response<http::string_body> res;
  std::string failure;
  auto timeout = std::chrono::milliseconds(cfg.timeout_ms);
  auto fail = [&](const char* what, beast::error_code ec) { failure = std::string(what) + ": " + ec.message(); };
  resolver.async_resolve(cfg.host, cfg.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
    if (ec)
      return fail("resolve", ec);
    stream.expires_after(timeout);
    stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec)
        return fail("connect", ec);
      http::async_write(stream, req, [&](beast::error_code ec, size_t) {
        if (ec)
          return fail("send", ec);
        http::async_read(stream, buffer, res, [&](beast::error_code ec, size_t) {
          if (ec)
            return fail("read", ec);
          beast::error_code ignored;
          stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        });
      });
    });
  });
  ioc.run();
  if (!failure.empty())
    return failure;
  if (res.result_int() < 200 || res.result_int() > 299)
    return "HTTP " + std::to_string(res.result_int());
  return "";
}

caf::behavior sender(caf::event_based_actor*, mantle::plugins::webhook_config cfg) {
  return {
    [cfg](mantle::put_atom, const std::string& body) { return post(cfg, body); },
  };
}

struct webhook_state {
  mantle::plugins::webhook_config cfg;
  std::string node;
  std::function<void(const std::string&, const std::string&)> log;
  caf::actor sender;
  std::deque<std::string> queue;
  bool busy = false;
  uint64_t seq = 0, sent = 0, dropped = 0, failed = 0;
  std::string last_failure;
  static inline const char* name = "webhook";
};

using webhook_actor = caf::stateful_actor<webhook_state>;

void pump(webhook_actor* self) {
  auto& st = self->state;
  if (st.busy || st.queue.empty())
    return;
  st.busy = true;
  auto limit = std::chrono::milliseconds(st.cfg.timeout_ms * 2 + 1000); // resolve + exchange
  auto on_failure = [self](const std::string& why) {
    auto& st = self->state;
    ++st.failed;
    if (why != st.last_failure && st.log)
      st.log("warning", "POST to http://" + st.cfg.host + ":" + st.cfg.port + st.cfg.target + " failed (" + why +
                          "); " + std::to_string(st.queue.size()) + " event(s) queued, retrying every " +
                          std::to_string(st.cfg.retry_ms) + "ms");
    st.last_failure = why;
    self->delayed_send(self, std::chrono::milliseconds(st.cfg.retry_ms), wh_retry_atom::value);
  };
  self->request(st.sender, limit, mantle::put_atom::value, st.queue.front())
    .then(
      [self, on_failure](const std::string& error) {
        auto& st = self->state;
        st.busy = false;
        if (!error.empty())
          return on_failure(error);
        if (!st.last_failure.empty() && st.log)
          st.log("info", "webhook receiver answers again");
        st.last_failure.clear();
        st.queue.pop_front();
        ++st.sent;
        pump(self);
      },
      [self, on_failure](caf::error& e) {
        self->state.busy = false;
        on_failure(self->system().render(e));
      });
}

caf::behavior webhook(webhook_actor* self, mantle::plugins::webhook_config cfg, std::string node, caf::group events,
                      std::function<void(const std::string&, const std::string&)> log) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.node = std::move(node);
  st.log = std::move(log);
  self->set_exception_handler(mantle::exception_text_reason);
  // Linked: the sender ends with this actor (and a crashed sender takes it down, so the host
  // restarts both).
  st.sender = self->spawn<caf::detached + caf::linked>(sender, st.cfg);
  self->join(events);
  return {
    [self](const mantle::node_event& e) {
      auto& st = self->state;
      if (!st.cfg.wants(e.kind))
        return;
      st.queue.push_back(mantle::plugins::event_json(e, st.node, ++st.seq));
      while (st.queue.size() > st.cfg.queue) {
        // Never the one in flight (the front while busy).
        st.queue.erase(st.queue.begin() + (st.busy ? 1 : 0));
        ++st.dropped;
      }
      pump(self);
    },
    [self](wh_retry_atom) { pump(self); },
    [self](mantle::get_atom) {
      auto& st = self->state;
      return "sent " + std::to_string(st.sent) + ", queued " + std::to_string(st.queue.size()) + ", dropped " +
             std::to_string(st.dropped) + ", failed " + std::to_string(st.failed);
    },
  };
}

caf::actor spawn_webhook(const mantle::plugin_context& ctx) {
  auto cfg = mantle::plugins::parse_webhook_config(ctx.config);
  if (!cfg)
    throw std::invalid_argument("plugin." + ctx.name + ": " + cfg.err().message);
  return ctx.system.spawn(webhook, std::move(*cfg), ctx.peer_id, ctx.events, ctx.log);
}

} // namespace

MANTLE_PLUGIN("webhook", "1.0.0", spawn_webhook)
