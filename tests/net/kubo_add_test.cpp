// Kubo's add semantics without HTTP: option parsing and the events for files, directories and
// wrapping, over an in-memory block store.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "net/kubo_add.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/unixfs_exporter.hpp"

using namespace mantle;

namespace {

result<add_params> parse(std::map<std::string, std::string> args) {
  return parse_add_params([&](const std::string& k) -> std::optional<std::string> {
    auto i = args.find(k);
    if (i == args.end())
      return std::nullopt;
    return i->second;
  });
}

struct recorder {
  std::vector<nlohmann::json> events;
  add_operation::emit_fn fn() {
    return [this](const std::string& line) -> status {
      events.push_back(nlohmann::json::parse(line));
      return {};
    };
  }
};

} // namespace

TEST_CASE("add options follow Kubo's defaults and reject what is not supported", "[net][add]") {
  auto d = parse({});
  REQUIRE(d);
  CHECK(d->import.cid_version == 0);
  CHECK_FALSE(d->import.raw_leaves);
  CHECK(d->import.chunk_size == 262144);
  CHECK(d->pin);
  auto v1 = parse({{"cid-version", "1"}});
  REQUIRE(v1);
  CHECK(v1->import.raw_leaves); // v1 implies raw leaves unless told otherwise
  auto v1dag = parse({{"cid-version", "1"}, {"raw-leaves", "false"}});
  REQUIRE(v1dag);
  CHECK_FALSE(v1dag->import.raw_leaves);
  auto chunk = parse({{"chunker", "size-1024"}});
  REQUIRE(chunk);
  CHECK(chunk->import.chunk_size == 1024);
  auto b36 = parse({{"cid-base", "base36"}});
  REQUIRE(b36);
  CHECK(b36->import.cid_version == 1); // a v0 CID cannot be shown in base36
  CHECK(parse({{"chunker", "rabin-1-2-3"}}).err().code == errc::unsupported);
  CHECK(parse({{"chunker", "size-0"}}).err().code == errc::invalid_input);
  CHECK(parse({{"chunker", "size-abc"}}).err().code == errc::invalid_input);
  CHECK(parse({{"cid-version", "2"}}).err().code == errc::invalid_input);
  CHECK(parse({{"hash", "blake3"}}).err().code == errc::unsupported);
  CHECK(parse({{"pin", "maybe"}}).err().code == errc::invalid_input);
  CHECK(parse({{"trickle", "true"}}).err().code == errc::unsupported);
}

TEST_CASE("add of one file emits its CID and pins it", "[net][add]") {
  memory_block_store store;
  recorder rec;
  add_operation op(store, *parse({}), rec.fn());
  REQUIRE(op.begin_file("hello.txt"));
  REQUIRE(op.write("hello "));
  REQUIRE(op.write("world"));
  REQUIRE(op.end_file());
  auto roots = op.finish();
  REQUIRE(roots);
  REQUIRE(roots->size() == 1);
  CHECK(roots->front().str() == "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD");
  REQUIRE(rec.events.size() == 1);
  CHECK(rec.events[0]["Name"] == "hello.txt");
  CHECK(rec.events[0]["Hash"] == "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD");
  CHECK(rec.events[0]["Size"] == "19"); // a string, as Kubo sends it
}

TEST_CASE("add of a directory emits files, then directories children first", "[net][add]") {
  memory_block_store store;
  recorder rec;
  add_operation op(store, *parse({{"cid-version", "1"}}), rec.fn());
  REQUIRE(op.add_directory("site"));
  REQUIRE(op.add_directory("site/empty"));
  REQUIRE(op.begin_file("site/docs/a.txt"));
  REQUIRE(op.write("a"));
  REQUIRE(op.end_file());
  auto roots = op.finish();
  REQUIRE(roots);
  REQUIRE(roots->size() == 1);
  std::vector<std::string> names;
  for (auto& e : rec.events)
    names.push_back(e["Name"]);
  CHECK(names == std::vector<std::string>{"site/docs/a.txt", "site/docs", "site/empty", "site"});
  CHECK(rec.events.back()["Hash"] == roots->front().str());
  auto a = unixfs::resolve(store, roots->front(), "docs/a.txt");
  REQUIRE(a);
  auto empty = unixfs::resolve(store, roots->front(), "empty");
  REQUIRE(empty);
  CHECK(empty->str() == "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354");
}

TEST_CASE("wrap-with-directory wraps a single file in an unnamed root", "[net][add]") {
  memory_block_store store;
  recorder rec;
  add_operation op(store, *parse({{"wrap-with-directory", "true"}}), rec.fn());
  REQUIRE(op.begin_file("a.txt"));
  REQUIRE(op.write("x"));
  REQUIRE(op.end_file());
  auto roots = op.finish();
  REQUIRE(roots);
  REQUIRE(roots->size() == 1);
  REQUIRE(rec.events.size() == 2);
  CHECK(rec.events[1]["Name"] == "");
  auto entries = unixfs::ls(store, roots->front());
  REQUIRE(entries);
  REQUIRE(entries->size() == 1);
  CHECK((*entries)[0].name == "a.txt");
}

TEST_CASE("progress events report bytes per file", "[net][add]") {
  memory_block_store store;
  recorder rec;
  add_operation op(store, *parse({{"progress", "true"}}), rec.fn());
  REQUIRE(op.begin_file("big"));
  std::string mib(1 << 20, 'x');
  for (int i = 0; i < 3; ++i)
    REQUIRE(op.write(mib));
  REQUIRE(op.end_file());
  REQUIRE(op.finish());
  size_t progress = 0;
  for (auto& e : rec.events)
    if (e.contains("Bytes"))
      ++progress;
  CHECK(progress >= 3);
  CHECK(rec.events.back()["Name"] == "big");
  CHECK(rec.events[rec.events.size() - 2]["Bytes"] == 3 << 20);
}

TEST_CASE("bad paths in an add are refused", "[net][add]") {
  memory_block_store store;
  recorder rec;
  add_operation op(store, *parse({}), rec.fn());
  REQUIRE(op.begin_file("a/../../etc/passwd"));
  REQUIRE(op.write("x"));
  CHECK_FALSE(op.end_file());
}
