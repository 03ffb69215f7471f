// Minimal leveled logging to stderr, shared by every library (no CAF). Lines are written whole
// under a mutex so messages from actor threads do not interleave.
#pragma once
#include <optional>
#include <string_view>

namespace mantle::log {

enum class level { error = 0, warning = 1, info = 2, debug = 3, trace = 4 };

std::optional<level> parse_level(std::string_view name); // "error" ... "trace"
const char* to_string(level l);

void set_level(level l);
level current_level();
inline bool enabled(level l) { return static_cast<int>(l) <= static_cast<int>(current_level()); }

// "2024-05-01T12:00:00.123Z WARN  supervisor: message"
void write(level l, std::string_view component, std::string_view message);

inline void error(std::string_view c, std::string_view m) { write(level::error, c, m); }
inline void warning(std::string_view c, std::string_view m) { write(level::warning, c, m); }
inline void info(std::string_view c, std::string_view m) { write(level::info, c, m); }
inline void debug(std::string_view c, std::string_view m) { write(level::debug, c, m); }

} // namespace mantle::log
