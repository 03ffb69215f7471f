#include "net/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "net/metrics.hpp"

namespace mantle {

namespace {
std::string slurp(const char* path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t count_open_fds() {
  DIR* d = opendir("/proc/self/fd");
  if (!d) return 0;
  size_t n = 0;
  while (auto* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n > 0 ? n - 1 : 0; // the directory stream itself holds one
}
} // namespace

std::optional<proc_stat_fields> parse_proc_stat(std::string_view text) {
  auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::istringstream in(std::string(text.substr(close + 1)));
  // After the command come fields 3 (state) onwards.
  std::vector<std::string> f;
  std::string tok;
  while (in >> tok) f.push_back(tok);
  auto field = [&](size_t n) -> std::optional<uint64_t> { // n is the man page's 1-based number
    size_t i = n - 3;
    if (i >= f.size()) return std::nullopt;
    try {
      size_t used = 0;
      uint64_t v = std::stoull(f[i], &used);
      if (used != f[i].size()) return std::nullopt;
      return v;
    } catch (...) {
      return std::nullopt;
    }
  };
  auto ut = field(14), st = field(15), start = field(22), vs = field(23), rss = field(24);
  if (!ut || !st || !start || !vs || !rss) return std::nullopt;
  return proc_stat_fields{*ut, *st, *start, *vs, *rss};
}

std::optional<uint64_t> parse_boot_time(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (line.substr(0, 6) == "btime ") {
      try {
        return std::stoull(std::string(line.substr(6)));
      } catch (...) {
        return std::nullopt;
      }
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return std::nullopt;
}

void register_process_metrics(metrics_registry& reg) {
  long tick = sysconf(_SC_CLK_TCK);
  long page = sysconf(_SC_PAGESIZE);
  if (tick <= 0) tick = 100;
  if (page <= 0) page = 4096;
  auto cpu = reg.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", {},
                         1.0 / static_cast<double>(tick)).with({});
  auto rss = reg.gauge("process_resident_memory_bytes", "Resident memory size in bytes.").with({});
  auto vsz = reg.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.").with({});
  auto fds = reg.gauge("process_open_fds", "Number of open file descriptors.").with({});
  auto max_fds = reg.gauge("process_max_fds", "Maximum number of open file descriptors.").with({});
  auto start = reg.gauge("process_start_time_seconds",
                         "Start time of the process since unix epoch in seconds.").with({});
  std::optional<uint64_t> boot = parse_boot_time(slurp("/proc/stat"));
  reg.add_scrape_callback([=] {
    if (auto s = parse_proc_stat(slurp("/proc/self/stat"))) {
      cpu.set(s->utime_ticks + s->stime_ticks);
      rss.set(static_cast<double>(s->rss_pages) * static_cast<double>(page));
      vsz.set(static_cast<double>(s->vsize_bytes));
      if (boot)
        start.set(static_cast<double>(*boot) + static_cast<double>(s->start_ticks) / static_cast<double>(tick));
    }
    fds.set(static_cast<double>(count_open_fds()));
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
      max_fds.set(static_cast<double>(lim.rlim_cur));
  });
}

} // namespace mantle
