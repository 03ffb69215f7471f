#include "net/http_server.hpp"
#include <poll.h>
#include <ostream>
#include <strings.h>
#include <sys/socket.h>
#include <atomic>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace mantle {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

result<host_port> host_port::parse(std::string_view text) {
  std::string host;
  std::string_view port_text;
  if (text.rfind("/ip4/", 0) == 0 || text.rfind("/ip6/", 0) == 0 || text.rfind("/dns", 0) == 0) {
    // /ip4/127.0.0.1/tcp/5001
    auto p1 = text.find('/', 1);
    auto p2 = p1 == std::string_view::npos ? p1 : text.find('/', p1 + 1);
    if (p2 == std::string_view::npos || text.substr(p2, 5) != "/tcp/")
      return error{errc::invalid_input, "unsupported multiaddr '" + std::string(text) + "'"};
    host = std::string(text.substr(p1 + 1, p2 - p1 - 1));
    port_text = text.substr(p2 + 5);
  } else if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return error{errc::invalid_input, "expected [host]:port, got '" + std::string(text) + "'"};
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return error{errc::invalid_input, "expected host:port, got '" + std::string(text) + "'"};
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (host.empty() || port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string_view::npos)
    return error{errc::invalid_input, "expected host:port, got '" + std::string(text) + "'"};
  unsigned long p = std::stoul(std::string(port_text));
  if (p > 65535) return error{errc::invalid_input, "port out of range in '" + std::string(text) + "'"};
  return host_port{host, static_cast<uint16_t>(p)};
}

struct http_server::state {
  http_handler handler;
  http_server_options opts;
  asio::io_context ioc; // sockets need one; nothing runs it, all I/O here is blocking
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread listener;
  std::atomic<bool> stopping{false};
  std::atomic<bool> running{false};
  uint16_t port = 0;

  struct conn_entry {
    int fd;
    bool idle = true;
    clock_type::time_point idle_since = clock_type::now();
  };
  mutable std::mutex mu;
  std::condition_variable cv;
  std::list<conn_entry> conns; // guarded by mu; removed before the socket is closed

  using conn_iter = std::list<conn_entry>::iterator;
  void set_idle(conn_iter it, bool idle) {
    std::lock_guard<std::mutex> lk(mu);
    it->idle = idle;
    it->idle_since = clock_type::now();
  }
};

namespace {

class socket_sink : public response_writer::byte_sink {
public:
  explicit socket_sink(tcp::socket& s) : s_(s) {}
  status write(std::string_view bytes) override { return write_parts(&bytes, 1); }
  // Whole parts per system call: asio::write hands the kernel at most 64 KiB per call (its
  // default_max_transfer_size), so a 256 KiB leaf took 4-5 sendmsg calls, each waking the
  // reader. Here one call takes as much as the socket buffer will.
  status write_parts(const std::string_view* parts, size_t n) override {
    std::vector<asio::const_buffer> bufs;
    bufs.reserve(n);
    for (size_t i = 0; i < n; ++i)
      if (!parts[i].empty())
        bufs.emplace_back(parts[i].data(), parts[i].size());
    size_t first = 0;
    while (first < bufs.size()) {
      boost::system::error_code ec;
      size_t done = s_.write_some(span_of(bufs, first), ec);
      if (ec) return error{errc::io_error, "writing response: " + ec.message()};
      while (done > 0) {
        size_t take = std::min(done, bufs[first].size());
        bufs[first] += take;
        done -= take;
        if (bufs[first].size() == 0) ++first;
      }
    }
    return status::success();
  }

private:
  static std::vector<asio::const_buffer> span_of(const std::vector<asio::const_buffer>& bufs, size_t first) {
    return std::vector<asio::const_buffer>(bufs.begin() + static_cast<std::ptrdiff_t>(first), bufs.end());
  }
  tcp::socket& s_;
};

// Body of the current request, read straight from the parser into the caller's buffer.
class parser_body_reader : public http_request::body_reader {
public:
  parser_body_reader(tcp::socket& s, boost::beast::flat_buffer& buf,
                     http::request_parser<http::buffer_body>& p, bool expect_continue)
      : s_(s), buf_(buf), p_(p), expect_continue_(expect_continue) {
    // A body with a Content-Length needs no parsing: read it straight from the socket into the
    // caller's buffer, saving Beast's copy through its buffer and its 64 KiB read cap.
    if (!p.is_done() && !p.chunked() && p.content_length()) {
      direct_ = true;
      remaining_ = *p.content_length();
    }
  }

