#include "actors/peer/tls_error_queue.hpp"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>

namespace {

// libssl's definition of `name`, the next one after this executable's in lookup order.
void* next_definition(const char* name) {
  void* f = ::dlsym(RTLD_NEXT, name);
  if (!f) {
    // Without it no TLS call can be made at all; there is no sensible way to go on.
    std::fprintf(stderr, "fatal: cannot find OpenSSL's %s: %s\n", name, ::dlerror());
    std::abort();
  }
  return f;
}

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(next_definition(name));
}

} // namespace

extern "C" {

int SSL_read(SSL* s, void* buf, int num) {
  static const auto f = real<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return f(s, buf, num);
}

int SSL_write(SSL* s, const void* buf, int num) {
  static const auto f = real<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return f(s, buf, num);
}

int SSL_connect(SSL* s) {
  static const auto f = real<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return f(s);
}

int SSL_accept(SSL* s) {
  static const auto f = real<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return f(s);
}

int SSL_do_handshake(SSL* s) {
  static const auto f = real<int (*)(SSL*)>("SSL_do_handshake");
  ERR_clear_error();
  return f(s);
}

} // extern "C"

namespace mantle::tls {

bool error_queue_guard_active() {
  return ::dlsym(RTLD_DEFAULT, "SSL_read") == reinterpret_cast<void*>(&SSL_read);
}

} // namespace mantle::tls
