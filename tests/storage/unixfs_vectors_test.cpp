// Every vector in tests/vectors/unixfs.json and tests/vectors/ipip499.json, reproduced by the
// importer from the generators the files describe.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>

#include "storage/memory_block_store.hpp"
#include "storage/unixfs_exporter.hpp"
#include "storage/unixfs_importer.hpp"
#include "tests/storage/unixfs_test_support.hpp"

using namespace mantle;
using namespace mantle::testing;
using json = nlohmann::json;

namespace {

json load_vectors(const std::string& file) {
  std::ifstream in(std::string(MANTLE_VECTORS_DIR) + "/" + file);
  REQUIRE(in.good());
  return json::parse(in);
}

// unixfs.json uses Kubo's defaults: v0 with dag-pb leaves, or --cid-version=1 (raw leaves).
unixfs::import_options kubo_profile(const std::string& which) {
  return which == "v0" ? unixfs::import_options{} : v1_default();
}

unixfs::import_options ipip_profile(const std::string& name) {
  auto o = unixfs::import_options::profile(name);
  REQUIRE(o.ok());
  return *o;
}

// Large files hash only (no bytes kept) so a 1 GiB vector does not need 1 GiB of RAM.
void check_sha_file(const json& v, const std::string& which) {
  memory_block_store store(false);
  sha_counter_stream s(v["seed"].get<std::string>());
  uint64_t size = v["size"].get<uint64_t>();
  auto r = import_stream(store, kubo_profile(which), s, size, 1000003);
  REQUIRE(r.ok());
  CHECK(r->root.str() == v[which].get<std::string>());
  CHECK(r->size == size);
}

void check_ipip_file(const json& v) {
  memory_block_store store(false);
  chacha_stream s(v["seed"].get<std::string>());
  uint64_t size = v["size"].get<uint64_t>();
  auto r = import_stream(store, ipip_profile(v["profile"]), s, size);
  REQUIRE(r.ok());
  CHECK(r->root.str() == v["cid"].get<std::string>());
}

void for_each_file(const json& files, bool big, const std::function<void(const json&)>& fn) {
  for (auto& v : files) {
    bool is_big = v["size"].get<uint64_t>() >= 40'000'000;
    if (is_big != big)
      continue;
    DYNAMIC_SECTION(v["seed"].get<std::string>() << " " << v["size"].get<uint64_t>()) { fn(v); }
  }
}

} // namespace

TEST_CASE("unixfs.json files up to 3 MB, v0 and v1", "[storage][unixfs][vectors]") {
  auto vec = load_vectors("unixfs.json");
  for_each_file(vec["files"], false, [](const json& v) {
    check_sha_file(v, "v0");
    check_sha_file(v, "v1");
  });
}

// About 45 MB each; a release build takes well under a second per file.
TEST_CASE("unixfs.json 45 MB files around the 174-link boundary", "[storage][unixfs][vectors]") {
  auto vec = load_vectors("unixfs.json");
  for_each_file(vec["files"], true, [](const json& v) {
    check_sha_file(v, "v0");
    check_sha_file(v, "v1");
  });
}

TEST_CASE("unixfs.json directory tree, v0 and v1", "[storage][unixfs][vectors]") {
  auto vec = load_vectors("unixfs.json");
  for (auto& d : vec["dirs"]) {
    for (std::string which : {"v0", "v1"}) {
      memory_block_store store;
      auto opt = kubo_profile(which);
      unixfs::directory_builder dir(store, opt);
      std::function<void(const json&, const std::string&)> walk = [&](const json& tree, const std::string& prefix) {
        for (auto& [name, node] : tree.items()) {
          std::string path = prefix.empty() ? name : prefix + "/" + name;
          if (node.contains("seed") && node["seed"].is_string()) {
            sha_counter_stream s(node["seed"].get<std::string>());
            auto f = import_stream(store, opt, s, node["size"].get<uint64_t>(), 4096);
            REQUIRE(f.ok());
            REQUIRE(dir.add_file(path, *f).ok());
          } else {
            REQUIRE(dir.add_directory(path).ok());
            walk(node, path);
          }
        }
      };
      walk(d["tree"], "");
      auto out = dir.finish();
      REQUIRE(out.ok());
      REQUIRE(!out->empty());
      CHECK(out->back().first == "");
      CHECK(out->back().second.root.str() == d[which].get<std::string>());
      // Nested and empty directories come before their parents.
      std::vector<std::string> paths;
      for (auto& [p, _] : *out)
        paths.push_back(p);
      CHECK(paths == std::vector<std::string>{"docs/deep", "docs", "empty", ""});
    }
  }
}

