#include "net/metrics.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "net/process_metrics.hpp"

namespace mantle {

namespace metrics_detail {

struct family {
  std::string name;
  std::string help;
  metric_kind kind;
  std::vector<std::string> label_names;
  std::vector<double> bounds;        // histogram upper bounds, exposed unit
  std::vector<uint64_t> raw_bounds;  // the same in raw units, for observe_raw
  double unit = 1.0;
  mutable std::shared_mutex mu;
  std::map<std::string, std::unique_ptr<series>> series_by_key; // key: values joined by '\0'

  series* find_or_add(const std::string_view* values, size_t n);
};

namespace {
void key_of(std::string& key, const std::string_view* values, size_t n) {
  key.clear();
  for (size_t i = 0; i < n; ++i) {
    if (i) key.push_back('\0');
    key.append(values[i].data(), values[i].size());
  }
}
} // namespace

series* family::find_or_add(const std::string_view* values, size_t n) {
  if (n != label_names.size())
    throw std::invalid_argument("metric " + name + " takes " + std::to_string(label_names.size()) +
                                " label values, got " + std::to_string(n));
  // Reused per thread: a lookup on the request path allocates nothing once warmed up.
  thread_local std::string key;
  key_of(key, values, n);
  {
    std::shared_lock<std::shared_mutex> lk(mu);
    auto it = series_by_key.find(key);
    if (it != series_by_key.end()) return it->second.get();
  }
  std::unique_lock<std::shared_mutex> lk(mu);
  auto& slot = series_by_key[key];
  if (!slot) {
    slot = std::make_unique<series>();
    for (size_t i = 0; i < n; ++i) slot->label_values.emplace_back(values[i]);
    if (kind == metric_kind::histogram) {
      slot->buckets.reset(new std::atomic<uint64_t>[bounds.size() + 1]);
      for (size_t i = 0; i <= bounds.size(); ++i) slot->buckets[i].store(0);
    }
  }
  return slot.get();
}

} // namespace metrics_detail

using metrics_detail::family;
using metrics_detail::series;

namespace {

template <class Values>
series* lookup(family* f, const Values& values) {
  std::vector<std::string_view> v(values.begin(), values.end());
  return f->find_or_add(v.data(), v.size());
}

series* lookup(family* f, std::initializer_list<std::string_view> values) {
  return f->find_or_add(values.begin(), values.size());
}

void append_labels(std::string& out, const family& f, const series& s, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (f.label_names.empty() && extra_name.empty()) return;
  out.push_back('{');
  bool first = true;
  for (size_t i = 0; i < f.label_names.size(); ++i) {
    if (!first) out.push_back(',');
    first = false;
    out += f.label_names[i];
    out += "=\"";
    out += escape_label_value(s.label_values[i]);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out.push_back(',');
    out.append(extra_name).append("=\"").append(extra_value).push_back('"');
  }
  out.push_back('}');
}

std::string format_raw(uint64_t raw, double unit) {
  if (unit == 1.0) return std::to_string(raw);
  // Dividing by an exact 1e9 (or 100 ticks) is correctly rounded, where multiplying by the
  // inexact 1e-9 would print 6.0836000000000005e-05 for 60836 ns.
  double inv = std::round(1.0 / unit);
  if (inv >= 1 && std::fabs(1.0 / unit - inv) <= 1e-9 * inv) return format_metric_value(static_cast<double>(raw) / inv);
  return format_metric_value(static_cast<double>(raw) * unit);
}

const char* kind_name(metric_kind k) {
  switch (k) {
    case metric_kind::counter: return "counter";
    case metric_kind::gauge: return "gauge";
    case metric_kind::histogram: return "histogram";
  }
  return "untyped";
}

void render_family(std::string& out, const family& f) {
  out += "# HELP " + f.name + " " + escape_help(f.help) + "\n";
  out += "# TYPE " + f.name + " " + kind_name(f.kind) + "\n";
  std::shared_lock<std::shared_mutex> lk(f.mu);
  for (const auto& [key, sp] : f.series_by_key) {
    const series& s = *sp;
    switch (f.kind) {
      case metric_kind::counter:
        out += f.name;
        append_labels(out, f, s);
        out += " " + format_raw(s.value.load(std::memory_order_relaxed), f.unit) + "\n";
        break;
      case metric_kind::gauge:
        out += f.name;
        append_labels(out, f, s);
        out += " " + format_metric_value(s.gauge.load(std::memory_order_relaxed)) + "\n";
        break;
      case metric_kind::histogram: {
        // Buckets are read once each; a concurrent observe may land between two reads, which
        // Prometheus tolerates (the next scrape is consistent again).
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= f.bounds.size(); ++i) {
          cumulative += s.buckets[i].load(std::memory_order_relaxed);
          out += f.name + "_bucket";
          append_labels(out, f, s, "le", i < f.bounds.size() ? format_metric_value(f.bounds[i]) : "+Inf");
          out += " " + std::to_string(cumulative) + "\n";
        }
        out += f.name + "_sum";
        append_labels(out, f, s);
        out += " " + format_raw(s.value.load(std::memory_order_relaxed), f.unit) + "\n";
        out += f.name + "_count";
        append_labels(out, f, s);
        out += " " + std::to_string(cumulative) + "\n";
        break;
      }
    }
  }
}

} // namespace

