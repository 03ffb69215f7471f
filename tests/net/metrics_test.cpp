#include <catch2/catch.hpp>

#include <stdexcept>
#include <thread>
#include <vector>

#include "net/metrics.hpp"
#include "net/process_metrics.hpp"

using namespace mantle;

TEST_CASE("counters and gauges render in the text format, sorted, with HELP and TYPE", "[metrics]") {
  metrics_registry reg;
  auto req = reg.counter("mantle_http_requests_total", "HTTP requests.", {"route", "code"});
  req.with({"cat", "200"}).inc();
  req.with({"add", "200"}).inc(2);
  req.with({"add", "404"}).inc();
  reg.gauge("mantle_blocks_stored", "Blocks in the store.").with({}).set(7);
  CHECK(reg.render() ==
        "# HELP mantle_blocks_stored Blocks in the store.\n"
        "# TYPE mantle_blocks_stored gauge\n"
        "mantle_blocks_stored 7\n"
        "# HELP mantle_http_requests_total HTTP requests.\n"
        "# TYPE mantle_http_requests_total counter\n"
        "mantle_http_requests_total{route=\"add\",code=\"200\"} 2\n"
        "mantle_http_requests_total{route=\"add\",code=\"404\"} 1\n"
        "mantle_http_requests_total{route=\"cat\",code=\"200\"} 1\n");
}

TEST_CASE("a family with no series still has its HELP and TYPE lines", "[metrics]") {
  metrics_registry reg;
  reg.counter("x_total", "Nothing yet.", {"a"});
  CHECK(reg.render() == "# HELP x_total Nothing yet.\n# TYPE x_total counter\n");
}