  result<size_t> read(char* out, size_t cap) override {
    if (done() || cap == 0) return size_t{0};
    if (failed_) return error{errc::io_error, "request body already failed"};
    if (expect_continue_) {
      // curl and Go clients wait for this before sending a large body.
      expect_continue_ = false;
      static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
      boost::system::error_code ec;
      asio::write(s_, asio::buffer(cont, sizeof cont - 1), ec);
      if (ec) return fail("sending 100 Continue: " + ec.message());
    }
    if (direct_) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(cap, remaining_));
      size_t n = 0;
      if (buf_.size() > 0) { // body bytes that arrived with the header
        n = std::min(want, buf_.size());
        std::memcpy(out, buf_.data().data(), n);
        buf_.consume(n);
      } else {
        boost::system::error_code ec;
        n = s_.read_some(asio::buffer(out, want), ec);
        if (ec) return fail("reading request body: " + ec.message());
      }
      remaining_ -= n;
      total_ += n;
      return n;
    }
    for (;;) {
      p_.get().body().data = out;
      p_.get().body().size = cap;
      boost::system::error_code ec;
      http::read(s_, buf_, p_, ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return fail("reading request body: " + ec.message());
      size_t n = cap - p_.get().body().size;
      total_ += n;
      if (n > 0 || p_.is_done()) return n;
    }
  }
  bool done() const override { return direct_ ? remaining_ == 0 : p_.is_done(); }
  bool failed() const { return failed_; }
  bool continue_pending() const { return expect_continue_; }

private:
  result<size_t> fail(std::string msg) {
    failed_ = true;
    return error{errc::io_error, std::move(msg)};
  }
  tcp::socket& s_;
  boost::beast::flat_buffer& buf_;
  http::request_parser<http::buffer_body>& p_;
  bool expect_continue_;
  bool failed_ = false;
  bool direct_ = false;
  uint64_t remaining_ = 0;
  uint64_t total_ = 0;
};

void send_simple(tcp::socket& s, unsigned code, std::string_view reason, std::string_view body) {
  std::string out = "HTTP/1.1 " + std::to_string(code) + " " + std::string(reason) +
                    "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + std::string(body);
  boost::system::error_code ec;
  asio::write(s, asio::buffer(out), ec);
}

void serve_connection(std::shared_ptr<http_server::state> st, tcp::socket sock,
                      http_server::state::conn_iter me) {
  boost::system::error_code ec;
  std::string remote;
  {
    auto ep = sock.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  boost::beast::flat_buffer buf;
  // Beast reads at most the buffer's free capacity per recv (512 bytes minimum): without room
  // up front an upload arrives in ~2 KiB syscalls and tops out near 200 MB/s.
  buf.reserve(1 << 20);
  socket_sink sink(sock);
  while (!st->stopping) {
    http::request_parser<http::buffer_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(st->opts.max_header_bytes));
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    st->set_idle(me, true);
    http::read_header(sock, buf, parser, ec);
    st->set_idle(me, false);
    if (ec) {
      if (ec == http::error::header_limit) {
        send_simple(sock, 431, "Request Header Fields Too Large", "request header too large\n");
      } else if (ec.category() == boost::beast::http::make_error_code(http::error::bad_target).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message) {
        // A parse error (not a plain disconnect) gets a reason before we hang up.
        send_simple(sock, 400, "Bad Request", "malformed HTTP request: " + ec.message() + "\n");
      }
      break;
    }
    auto& msg = parser.get();
    http_request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    auto qpos = req.target.find('?');
    req.path = req.target.substr(0, qpos);
    req.remote = remote;
    for (auto& f : msg) req.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    bool expect_continue = false;
    {
      auto it = msg.find(http::field::expect);
      if (it != msg.end() && strncasecmp(std::string(it->value()).c_str(), "100-continue", 12) == 0)
        expect_continue = true;
    }
    parser_body_reader body(sock, buf, parser, expect_continue);
    req.set_body_reader(&body);
    response_writer w(sink, msg.keep_alive(), msg.method() == http::verb::head);

    if (qpos != std::string::npos) {
      auto q = query_args::parse(std::string_view(req.target).substr(qpos + 1));
      if (!q.ok()) {
        w.status(400).close_connection();
        w.send(q.err().message + "\n");
        break;
      }
      req.query = std::move(q.value());
    }

    try {
      st->handler(req, w);
    } catch (const std::exception& e) {
      if (!w.started()) {
        w.status(500);
        w.send(std::string("internal error: ") + e.what() + "\n");
      } else {
        w.finish_with_error(std::string("internal error: ") + e.what());
      }
    } catch (...) {
      if (!w.started()) {
        w.status(500);
        w.send("internal error\n");
      } else {
        w.finish_with_error("internal error");
      }
    }
    if (!w.started()) {
      w.status(500);
      w.send("handler sent no response\n");
    } else if (!w.finished()) {
      if (w.chunked())
        w.finish_with_error("handler ended without finishing its response");
      else
        w.finish();
    }
    if (w.failed() || !w.keep_alive() || body.failed()) break;
    if (!body.done()) {
      // The client may still be sending; drain a bounded amount so keep-alive survives a
      // handler that answered early (an error before reading an upload), else hang up.
      if (body.continue_pending()) break; // it never sent the body; don't invite it now
      static thread_local std::vector<char> sink_buf(256 * 1024);
      uint64_t drained = 0;
      while (!body.done() && drained <= st->opts.max_drain_bytes) {
        auto n = body.read(sink_buf.data(), sink_buf.size());
        if (!n.ok()) break;
        drained += n.value();
      }
      if (!body.done()) break;
    }
  }
  {
    std::lock_guard<std::mutex> lk(st->mu);
    st->conns.erase(me);
  }
  sock.shutdown(tcp::socket::shutdown_both, ec);
  sock.close(ec);
  st->cv.notify_all();
}

