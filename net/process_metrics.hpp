// Process metrics with the names Prometheus client libraries use (process_resident_memory_bytes,
// process_open_fds, process_start_time_seconds ...), read from /proc at scrape time.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace mantle {

class metrics_registry;

// The fields of /proc/<pid>/stat that the process metrics need (man 5 proc).
struct proc_stat_fields {
  uint64_t utime_ticks = 0;   // field 14
  uint64_t stime_ticks = 0;   // field 15
  uint64_t start_ticks = 0;   // field 22, clock ticks after boot
  uint64_t vsize_bytes = 0;   // field 23
  uint64_t rss_pages = 0;     // field 24
};
// The command name (field 2) may hold spaces and parentheses: fields are counted after the
// last ')'. Empty if the text is not a stat line.
std::optional<proc_stat_fields> parse_proc_stat(std::string_view text);
// The "btime" line of /proc/stat: boot time in seconds since the epoch.
std::optional<uint64_t> parse_boot_time(std::string_view proc_stat_text);

// Registers the process_* families and a scrape callback that refreshes them.
void register_process_metrics(metrics_registry& reg);

} // namespace mantle
