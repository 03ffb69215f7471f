// A Prometheus metrics registry and its text exposition (format 0.0.4). Pure C++, thread-safe.
//
// Families (counter, gauge, histogram) are registered once by name with their label names;
// a series is one combination of label values. Looking a series up takes a shared (reader)
// lock on its family; updating it is one relaxed atomic add, so the request path never waits
// on another request. Hot callers keep the handle a lookup returns (it stays valid for the
// registry's life) and skip the lookup altogether.
//
// Counters count integers in a `unit` (e.g. nanoseconds with unit 1e-9 for a seconds
// counter) so adding never needs a floating-point compare-and-swap loop; the exposition
// multiplies back. Histograms do the same for their sum.
//
// Values that only exist at scrape time (bytes stored, open fds) are set by scrape callbacks,
// which render() runs before writing the text.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mantle {

enum class metric_kind { counter, gauge, histogram };

namespace metrics_detail {
struct series {
  std::vector<std::string> label_values;
  std::atomic<uint64_t> value{0};        // counter value, histogram sum (raw units)
  std::atomic<double> gauge{0.0};
  std::unique_ptr<std::atomic<uint64_t>[]> buckets; // histogram: per bucket, not cumulative
};
struct family;
} // namespace metrics_detail

class counter {
public:
  counter() = default;
  void inc(uint64_t n = 1) const { s_->value.fetch_add(n, std::memory_order_relaxed); }
  // Only for counters mirrored at scrape time from a count kept elsewhere (CPU ticks).
  void set(uint64_t raw) const { s_->value.store(raw, std::memory_order_relaxed); }
  uint64_t value() const { return s_->value.load(std::memory_order_relaxed); }
  explicit operator bool() const { return s_ != nullptr; }

private:
  friend class counter_family;
  explicit counter(metrics_detail::series* s) : s_(s) {}
  metrics_detail::series* s_ = nullptr;
};

class gauge {
public:
  gauge() = default;
  void set(double v) const { s_->gauge.store(v, std::memory_order_relaxed); }
  double value() const { return s_->gauge.load(std::memory_order_relaxed); }
  explicit operator bool() const { return s_ != nullptr; }

private:
  friend class gauge_family;
  explicit gauge(metrics_detail::series* s) : s_(s) {}
  metrics_detail::series* s_ = nullptr;
};

class histogram {
public:
  histogram() = default;
  // `raw` is in the family's unit (nanoseconds for a seconds histogram with unit 1e-9).
  void observe_raw(uint64_t raw) const;
  // `v` in the exposed unit (seconds); rounded to the nearest raw unit, negatives count as 0.
  void observe(double v) const;
  uint64_t count() const;
  uint64_t sum_raw() const { return s_->value.load(std::memory_order_relaxed); }
  explicit operator bool() const { return s_ != nullptr; }

private:
  friend class histogram_family;
  histogram(metrics_detail::series* s, const metrics_detail::family* f) : s_(s), f_(f) {}
  metrics_detail::series* s_ = nullptr;
  const metrics_detail::family* f_ = nullptr;
};

// Typed views of a registered family. `with` finds or creates the series for the label values,
// given in the order of the family's label names; a wrong number of values is a programming
// error and throws std::invalid_argument.
class counter_family {
public:
  counter with(std::initializer_list<std::string_view> values) const;
  counter with(const std::vector<std::string>& values) const;

private:
  friend class metrics_registry;
  explicit counter_family(metrics_detail::family* f) : f_(f) {}
  metrics_detail::family* f_;
};

class gauge_family {
public:
  gauge with(std::initializer_list<std::string_view> values) const;
  gauge with(const std::vector<std::string>& values) const;

private:
  friend class metrics_registry;
  explicit gauge_family(metrics_detail::family* f) : f_(f) {}
  metrics_detail::family* f_;
};

class histogram_family {
public:
  histogram with(std::initializer_list<std::string_view> values) const;
  histogram with(const std::vector<std::string>& values) const;

private:
  friend class metrics_registry;
  explicit histogram_family(metrics_detail::family* f) : f_(f) {}
  metrics_detail::family* f_;
};

class metrics_registry {
public:
  metrics_registry();
  ~metrics_registry();
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  // Registers a family, or returns the one already registered under `name` when kind, labels
  // (and buckets/unit) are the same, so an actor that restarts can register again. A clash or
  // an invalid metric or label name throws std::invalid_argument: a programming error that
  // the first test run catches.
  counter_family counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names = {}, double unit = 1.0);
  gauge_family gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names = {});
  // `upper_bounds` in the exposed unit, strictly increasing; +Inf is implied.
  histogram_family histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names, std::vector<double> upper_bounds,
                             double unit = 1.0);

  // Runs `fn` at the start of every render(), e.g. to set gauges read from the block store.
  // Returns an id for remove_scrape_callback; once that returns, `fn` is never called again.
  uint64_t add_scrape_callback(std::function<void()> fn);
  void remove_scrape_callback(uint64_t id);

  // Runs the scrape callbacks, then writes every family (sorted by name) and its series
  // (sorted by label values) in the text format, HELP and TYPE lines first.
  std::string render();

private:
  metrics_detail::family* add(const std::string& name, const std::string& help, metric_kind kind,
                              std::vector<std::string> label_names, std::vector<double> bounds,
                              double unit);

  std::mutex families_mu_;
  std::map<std::string, std::unique_ptr<metrics_detail::family>> families_;
  std::mutex scrape_mu_; // serialises scrapes, and removal against a running callback
  std::map<uint64_t, std::function<void()>> callbacks_;
  uint64_t next_callback_ = 1;
};

// The registry the node exposes on /metrics; created on first use with the process metrics
// (memory, fds, CPU, start time) already registered.
metrics_registry& global_metrics();

// Text-format helpers, exposed for tests.
std::string escape_label_value(std::string_view v); // \ " and newline
std::string escape_help(std::string_view v);        // \ and newline
std::string format_metric_value(double v);          // 42, 0.25, 1e+21, +Inf, -Inf, NaN
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);

constexpr const char* metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

} // namespace mantle
