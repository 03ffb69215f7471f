// Newline-delimited JSON, the format of Kubo's value streams (add progress, pin ls --stream).
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <nlohmann/json.hpp>
#include "storage/result.hpp"

namespace mantle {

// One compact JSON line with its newline; invalid UTF-8 is replaced, never thrown on.
std::string to_ndjson_line(const nlohmann::json& value);

// Splits a byte stream into lines and parses each as JSON.
class ndjson_reader {
public:
  using sink = std::function<status(const nlohmann::json&)>;
  explicit ndjson_reader(sink s, size_t max_line = 16 * 1024 * 1024) : sink_(std::move(s)), max_line_(max_line) {}
  status feed(std::string_view data);
  status finish(); // a last line without newline is still a value

private:
  status line(std::string_view l);
  sink sink_;
  size_t max_line_;
  std::string partial_;
};

} // namespace mantle
