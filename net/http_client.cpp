#include "net/http_client.hpp"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <cerrno>
#include <cstring>
#include <ostream>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include "net/http_server.hpp"

namespace mantle {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
} // namespace

std::string client_response::header(std::string_view name) const {
  for (auto& kv : headers)
    if (iequals(kv.first, name)) return kv.second;
  return {};
}

struct http_client::impl {
  asio::io_context ioc;
  tcp::socket sock{ioc};
  boost::beast::flat_buffer buf;
  std::unique_ptr<http::response_parser<http::buffer_body>> parser;
  bool head_request = false;

  status write(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec) return error{errc::io_error, "sending request: " + ec.message()};
    return status::success();
  }
};

http_client::http_client() : p_(std::make_unique<impl>()) {}
http_client::~http_client() = default;

status http_client::connect(const std::string& address) {
  auto hp = host_port::parse(address);
  if (!hp.ok()) return hp.err();
  boost::system::error_code ec;
  tcp::resolver res(p_->ioc);
  auto results = res.resolve(hp->host, std::to_string(hp->port), ec);
  if (ec) return error{errc::unavailable, "cannot resolve " + hp->host + ": " + ec.message()};
  asio::connect(p_->sock, results, ec);
  if (ec) return error{errc::unavailable, "cannot connect to " + address + ": " + ec.message()};
  host_ = hp->host.find(':') != std::string::npos ? "[" + hp->host + "]:" + std::to_string(hp->port)
                                                   : hp->host + ":" + std::to_string(hp->port);
  return status::success();
}

void http_client::close() {
  boost::system::error_code ec;
  p_->sock.shutdown(tcp::socket::shutdown_both, ec);
  p_->sock.close(ec);
}

static std::string request_head(const std::string& method, const std::string& target,
                                 const std::string& host, const headers_list& headers) {
  std::string h = method + " " + target + " HTTP/1.1\r\n";
  bool ua = false, has_host = false;
  for (auto& kv : headers) {
    h += kv.first + ": " + kv.second + "\r\n";
    if (iequals(kv.first, "User-Agent")) ua = true;
    if (iequals(kv.first, "Host")) has_host = true; // virtual hosts: the caller names the site
  }
  if (!has_host) h += "Host: " + host + "\r\n";
  if (!ua) h += "User-Agent: mantle\r\n";
  return h;
}

status http_client::send(const std::string& method, const std::string& target,
                         const headers_list& headers, std::string_view body) {
  p_->head_request = method == "HEAD";
  std::string msg = request_head(method, target, host_, headers);
  msg += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  msg.append(body.data(), body.size());
  return p_->write(msg);
}

status http_client::send_streamed(const std::string& method, const std::string& target,
                                  const headers_list& headers, const body_pull& body) {
  p_->head_request = method == "HEAD";
  auto st = p_->write(request_head(method, target, host_, headers) +
                      "Transfer-Encoding: chunked\r\n\r\n");
  if (!st.ok()) return st;
  std::vector<char> buf(1024 * 1024 + 32);
  for (;;) {
    // Room for the chunk-size line in front of the data keeps this one write per chunk.
    const size_t off = 16;
    auto n = body(buf.data() + off, buf.size() - off - 2);
    if (!n.ok()) return n.err();
    if (n.value() == 0) break;
    char line[16];
    int len = snprintf(line, sizeof line, "%zx\r\n", n.value());
    char* start = buf.data() + off - len;
    std::memcpy(start, line, len);
    buf[off + n.value()] = '\r';
    buf[off + n.value() + 1] = '\n';
    st = p_->write(std::string_view(start, len + n.value() + 2));
    if (!st.ok()) return st;
  }
  return p_->write("0\r\n\r\n");
}

namespace {
// sendfile(2) has no MSG_NOSIGNAL: a server that hangs up mid-upload (it answered an error
// early) would kill the process with SIGPIPE. It is blocked on this thread while sending, and
// one raised meanwhile is taken off so the error comes back as EPIPE instead.
class sigpipe_blocked {
public:
  sigpipe_blocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~sigpipe_blocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      timespec none{0, 0};
      sigtimedwait(&pipe_, nullptr, &none);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  sigpipe_blocked(const sigpipe_blocked&) = delete;
  sigpipe_blocked& operator=(const sigpipe_blocked&) = delete;

private:
  sigset_t pipe_{}, old_{};
  bool was_pending_ = false;
};
} // namespace