TEST_CASE("label values and help texts are escaped", "[metrics]") {
  metrics_registry reg;
  reg.counter("odd_total", "A \\ backslash\nand a newline.", {"v"}).with({"a\"b\\c\nd"}).inc();
  CHECK(reg.render() ==
        "# HELP odd_total A \\\\ backslash\\nand a newline.\n"
        "# TYPE odd_total counter\n"
        "odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
  CHECK(escape_label_value("plain") == "plain");
  CHECK(escape_help("say \"hi\"") == "say \"hi\""); // quotes stay in HELP
}

TEST_CASE("histograms render cumulative buckets, +Inf, sum and count", "[metrics]") {
  metrics_registry reg;
  auto h = reg.histogram("req_seconds", "Duration.", {"route"}, {0.01, 0.1, 1}, 1e-9);
  auto s = h.with({"cat"});
  s.observe(0.005);  // first bucket
  s.observe_raw(10'000'000); // exactly 0.01 s: le is inclusive
  s.observe(0.5);
  s.observe(2.0);
  CHECK(s.count() == 4);
  CHECK(reg.render() ==
        "# HELP req_seconds Duration.\n"
        "# TYPE req_seconds histogram\n"
        "req_seconds_bucket{route=\"cat\",le=\"0.01\"} 2\n"
        "req_seconds_bucket{route=\"cat\",le=\"0.1\"} 2\n"
        "req_seconds_bucket{route=\"cat\",le=\"1\"} 3\n"
        "req_seconds_bucket{route=\"cat\",le=\"+Inf\"} 4\n"
        "req_seconds_sum{route=\"cat\"} 2.515\n"
        "req_seconds_count{route=\"cat\"} 4\n");
}

TEST_CASE("counters in a unit render in the exposed unit", "[metrics]") {
  metrics_registry reg;
  auto c = reg.counter("work_seconds_total", "Seconds.", {}, 1e-9).with({});
  c.inc(1'500'000'000);
  CHECK(reg.render() == "# HELP work_seconds_total Seconds.\n# TYPE work_seconds_total counter\n"
                        "work_seconds_total 1.5\n");
  reg.counter("small_seconds_total", "Seconds.", {}, 1e-9).with({}).inc(60836);
  CHECK(reg.render().find("\nsmall_seconds_total 6.0836e-05\n") != std::string::npos);
}

TEST_CASE("value formatting", "[metrics]") {
  CHECK(format_metric_value(0) == "0");
  CHECK(format_metric_value(42) == "42");
  CHECK(format_metric_value(-3) == "-3");
  CHECK(format_metric_value(0.25) == "0.25");
  CHECK(format_metric_value(1e21) == "1e+21");
  CHECK(format_metric_value(1.0 / 0.0) == "+Inf");
  CHECK(format_metric_value(-1.0 / 0.0) == "-Inf");
  CHECK(format_metric_value(0.0 / 0.0) == "NaN");
}

TEST_CASE("registering again returns the same family; clashes and bad names throw", "[metrics]") {
  metrics_registry reg;
  reg.counter("a_total", "A.", {"x"}).with({"1"}).inc();
  reg.counter("a_total", "A.", {"x"}).with({"1"}).inc();
  CHECK(reg.counter("a_total", "A.", {"x"}).with({"1"}).value() == 2);
  CHECK_THROWS_AS(reg.gauge("a_total", "A.", {"x"}), std::invalid_argument);
  CHECK_THROWS_AS(reg.counter("a_total", "A.", {"y"}), std::invalid_argument);
  CHECK_THROWS_AS(reg.counter("bad-name", "B."), std::invalid_argument);
  CHECK_THROWS_AS(reg.counter("b_total", "B.", {"__reserved"}), std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram("h", "H.", {"le"}, {1}), std::invalid_argument);
  CHECK_THROWS_AS(reg.histogram("h", "H.", {}, {2, 1}), std::invalid_argument);
  CHECK_THROWS_AS(reg.counter("a_total", "A.", {"x"}).with({"1", "2"}), std::invalid_argument);
  CHECK(valid_metric_name("mantle:http_requests_total"));
  CHECK_FALSE(valid_metric_name("1abc"));
  CHECK(valid_label_name("code"));
  CHECK_FALSE(valid_label_name("a:b"));
}

TEST_CASE("scrape callbacks run at render time until removed", "[metrics]") {
  metrics_registry reg;
  auto g = reg.gauge("pins", "Pins.").with({});
  int calls = 0;
  auto id = reg.add_scrape_callback([&] { g.set(++calls); });
  CHECK(reg.render().find("pins 1\n") != std::string::npos);
  CHECK(reg.render().find("pins 2\n") != std::string::npos);
  reg.remove_scrape_callback(id);
  CHECK(reg.render().find("pins 2\n") != std::string::npos);
  CHECK(calls == 2);
}

TEST_CASE("concurrent increments are all counted", "[metrics]") {
  metrics_registry reg;
  auto fam = reg.counter("c_total", "C.", {"code"});
  auto hist = reg.histogram("d_seconds", "D.", {}, {0.001}, 1e-9);
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        fam.with({(t + i) % 2 ? "200" : "404"}).inc();
        hist.with({}).observe_raw(i);
      }
    });
  for (auto& t : ts) t.join();
  CHECK(fam.with({"200"}).value() + fam.with({"404"}).value() == 80000);
  CHECK(hist.with({}).count() == 80000);
}

TEST_CASE("/proc/self/stat and /proc/stat parsing", "[metrics]") {
  // A command name with spaces and a parenthesis, as a process may name itself.
  std::string line = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 500 0 0 0 "
                     "250 50 0 0 20 0 9 0 777 123456789 4321 18446744073709551615";
  auto f = parse_proc_stat(line);
  REQUIRE(f);
  CHECK(f->utime_ticks == 250);
  CHECK(f->stime_ticks == 50);
  CHECK(f->start_ticks == 777);
  CHECK(f->vsize_bytes == 123456789);
  CHECK(f->rss_pages == 4321);
  CHECK_FALSE(parse_proc_stat("garbage"));
  CHECK_FALSE(parse_proc_stat("1 (x) S 1 2"));
  CHECK(parse_boot_time("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n") == 1700000000u);
  CHECK_FALSE(parse_boot_time("cpu 1\n"));
}

TEST_CASE("the global registry exposes the process metrics", "[metrics]") {
  auto text = global_metrics().render();
  CHECK(text.find("# TYPE process_resident_memory_bytes gauge\n") != std::string::npos);
  CHECK(text.find("\nprocess_open_fds ") != std::string::npos);
  CHECK(text.find("\nprocess_start_time_seconds ") != std::string::npos);
  CHECK(text.find("process_resident_memory_bytes 0\n") == std::string::npos);
}
