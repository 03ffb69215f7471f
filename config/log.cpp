#include "config/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace mantle::log {

namespace {
std::atomic<int> g_level{static_cast<int>(level::info)};
std::mutex g_mutex;
} // namespace

std::optional<level> parse_level(std::string_view name) {
  if (name == "error") return level::error;
  if (name == "warning" || name == "warn") return level::warning;
  if (name == "info") return level::info;
  if (name == "debug") return level::debug;
  if (name == "trace") return level::trace;
  return std::nullopt;
}

const char* to_string(level l) {
  switch (l) {
    case level::error: return "error";
    case level::warning: return "warning";
    case level::info: return "info";
    case level::debug: return "debug";
    case level::trace: return "trace";
  }
  return "unknown";
}

void set_level(level l) { g_level.store(static_cast<int>(l)); }
level current_level() { return static_cast<level>(g_level.load()); }

void write(level l, std::string_view component, std::string_view message) {
  if (!enabled(l))
    return;
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  static const char* tags[] = {"ERROR", "WARN ", "INFO ", "DEBUG", "TRACE"};
  std::string line;
  line.reserve(48 + component.size() + message.size());
  line.append(stamp).append(".");
  char msbuf[8];
  std::snprintf(msbuf, sizeof msbuf, "%03d", static_cast<int>(ms));
  line.append(msbuf).append("Z ").append(tags[static_cast<int>(l)]).append(" ");
  line.append(component).append(": ").append(message).append("\n");
  std::lock_guard<std::mutex> guard(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace mantle::log
