// The event_webhook sample: its config and JSON as plain functions, and the real
// event_webhook.so loaded by the plugin host delivering node events to a small HTTP server
// run by the test (which fails the first POST to make the plugin retry), in order, filtered by
// kind; with no receiver at all the plugin keeps answering and queues.
#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "messages/events.hpp"
#include "tests/plugins/plugin_test_support.hpp"
#include "tools/plugins/event_webhook/webhook_target.hpp"

using namespace mantle;
using namespace mantle::plugins;
using namespace std::chrono_literals;

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// One connection at a time; answers 500 to the first `fail_first` requests, then 200.
class receiver {
public:
  explicit receiver(int fail_first) : fail_left_(fail_first), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
  }
  ~receiver() {
    stop_ = true;
    beast::error_code ec;
    tcp::socket s(ioc_);
    s.connect({asio::ip::make_address("127.0.0.1"), port_}, ec); // wakes accept()
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::vector<std::string> accepted() {
    std::lock_guard<std::mutex> g(mu_);
    return ok_;
  }
  std::vector<std::string> refused() {
    std::lock_guard<std::mutex> g(mu_);
    return refused_;
  }
  std::string target() {
    std::lock_guard<std::mutex> g(mu_);
    return target_;
  }

private:
  void run() {
    while (!stop_) {
      beast::error_code ec;
      tcp::socket s(ioc_);
      acceptor_.accept(s, ec);
      if (ec || stop_)
        continue;
      beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(s, buf, req, ec);
      if (ec)
        continue;
      http::response<http::string_body> res;
      {
        std::lock_guard<std::mutex> g(mu_);
        target_ = std::string(req.target());
        if (fail_left_ > 0) {
          --fail_left_;
          refused_.push_back(req.body());
          res.result(http::status::internal_server_error);
        } else {
          ok_.push_back(req.body());
          res.result(http::status::ok);
        }
      }
      res.version(11);
      res.body() = "";
      res.prepare_payload();
      http::write(s, res, ec);
      s.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  int fail_left_;
  std::mutex mu_;
  std::vector<std::string> ok_, refused_;
  std::string target_;
  std::atomic<bool> stop_{false};
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
};

std::string status_of_webhook(test::plugin_host_fixture& f) {
  std::string status;
  f.self->request(f.lookup("webhook"), 10s, get_atom::value)
    .receive([&](std::string& s) { status = s; }, [&](caf::error& e) { FAIL(f.sys->render(e)); });
  return status;
}

} // namespace

TEST_CASE("webhook config: url, kinds and limits", "[plugins][webhook]") {
  auto c = parse_webhook_config({{"url", "http://127.0.0.1:9000/hooks/mantle?x=1"}, {"kinds", "block, order_taken"}});
  REQUIRE(c);
  CHECK(c->host == "127.0.0.1");
  CHECK(c->port == "9000");
  CHECK(c->target == "/hooks/mantle?x=1");
  CHECK(c->wants("block"));
  CHECK(c->wants("order_taken"));
  CHECK(!c->wants("peer_up"));
  auto plain = parse_webhook_config({{"url", "http://example.org"}});
  REQUIRE(plain);
  CHECK(plain->port == "80");
  CHECK(plain->target == "/");
  CHECK(plain->wants("anything"));
  auto v6 = parse_webhook_config({{"url", "http://[::1]:81/x"}});
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "81");
  auto missing = parse_webhook_config({{"kinds", "block"}});
  REQUIRE(!missing);
  CHECK(missing.err().message.find("url is required") != std::string::npos);
  auto tls = parse_webhook_config({{"url", "https://example.org/"}});
  REQUIRE(!tls);
  CHECK(tls.err().message.find("must start with http://") != std::string::npos);
  CHECK(!parse_webhook_config({{"url", "http://host:99999/"}}));
  CHECK(!parse_webhook_config({{"url", "http://:80/"}}));
  CHECK(!parse_webhook_config({{"url", "http://h/"}, {"queue", "0"}}));
  CHECK(!parse_webhook_config({{"url", "http://h/"}, {"retry", "soon"}}));
  CHECK(!parse_webhook_config({{"url", "http://h/"}, {"urls", "x"}}));
}

