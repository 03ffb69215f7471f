#include "net/http_request.hpp"
#include <strings.h>

namespace mantle {

std::string http_request::header(std::string_view name) const {
  for (auto& kv : headers)
    if (kv.first.size() == name.size() &&
        strncasecmp(kv.first.data(), name.data(), name.size()) == 0)
      return kv.second;
  return {};
}

bool http_request::has_header(std::string_view name) const {
  for (auto& kv : headers)
    if (kv.first.size() == name.size() &&
        strncasecmp(kv.first.data(), name.data(), name.size()) == 0)
      return true;
  return false;
}

std::optional<uint64_t> http_request::content_length() const {
  std::string v = header("Content-Length");
  if (v.empty()) return std::nullopt;
  try {
    return static_cast<uint64_t>(std::stoull(v));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

result<size_t> http_request::read_body(char* buf, size_t cap) {
  if (body_ == nullptr) return size_t{0};
  return body_->read(buf, cap);
}

result<std::string> http_request::read_body_all(size_t limit) {
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    auto n = read_body(buf, sizeof buf);
    if (!n.ok()) return n.err();
    if (n.value() == 0) return out;
    if (out.size() + n.value() > limit)
      return error{errc::invalid_input,
                   "request body larger than " + std::to_string(limit) + " bytes"};
    out.append(buf, n.value());
  }
}

} // namespace mantle
