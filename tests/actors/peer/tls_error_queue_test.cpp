#include <catch2/catch.hpp>

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actors/peer/tls_error_queue.hpp"

namespace {

// A TLS client on one end of a non-blocking socket pair nobody answers: every handshake step
// wants to read.
struct waiting_client {
  int fds[2] = {-1, -1};
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  waiting_client() {
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    ctx = SSL_CTX_new(TLS_client_method());
    REQUIRE(ctx);
    ssl = SSL_new(ctx);
    REQUIRE(ssl);
    SSL_set_fd(ssl, fds[0]);
    SSL_set_connect_state(ssl);
  }
  ~waiting_client() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fds[0]);
    ::close(fds[1]);
  }
};

// What a connection broken by kill -9 leaves in the thread's queue under OpenSSL 3.
void leave_stale_error() { ERR_raise(ERR_LIB_SSL, SSL_R_UNEXPECTED_EOF_WHILE_READING); }

} // namespace

TEST_CASE("the TLS calls CAF makes go through the error-queue guard", "[tls][peer]") {
  CHECK(mantle::tls::error_queue_guard_active());
}

TEST_CASE("a stale error of another connection does not fail a TLS call that only waits", "[tls][peer]") {
  waiting_client c;
  leave_stale_error();
  int ret = SSL_connect(c.ssl);
  CHECK(ret < 0);
  CHECK(SSL_get_error(c.ssl, ret) == SSL_ERROR_WANT_READ); // without the guard: SSL_ERROR_SSL
  leave_stale_error();
  ret = SSL_do_handshake(c.ssl);
  CHECK(SSL_get_error(c.ssl, ret) == SSL_ERROR_WANT_READ);
  leave_stale_error();
  char buf[16];
  ret = SSL_read(c.ssl, buf, sizeof buf);
  CHECK(SSL_get_error(c.ssl, ret) == SSL_ERROR_WANT_READ);
  ERR_clear_error();
}

TEST_CASE("the guard keeps the error of the call itself", "[tls][peer]") {
  waiting_client c;
  // The "server" answers with bytes that are not TLS: a real failure of this connection.
  const char junk[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
  REQUIRE(::write(c.fds[1], junk, sizeof junk - 1) == static_cast<ssize_t>(sizeof junk - 1));
  int ret = SSL_connect(c.ssl);
  CHECK(ret <= 0);
  CHECK(SSL_get_error(c.ssl, ret) == SSL_ERROR_SSL);
  CHECK(ERR_peek_error() != 0); // its own error is there for whoever asks
  ERR_clear_error();
}
