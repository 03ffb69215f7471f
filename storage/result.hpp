// Status-style errors for pure logic: a code a program can switch on and a message a person can
// act on. CAF code wraps these into caf::error at the actor boundary (messages/errors.hpp).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace mantle {

enum class errc : uint8_t {
  ok = 0,
  invalid_input,   // malformed CID, varint, protobuf, CAR, multipart ...
  not_found,       // missing block, pin, file
  storage_full,    // LMDB map full or disk full
  io_error,        // read/write failure
  corrupt,         // bytes do not match their hash
  unsupported,     // valid but not implemented (e.g. an unknown hash function)
  conflict,        // e.g. removing an indirect pin
  unavailable,     // actor or peer down, timeout
  internal,
  permission_denied, // refused: not authenticated (the remote console)
};

const char* to_string(errc c);

struct error {
  errc code = errc::internal;
  std::string message;
  error() = default;
  error(errc c, std::string msg) : code(c), message(std::move(msg)) {}
  std::string describe() const { return std::string(to_string(code)) + ": " + message; }
};

// expected<T, error> in the spirit of C++23, kept minimal.
template <class T>
class result {
public:
  result(T v) : v_(std::in_place_index<0>, std::move(v)) {}
  result(error e) : v_(std::in_place_index<1>, std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const mantle::error& err() const { return std::get<1>(v_); }

private:
  std::variant<T, mantle::error> v_;
};

// result<void>: success or an error.
class status {
public:
  status() = default;
  status(mantle::error e) : err_(std::move(e)), failed_(true) {}
  static status success() { return {}; }
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const mantle::error& err() const { return err_; }

private:
  mantle::error err_;
  bool failed_ = false;
};

inline error make_error(errc c, std::string msg) { return error{c, std::move(msg)}; }

} // namespace mantle
