#include "net/ndjson.hpp"

namespace mantle {

std::string to_ndjson_line(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

status ndjson_reader::line(std::string_view l) {
  while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.remove_suffix(1);
  if (l.empty()) return status::success();
  auto j = nlohmann::json::parse(l.begin(), l.end(), nullptr, false);
  if (j.is_discarded())
    return error{errc::invalid_input, "invalid JSON line: " + std::string(l.substr(0, 200))};
  return sink_(j);
}

status ndjson_reader::feed(std::string_view data) {
  size_t start = 0;
  for (;;) {
    size_t nl = data.find('\n', start);
    if (nl == std::string_view::npos) break;
    status s;
    if (partial_.empty()) {
      s = line(data.substr(start, nl - start));
    } else {
      partial_.append(data.substr(start, nl - start));
      s = line(partial_);
      partial_.clear();
    }
    if (!s.ok()) return s;
    start = nl + 1;
  }
  partial_.append(data.substr(start));
  if (partial_.size() > max_line_) return error{errc::invalid_input, "JSON line too long"};
  return status::success();
}

status ndjson_reader::finish() {
  std::string rest;
  rest.swap(partial_);
  return line(rest);
}

} // namespace mantle
