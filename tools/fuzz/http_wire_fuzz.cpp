// Raw bytes on a TCP connection to the real http_server (Beast's parser, our body reader,
// keep-alive, Expect: 100-continue, draining) in front of the node's handlers
// (tools/fuzz/http_node.hpp). The server must answer or hang up within its idle timeout, and
// still serve afterwards.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include "tools/fuzz/fuzz_target.hpp"
#include "tools/fuzz/http_node.hpp"

namespace mantle::fuzz {

namespace {

// Sends `bytes` on a fresh connection, half-closes, and reads until the server hangs up.
// Returns false if it neither answers nor hangs up within `wait`.
bool exchange_over_tcp(uint16_t port, std::string_view bytes, std::string& reply,
                       std::chrono::milliseconds wait) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw std::runtime_error("socket() failed");
  timeval tv{static_cast<time_t>(wait.count() / 1000), static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // libFuzzer's timeout timer (SIGALRM, every second) interrupts blocking socket calls: an
  // interrupted connect goes on in the background, an interrupted send or recv is retried.
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  if (rc != 0 && errno == EINTR) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    while ((rc = ::poll(&p, 1, static_cast<int>(wait.count()))) < 0 && errno == EINTR) {
    }
    rc = rc == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 ? 0 : -1;
    if (err)
      errno = err;
  }
  if (rc != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("cannot connect to the fuzz HTTP server: " + why);
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break; // the server may hang up early on bad input
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  bool closed = false;
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      closed = true;
      break;
    }
    if (n < 0)
      break; // timeout
    if (reply.size() < 65536)
      reply.append(buf, static_cast<size_t>(n));
  }
  // Reset instead of FIN: a thousand connections a second would otherwise use up the ephemeral
  // ports in TIME_WAIT within a minute.
  linger no_wait{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_wait, sizeof no_wait);
  ::close(fd);
  return closed;
}

} // namespace

void http_wire(std::string_view in) {
  (void)take_selector(in);
  http_node& n = http_node::get();
  uint16_t port = n.port();
  std::string reply;
  if (!exchange_over_tcp(port, in, reply, std::chrono::seconds(5)))
    throw violation("the server neither answered nor hung up within 5 s of a half-closed request (" +
                    std::to_string(n.open_connections()) + " connections open, " +
                    std::to_string(reply.size()) + " bytes of reply)");
  if (!reply.empty())
    check(reply.rfind("HTTP/1.1 ", 0) == 0, "the server's first bytes are not a status line");
  // Whatever came before, the server still serves.
  std::string ok;
  check(exchange_over_tcp(port, "GET /ipfs/" + n.site_root().str() + "/index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                          ok, std::chrono::seconds(5)) &&
            ok.rfind("HTTP/1.1 200", 0) == 0,
        "the server stopped serving after an input");
}

} // namespace mantle::fuzz