TEST_CASE("webhook JSON: one object per event, text escaped", "[plugins][webhook]") {
  auto j = nlohmann::json::parse(event_json(node_event{"block", 42, "line \"one\"\n"}, "12D3KooWx", 7));
  CHECK(j["kind"] == "block");
  CHECK(j["height"] == 42);
  CHECK(j["text"] == "line \"one\"\n");
  CHECK(j["node"] == "12D3KooWx");
  CHECK(j["seq"] == 7);
}

TEST_CASE_METHOD(test::plugin_host_fixture, "webhook plugin: delivers filtered events in order and retries a failure",
                 "[plugins][webhook]") {
  receiver server(1);
  auto url = "http://127.0.0.1:" + std::to_string(server.port()) + "/events";
  auto info = load(test::sample_plugin("event_webhook.so"), {{"url", url}, {"kinds", "block,custom"}, {"retry", "50"}});
  REQUIRE(info);
  CHECK(info->name == "webhook");
  // Spawned actors initialize (and join the group) asynchronously: one answered request
  // means the webhook actor runs and listens.
  CHECK(status_of_webhook(*this) == "sent 0, queued 0, dropped 0, failed 0");
  auto events = sys->groups().get_local(node_event_group);
  self->send(events, node_event{"block", 1, "first"});
  self->send(events, node_event{"peer_up", 0, "not wanted"});
  self->send(events, node_event{"custom", 0, "second"});
  self->send(events, node_event{"block", 2, "third"});
  for (int i = 0; i < 400 && server.accepted().size() < 3; ++i)
    std::this_thread::sleep_for(50ms);
  auto got = server.accepted();
  REQUIRE(got.size() == 3);
  CHECK(nlohmann::json::parse(got[0])["text"] == "first");
  CHECK(nlohmann::json::parse(got[0])["height"] == 1);
  CHECK(nlohmann::json::parse(got[1])["kind"] == "custom");
  CHECK(nlohmann::json::parse(got[2])["text"] == "third");
  auto refused = server.refused();
  REQUIRE(refused.size() == 1);
  CHECK(refused[0] == got[0]); // the failed POST was sent again, before the later events
  CHECK(server.target() == "/events");
  std::string status;
  self->request(lookup("webhook"), 10s, get_atom::value)
    .receive([&](std::string& s) { status = s; }, [&](caf::error& e) { FAIL(sys->render(e)); });
  CHECK(status == "sent 3, queued 0, dropped 0, failed 1");
}

TEST_CASE_METHOD(test::plugin_host_fixture, "webhook plugin: a dead receiver never blocks it", "[plugins][webhook]") {
  // A port that was free a moment ago: connections are refused.
  uint16_t port;
  {
    asio::io_context ioc;
    tcp::acceptor a(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto url = "http://127.0.0.1:" + std::to_string(port) + "/";
  // Only blocks: the host's own plugin_loaded event may or may not reach the plugin in time.
  REQUIRE(load(test::sample_plugin("event_webhook.so"), {{"url", url}, {"queue", "3"}, {"retry", "20"}, {"kinds", "block"}}));
  status_of_webhook(*this);
  auto events = sys->groups().get_local(node_event_group);
  for (int i = 0; i < 10; ++i)
    self->send(events, node_event{"block", static_cast<uint64_t>(i), "x"});
  std::string status;
  for (int i = 0; i < 1000; ++i) { // up to 20 s on a loaded machine
    self->request(lookup("webhook"), 10s, get_atom::value)
      .receive([&](std::string& s) { status = s; }, [&](caf::error& e) { FAIL(sys->render(e)); });
    if (status.find("dropped 7") != std::string::npos && status.find("failed 0") == std::string::npos)
      break;
    std::this_thread::sleep_for(20ms);
  }
  INFO(status);
  CHECK(status.find("sent 0, queued 3, dropped 7") == 0);
  CHECK(status.find("failed 0") == std::string::npos);
}