void listen_loop(std::shared_ptr<http_server::state> st) {
  int lfd = st->acceptor->native_handle();
  while (!st->stopping) {
    pollfd pfd{lfd, POLLIN, 0};
    int r = ::poll(&pfd, 1, 200);
    // Idle keep-alive connections past their timeout are shut down; their threads then exit.
    {
      std::lock_guard<std::mutex> lk(st->mu);
      auto now = clock_type::now();
      for (auto& c : st->conns)
        if (c.idle && now - c.idle_since > st->opts.idle_timeout) ::shutdown(c.fd, SHUT_RDWR);
    }
    if (r <= 0 || st->stopping) continue;
    boost::system::error_code ec;
    tcp::socket sock(st->ioc);
    st->acceptor->accept(sock, ec);
    if (ec) continue;
    // Every response leaves in as few writes as possible (head and body coalesced), so Nagle
    // can only delay the tail of a response waiting for an ACK the peer sends late.
    sock.set_option(tcp::no_delay(true), ec);
    std::unique_lock<std::mutex> lk(st->mu);
    if (st->conns.size() >= st->opts.max_connections) {
      lk.unlock();
      send_simple(sock, 503, "Service Unavailable", "too many connections\n");
      sock.shutdown(tcp::socket::shutdown_both, ec);
      sock.close(ec);
      continue;
    }
    st->conns.push_back({sock.native_handle()});
    auto it = std::prev(st->conns.end());
    lk.unlock();
    try {
      std::thread(serve_connection, st, std::move(sock), it).detach();
    } catch (const std::system_error&) {
      std::lock_guard<std::mutex> lk2(st->mu);
      st->conns.erase(it); // the thread's copy of the socket was destroyed, closing it
    }
  }
}

} // namespace

http_server::http_server(http_handler handler, http_server_options opts)
    : st_(std::make_shared<state>()) {
  st_->handler = std::move(handler);
  st_->opts = opts;
}

http_server::~http_server() { stop(); }

status http_server::start(const std::string& address) {
  if (st_->running) return error{errc::conflict, "server already running"};
  auto hp = host_port::parse(address);
  if (!hp.ok()) return hp.err();
  boost::system::error_code ec;
  tcp::endpoint ep;
  auto addr = asio::ip::make_address(hp->host, ec);
  if (!ec) {
    ep = tcp::endpoint(addr, hp->port);
  } else {
    tcp::resolver res(st_->ioc);
    auto results = res.resolve(hp->host, std::to_string(hp->port), ec);
    if (ec || results.empty())
      return error{errc::invalid_input, "cannot resolve '" + hp->host + "': " + ec.message()};
    ep = results.begin()->endpoint();
  }
  auto acc = std::make_unique<tcp::acceptor>(st_->ioc);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return error{errc::unavailable, "cannot listen on " + address + ": " + ec.message()};
  st_->port = acc->local_endpoint(ec).port();
  st_->acceptor = std::move(acc);
  st_->stopping = false;
  st_->running = true;
  st_->listener = std::thread(listen_loop, st_);
  return status::success();
}

void http_server::stop(std::chrono::milliseconds timeout) {
  if (!st_->running) return;
  st_->stopping = true;
  if (st_->listener.joinable()) st_->listener.join();
  boost::system::error_code ec;
  st_->acceptor->close(ec);
  std::unique_lock<std::mutex> lk(st_->mu);
  for (auto& c : st_->conns) ::shutdown(c.fd, SHUT_RDWR);
  st_->cv.wait_for(lk, timeout, [&] { return st_->conns.empty(); });
  st_->running = false;
}

uint16_t http_server::port() const { return st_->port; }
bool http_server::running() const { return st_->running; }
size_t http_server::active_connections() const {
  std::lock_guard<std::mutex> lk(st_->mu);
  return st_->conns.size();
}

} // namespace mantle