TEST_CASE("ipip499 literal vectors", "[storage][unixfs][vectors]") {
  auto vec = load_vectors("ipip499.json");
  for (auto& v : vec["literal"]) {
    auto content = v["content"].get<std::string>();
    auto profile = v["profile"].get<std::string>();
    DYNAMIC_SECTION(content << " " << profile) {
      memory_block_store store;
      auto opt = ipip_profile(profile);
      if (content == "empty directory") {
        unixfs::directory_builder dir(store, opt);
        auto out = dir.finish();
        REQUIRE(out.ok());
        REQUIRE(out->size() == 1);
        CHECK(out->front().second.root.str() == v["cid"].get<std::string>());
      } else {
        auto r = unixfs::import_bytes(store, opt, content);
        REQUIRE(r.ok());
        CHECK(r->root.str() == v["cid"].get<std::string>());
      }
    }
  }
}

TEST_CASE("ipip499 files up to 1 MiB + 1", "[storage][unixfs][vectors]") {
  auto vec = load_vectors("ipip499.json");
  for_each_file(vec["files"], false, check_ipip_file);
}

TEST_CASE("ipip499 45 MB v0 files", "[storage][unixfs][vectors]") {
  auto vec = load_vectors("ipip499.json");
  for (auto& v : vec["files"])
    if (!v.value("slow", false) && v["size"].get<uint64_t>() >= 40'000'000)
      DYNAMIC_SECTION(v["size"].get<uint64_t>()) { check_ipip_file(v); }
}

TEST_CASE("ipip499 1 GiB v1-2025 files", "[storage][unixfs][vectors][slow]") {
  auto vec = load_vectors("ipip499.json");
  for (auto& v : vec["files"])
    if (v.value("slow", false))
      DYNAMIC_SECTION(v["size"].get<uint64_t>()) { check_ipip_file(v); }
}

TEST_CASE("ipip499 directories: basic vs HAMT at the threshold", "[storage][unixfs][vectors]") {
  auto vec = load_vectors("ipip499.json");
  const std::string alpha = "abcdefghijklmnopqrstuvwxyz01234567890-_";
  for (auto& v : vec["directories"]) {
    auto profile = v["profile"].get<std::string>();
    size_t entries = v["entries"], name_len = v["name_len"], last_len = v["last_len"];
    DYNAMIC_SECTION(profile << " " << entries << " x " << name_len << "/" << last_len) {
      memory_block_store store;
      auto opt = ipip_profile(profile);
      auto x = unixfs::import_bytes(store, opt, "x");
      REQUIRE(x.ok());
      chacha_stream names(v["seed"].get<std::string>());
      unixfs::directory_builder dir(store, opt);
      std::vector<std::string> all;
      for (size_t i = 0; i < entries; ++i) {
        auto raw = generate(names, i + 1 == entries ? last_len : name_len);
        for (auto& ch : raw)
          ch = alpha[static_cast<uint8_t>(ch) % 39];
        REQUIRE(dir.add_file(raw, *x).ok());
        all.push_back(raw);
      }
      auto out = dir.finish();
      REQUIRE(out.ok());
      auto root = out->back().second.root;
      CHECK(root.str() == v["cid"].get<std::string>());
      auto st = unixfs::stat(store, root);
      REQUIRE(st.ok());
      CHECK(st->kind == (v["expect_kind"] == "hamt" ? unixfs::node_kind::hamt_directory
                                                     : unixfs::node_kind::directory));
      CHECK(st->size == out->back().second.tsize);
      // The exporter reads the whole directory back, through the shards if there are any.
      auto listing = unixfs::ls(store, root);
      REQUIRE(listing.ok());
      std::sort(all.begin(), all.end());
      REQUIRE(listing->size() == all.size());
      for (size_t i = 0; i < all.size(); ++i)
        CHECK(((*listing)[i].name == all[i] && (*listing)[i].id == x->root));
      for (size_t i = 0; i < all.size(); i += 97) {
        auto c = unixfs::resolve(store, root, all[i]);
        REQUIRE(c.ok());
        CHECK(*c == x->root);
      }
      auto missing = unixfs::resolve(store, root, "no-such-entry");
      REQUIRE(!missing.ok());
      CHECK(missing.err().code == errc::not_found);
    }
  }
}