void histogram::observe_raw(uint64_t raw) const {
  const auto& rb = f_->raw_bounds;
  size_t i = 0;
  while (i < rb.size() && raw > rb[i]) ++i;
  s_->buckets[i].fetch_add(1, std::memory_order_relaxed);
  s_->value.fetch_add(raw, std::memory_order_relaxed);
}

void histogram::observe(double v) const {
  double raw = v / f_->unit;
  observe_raw(!(raw > 0) ? 0 : raw >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(std::llround(raw)));
}

uint64_t histogram::count() const {
  uint64_t n = 0;
  for (size_t i = 0; i <= f_->bounds.size(); ++i) n += s_->buckets[i].load(std::memory_order_relaxed);
  return n;
}

counter counter_family::with(std::initializer_list<std::string_view> v) const { return counter(lookup(f_, v)); }
counter counter_family::with(const std::vector<std::string>& v) const { return counter(lookup(f_, v)); }
gauge gauge_family::with(std::initializer_list<std::string_view> v) const { return gauge(lookup(f_, v)); }
gauge gauge_family::with(const std::vector<std::string>& v) const { return gauge(lookup(f_, v)); }
histogram histogram_family::with(std::initializer_list<std::string_view> v) const {
  return histogram(lookup(f_, v), f_);
}
histogram histogram_family::with(const std::vector<std::string>& v) const { return histogram(lookup(f_, v), f_); }

metrics_registry::metrics_registry() = default;
metrics_registry::~metrics_registry() = default;

family* metrics_registry::add(const std::string& name, const std::string& help, metric_kind kind,
                              std::vector<std::string> label_names, std::vector<double> bounds, double unit) {
  if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + name + "'");
  for (const auto& l : label_names)
    if (!valid_label_name(l) || (kind == metric_kind::histogram && l == "le"))
      throw std::invalid_argument("invalid label name '" + l + "' for metric " + name);
  if (!(unit > 0)) throw std::invalid_argument("metric " + name + ": unit must be positive");
  for (size_t i = 0; i < bounds.size(); ++i)
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1])))
      throw std::invalid_argument("metric " + name + ": bucket bounds must be finite and increasing");
  std::lock_guard<std::mutex> lk(families_mu_);
  auto& slot = families_[name];
  if (slot) {
    if (slot->kind != kind || slot->label_names != label_names || slot->bounds != bounds || slot->unit != unit)
      throw std::invalid_argument("metric " + name + " is already registered with another type or labels");
    return slot.get();
  }
  slot = std::make_unique<family>();
  slot->name = name;
  slot->help = help;
  slot->kind = kind;
  slot->label_names = std::move(label_names);
  slot->unit = unit;
  for (double b : bounds) {
    double raw = std::floor(b / unit);
    slot->raw_bounds.push_back(raw < 0 ? 0 : raw >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(raw));
  }
  slot->bounds = std::move(bounds);
  return slot.get();
}

counter_family metrics_registry::counter(const std::string& name, const std::string& help,
                                         std::vector<std::string> label_names, double unit) {
  return counter_family(add(name, help, metric_kind::counter, std::move(label_names), {}, unit));
}

gauge_family metrics_registry::gauge(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names) {
  return gauge_family(add(name, help, metric_kind::gauge, std::move(label_names), {}, 1.0));
}

histogram_family metrics_registry::histogram(const std::string& name, const std::string& help,
                                             std::vector<std::string> label_names,
                                             std::vector<double> upper_bounds, double unit) {
  return histogram_family(
      add(name, help, metric_kind::histogram, std::move(label_names), std::move(upper_bounds), unit));
}

uint64_t metrics_registry::add_scrape_callback(std::function<void()> fn) {
  std::lock_guard<std::mutex> lk(scrape_mu_);
  uint64_t id = next_callback_++;
  callbacks_.emplace(id, std::move(fn));
  return id;
}

void metrics_registry::remove_scrape_callback(uint64_t id) {
  std::lock_guard<std::mutex> lk(scrape_mu_);
  callbacks_.erase(id);
}

std::string metrics_registry::render() {
  std::lock_guard<std::mutex> scrape(scrape_mu_);
  for (auto& [id, fn] : callbacks_) fn();
  std::vector<const family*> fams;
  {
    std::lock_guard<std::mutex> lk(families_mu_);
    for (auto& [name, f] : families_) fams.push_back(f.get()); // families are never removed
  }
  std::string out;
  out.reserve(4096);
  for (const family* f : fams) render_family(out, *f);
  return out;
}

metrics_registry& global_metrics() {
  static metrics_registry* reg = [] {
    auto* r = new metrics_registry(); // never destroyed: connection threads may outlive main
    register_process_metrics(*r);
    return r;
  }();
  return *reg;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

std::string format_metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v); // shortest text that reads back exactly
  return std::string(buf, r.ptr);
}

bool valid_metric_name(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view n) {
  if (n.empty() || n.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

} // namespace mantle