status http_client::send_sized(const std::string& method, const std::string& target,
                               const headers_list& headers, sized_body& body) {
  p_->head_request = method == "HEAD";
  auto length = body.length();
  if (!length.ok()) return length.err();
  auto st = p_->write(request_head(method, target, host_, headers) + "Content-Length: " +
                      std::to_string(length.value()) + "\r\n\r\n");
  if (!st.ok()) return st;
  const int sock = p_->sock.native_handle();
  sigpipe_blocked no_sigpipe;
  std::vector<char> buf(64 * 1024);
  uint64_t sent = 0;
  for (;;) {
    auto p = body.next(buf.data(), buf.size());
    if (!p.ok()) return p.err();
    if (p->bytes > 0) {
      if (st = p_->write(std::string_view(buf.data(), p->bytes)); !st.ok()) return st;
      sent += p->bytes;
      continue;
    }
    if (p->fd < 0) break;
    off_t off = static_cast<off_t>(p->offset);
    uint64_t left = p->len;
    while (left > 0) {
      ssize_t n = ::sendfile(sock, p->fd, &off, static_cast<size_t>(std::min<uint64_t>(left, 1 << 30)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd w{sock, POLLOUT, 0};
        ::poll(&w, 1, -1);
        continue;
      }
      if (n < 0) return error{errc::io_error, std::string("sending request: ") + std::strerror(errno)};
      if (n == 0) return error{errc::io_error, "sending request: the file ended early (it shrank meanwhile)"};
      left -= static_cast<uint64_t>(n);
      sent += static_cast<uint64_t>(n);
    }
  }
  if (sent != length.value())
    return error{errc::io_error, "sending request: " + std::to_string(sent) + " body bytes sent of " +
                                     std::to_string(length.value())};
  return status::success();
}

result<client_response> http_client::read_head() {
  p_->parser = std::make_unique<http::response_parser<http::buffer_body>>();
  p_->parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  p_->parser->skip(p_->head_request);
  boost::system::error_code ec;
  // Skip interim 1xx responses (100 Continue).
  for (;;) {
    http::read_header(p_->sock, p_->buf, *p_->parser, ec);
    if (ec) return error{errc::io_error, "reading response: " + ec.message()};
    unsigned code = p_->parser->get().result_int();
    if (code >= 200 || code < 100) break;
    p_->parser = std::make_unique<http::response_parser<http::buffer_body>>();
    p_->parser->body_limit(std::numeric_limits<std::uint64_t>::max());
  }
  client_response r;
  r.status = p_->parser->get().result_int();
  for (auto& f : p_->parser->get())
    r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return r;
}

result<size_t> http_client::read_body(char* out, size_t cap) {
  if (!p_->parser) return error{errc::internal, "read_head() first"};
  auto& p = *p_->parser;
  for (;;) {
    if (p.is_done()) return size_t{0};
    p.get().body().data = out;
    p.get().body().size = cap;
    boost::system::error_code ec;
    http::read(p_->sock, p_->buf, p, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return error{errc::io_error, "reading response body: " + ec.message()};
    size_t n = cap - p.get().body().size;
    if (n > 0 || p.is_done()) return n;
  }
}

std::string http_client::trailer(std::string_view name) const {
  if (!p_->parser || !p_->parser->is_done()) return {};
  // Beast adds trailer fields to the message's fields once the last chunk is parsed.
  for (auto& f : p_->parser->get())
    if (iequals(std::string(f.name_string()), name)) return std::string(f.value());
  return {};
}

result<client_response> http_client::request(const std::string& method, const std::string& target,
                                              const headers_list& headers, std::string_view body,
                                              size_t max_body) {
  auto st = send(method, target, headers, body);
  if (!st.ok()) return st.err();
  auto head = read_head();
  if (!head.ok()) return head.err();
  client_response r = std::move(head.value());
  std::vector<char> buf(64 * 1024);
  for (;;) {
    auto n = read_body(buf.data(), buf.size());
    if (!n.ok()) return n.err();
    if (n.value() == 0) break;
    if (r.body.size() + n.value() > max_body)
      return error{errc::invalid_input, "response body larger than " + std::to_string(max_body)};
    r.body.append(buf.data(), n.value());
  }
  std::string se = trailer("X-Stream-Error");
  if (!se.empty()) r.headers.emplace_back("X-Stream-Error", se);
  return r;
}

} // namespace mantle
