// OpenSSL keeps one error queue per thread, and SSL_get_error() reads a non-empty queue as the
// error of whatever call just returned <= 0. CAF 0.17.6's openssl module never empties it: it
// drains the queue only inside log statements, which the Debian build compiles out. So when one
// peer's connection breaks (kill -9: "unexpected EOF"), or a TLS handshake is refused, the
// error stays queued on the multiplexer thread, and the next SSL_read of a *healthy* session
// on that thread that merely has no data yet (SSL_ERROR_WANT_READ) is taken for a failure and
// the connection is closed.
//
// OpenSSL's rule is that the queue must be empty before a TLS I/O call. This file enforces it
// where CAF makes the calls: the executable defines SSL_read, SSL_write, SSL_connect, SSL_accept
// and SSL_do_handshake, each of which empties the calling thread's queue and then calls
// libssl's own function (found with dlsym(RTLD_NEXT)). The dynamic linker binds libcaf_openssl's
// references to these definitions because an executable's exported symbols come first.
#pragma once

namespace mantle::tls {

// Whether the calls CAF makes really go through the guard (the process's global lookup of
// SSL_read finds this file's definition): false means the guard is not linked in as intended.
bool error_queue_guard_active();

} // namespace mantle::tls
