#include <catch2/catch.hpp>

#include <cstring>
#include <map>

#include "net/cors.hpp"
#include "net/gateway_api.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "storage/car.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/multihash.hpp"
#include "storage/unixfs_exporter.hpp"
#include "storage/unixfs_importer.hpp"

using namespace mantle;

namespace {

// A small website plus the awkward cases: a multi-block file, a file without extension, a
// sharded directory, an empty file.
struct site_fixture {
  memory_block_store store;
  cid root;
  std::map<std::string, cid> files; // path -> file CID
  std::string big;                  // content of data.bin

  site_fixture() {
    unixfs::import_options opt;
    opt.cid_version = 1;
    opt.raw_leaves = true;
    opt.chunk_size = 1024; // data.bin spans ~100 leaves and two tree levels
    opt.width = 16;
    opt.hamt_threshold = 1000; // "many/" becomes a HAMT shard
    unixfs::directory_builder dir(store, opt);
    auto add = [&](const std::string& path, const std::string& content) {
      auto f = unixfs::import_bytes(store, opt, content);
      REQUIRE(f.ok());
      REQUIRE(dir.add_file(path, *f).ok());
      files[path] = f->root;
    };
    add("index.html", "<!DOCTYPE html><html><body>home</body></html>");
    add("about/index.html", "<html>about</html>");
    add("docs/a.txt", "alpha\n");
    add("docs/b.md", "# bravo\n");
    add("docs/with space & <tag>.txt", "odd name\n");
    add("assets/app.js", "console.log(1)\n");
    add("assets/logo.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, '\0'));
    add("notes", "<html><p>sniffed</p></html>");
    add("empty.txt", "");
    for (size_t i = 0; i < 100000; ++i)
      big += static_cast<char>('a' + (i * 7919) % 26);
    add("data.bin", big);
    for (int i = 0; i < 300; ++i)
      add("many/file-" + std::to_string(i) + ".txt", "n" + std::to_string(i));
    REQUIRE(dir.add_directory("emptydir").ok());
    auto dirs = dir.finish();
    REQUIRE(dirs.ok());
    root = dirs->back().second.root;
  }
};

struct gateway_fixture : site_fixture {
  gateway_api api;
  http_server server;
  explicit gateway_fixture(gateway_options opts = {})
      : api(store, std::move(opts)),
        server(with_gateway_cors({"*"}, [this](http_request& r, response_writer& w) { api.handle(r, w); })) {
    REQUIRE(server.start("127.0.0.1:0").ok());
  }
  client_response get(const std::string& target, headers_list h = {}, const std::string& method = "GET") {
    http_client c;
    REQUIRE(c.connect("127.0.0.1:" + std::to_string(server.port())).ok());
    auto r = c.request(method, target, h);
    REQUIRE(r.ok());
    return *r;
  }
  std::string base() const { return "/ipfs/" + root.str(); }
};

} // namespace

TEST_CASE("gateway serves a website: index.html, redirects to the slash, typed files", "[net][gateway]") {
  gateway_fixture g;
  auto r = g.get(g.base() + "/");
  CHECK(r.status == 200);
  CHECK(r.body == "<!DOCTYPE html><html><body>home</body></html>");
  CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(r.header("Etag") == "\"" + g.files["index.html"].str() + "\"");
  CHECK(r.header("Cache-Control") == "public, max-age=29030400, immutable");
  CHECK(r.header("X-Ipfs-Path") == g.base());
  CHECK(r.header("X-Ipfs-Roots") == g.root.str());
  CHECK(r.header("Access-Control-Allow-Origin") == "*");

  r = g.get(g.base() + "?x=1");
  CHECK(r.status == 301);
  CHECK(r.header("Location") == g.base() + "/?x=1");
  r = g.get(g.base() + "/about");
  CHECK(r.status == 301);
  CHECK(r.header("Location") == g.base() + "/about/");
  r = g.get(g.base() + "/about/");
  CHECK(r.status == 200);
  CHECK(r.body == "<html>about</html>");

  r = g.get(g.base() + "/assets/app.js");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(r.header("Accept-Ranges") == "bytes");
  auto about = unixfs::resolve(g.store, g.root, "about");
  REQUIRE(about.ok());
  auto assets = unixfs::resolve(g.store, g.root, "assets");
  REQUIRE(assets.ok());
  CHECK(r.header("X-Ipfs-Roots") == g.root.str() + "," + assets->str() + "," + g.files["assets/app.js"].str());
  CHECK(g.get(g.base() + "/assets/logo.png").header("Content-Type") == "image/png");
  r = g.get(g.base() + "/notes");
  CHECK(r.header("Content-Type") == "text/html; charset=utf-8"); // sniffed, no extension
  r = g.get(g.base() + "/data.bin");
  CHECK(r.status == 200);
  CHECK(r.body == g.big);
  CHECK(r.header("Content-Type") == "text/plain; charset=utf-8"); // unknown extension, text bytes
  r = g.get(g.base() + "/empty.txt");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  // Encoded names resolve to the link with the decoded name.
  r = g.get(g.base() + "/docs/with%20space%20%26%20%3Ctag%3E.txt");
  CHECK(r.status == 200);
  CHECK(r.body == "odd name\n");
}

TEST_CASE("gateway lists directories without index.html, sharded ones too", "[net][gateway]") {
  gateway_fixture g;
  auto r = g.get(g.base() + "/docs/");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
  CHECK(r.body.find("href=\"" + g.base() + "/docs/a.txt\"") != std::string::npos);
  CHECK(r.body.find(g.files["docs/b.md"].str()) != std::string::npos);
  // Names are escaped in text and encoded in links: a DAG can name a file anything.
  CHECK(r.body.find("with space &amp; &lt;tag&gt;.txt") != std::string::npos);
  CHECK(r.body.find("with%20space%20%26%20%3Ctag%3E.txt") != std::string::npos);
  CHECK(r.body.find("<tag>") == std::string::npos);
  CHECK(r.body.find("href=\"../\"") != std::string::npos);
  CHECK(r.header("Etag").find("DirIndex") != std::string::npos);
  auto again = g.get(g.base() + "/docs/", {{"If-None-Match", r.header("Etag")}});
  CHECK(again.status == 304);

  auto many = unixfs::stat(g.store, *unixfs::resolve(g.store, g.root, "many"));
  REQUIRE(many.ok());
  REQUIRE(many->kind == unixfs::node_kind::hamt_directory);
  r = g.get(g.base() + "/many/");
  CHECK(r.status == 200);
  for (int i = 0; i < 300; ++i)
    CHECK(r.body.find(">file-" + std::to_string(i) + ".txt<") != std::string::npos);
  r = g.get(g.base() + "/many/file-123.txt");
  CHECK(r.status == 200);
  CHECK(r.body == "n123");

  r = g.get(g.base() + "/emptydir/");
  CHECK(r.status == 200);
  CHECK(r.body.find("0 entries") != std::string::npos);
}

TEST_CASE("gateway answers single ranges by seeking and refuses unsatisfiable ones", "[net][gateway]") {
  gateway_fixture g;
  auto file = g.base() + "/data.bin";
  auto r = g.get(file, {{"Range", "bytes=5000-5999"}});
  CHECK(r.status == 206);
  CHECK(r.body == g.big.substr(5000, 1000));
  CHECK(r.header("Content-Range") == "bytes 5000-5999/100000");
  r = g.get(file, {{"Range", "bytes=99990-"}});
  CHECK(r.status == 206);
  CHECK(r.body == g.big.substr(99990));
  r = g.get(file, {{"Range", "bytes=-7"}});
  CHECK(r.status == 206);
  CHECK(r.body == g.big.substr(100000 - 7));
  r = g.get(file, {{"Range", "bytes=0-99999999999"}});
  CHECK(r.status == 206);
  CHECK(r.body == g.big);
  r = g.get(file, {{"Range", "bytes=100000-"}});
  CHECK(r.status == 416);
  CHECK(r.header("Content-Range") == "bytes */100000");
  r = g.get(file, {{"Range", "bytes=99999999999999999999999999-"}});
  CHECK(r.status == 416);
  // Not a range we serve partially: the whole body, as RFC 9110 allows.
  for (const char* h : {"bytes=abc", "bytes=1-2,5-6", "items=1-2", "bytes=9-3", "bytes=-"}) {
    r = g.get(file, {{"Range", h}});
    CHECK(r.status == 200);
    CHECK(r.body.size() == g.big.size());
  }
}

TEST_CASE("gateway cache headers: If-None-Match, HEAD, Content-Disposition", "[net][gateway]") {
  gateway_fixture g;
  auto file = g.base() + "/docs/a.txt";
  auto etag = "\"" + g.files["docs/a.txt"].str() + "\"";
  CHECK(g.get(file, {{"If-None-Match", etag}}).status == 304);
  CHECK(g.get(file, {{"If-None-Match", "\"other\", W/" + etag}}).status == 304);
  CHECK(g.get(file, {{"If-None-Match", "\"other\""}}).status == 200);

  auto r = g.get(file, {}, "HEAD");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  CHECK(r.header("Content-Length") == "6");
  CHECK(r.header("Etag") == etag);

  r = g.get(file + "?filename=report.txt");
  CHECK(r.header("Content-Disposition") == "inline; filename=\"report.txt\"");
  r = g.get(file + "?filename=r%C3%A9sum%C3%A9.txt&download=true");
  CHECK(r.header("Content-Disposition") ==
        "attachment; filename=\"r__sum__.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt");
}

TEST_CASE("gateway trustless formats: raw blocks, tar, the bafkqaaa probe", "[net][gateway]") {
  gateway_fixture g;
  auto r = g.get(g.base() + "?format=raw");
  CHECK(r.status == 200);
  CHECK(r.body == *g.store.get(g.root));
  CHECK(r.header("Content-Type") == "application/vnd.ipld.raw");
  CHECK(r.header("Etag") == "\"" + g.root.str() + ".raw\"");
  r = g.get(g.base() + "/docs/a.txt", {{"Accept", "application/vnd.ipld.raw"}});
  CHECK(r.status == 200);
  CHECK(r.body == "alpha\n"); // a raw leaf is the file itself

  r = g.get("/ipfs/bafkqaaa?format=raw");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  r = g.get("/ipfs/bafkqaaa");
  CHECK(r.status == 200);
  CHECK(r.body.empty());

  r = g.get(g.base() + "/docs?format=tar");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Type") == "application/x-tar");
  CHECK(r.header("Content-Disposition") == "attachment; filename=\"docs.tar\"");
  CHECK(r.body.size() % 512 == 0);
  CHECK(r.body.find("docs/a.txt") != std::string::npos);
  CHECK(r.body.find("alpha\n") != std::string::npos);
}

TEST_CASE("gateway errors: bad CIDs, missing content, bad paths, methods", "[net][gateway]") {
  gateway_fixture g;
  CHECK(g.get("/ipfs/not-a-cid").status == 400);
  CHECK(g.get("/ipfs/" + std::string(5000, 'Q')).status == 400);
  CHECK(g.get(g.base() + "/nope.txt").status == 404);
  CHECK(g.get(g.base() + "/docs/a.txt/deeper").status >= 400);
  CHECK(g.get(g.base() + "/../x").status == 400);
  CHECK(g.get(g.base() + "/docs/%zz").status == 400);
  CHECK(g.get("/ipns/example.com").status == 501);
  CHECK(g.get("/").status == 404);
  CHECK(g.get(g.base() + "/", {}, "POST").status == 405);
  CHECK(g.get(g.base() + "?format=zip").status == 400);

  // A CID whose block this node does not have.
  memory_block_store other;
  auto absent = unixfs::import_bytes(other, {}, "not here");
  REQUIRE(absent.ok());
  auto r = g.get("/ipfs/" + absent->root.str());
  CHECK(r.status == 404);
  CHECK(r.body.find(absent->root.str()) != std::string::npos);
  CHECK(g.get("/ipfs/" + absent->root.str(), {{"Cache-Control", "only-if-cached"}}).status == 412);
  CHECK(g.get("/ipfs/" + absent->root.str() + "?format=raw", {{"Cache-Control", "only-if-cached"}}).status == 412);

  // A missing leaf in the middle of a file: the body is cut short, never padded with wrong
  // bytes, and the server stays up.
  // The 50th leaf of data.bin: raw leaves of 1024 bytes, addressed by their own hash.
  cid leaf{1, codec::raw, multihash::sha256(g.big.substr(50 * 1024, 1024))};
  REQUIRE(g.store.has(leaf));
  g.store.erase(leaf);
  http_client c;
  REQUIRE(c.connect("127.0.0.1:" + std::to_string(g.server.port())).ok());
  auto cut = c.request("GET", g.base() + "/data.bin");
  if (cut.ok()) {
    CHECK(cut->status == 200);
    CHECK(cut->body.size() < g.big.size());
    CHECK(g.big.compare(0, cut->body.size(), cut->body) == 0);
  }
  CHECK(g.get(g.base() + "/data.bin", {{"Range", "bytes=0-99"}}).status == 206);
  CHECK(g.get(g.base() + "/docs/a.txt").status == 200);
}

namespace {
// Reads a CAR body back: its roots and its blocks in order.
std::pair<std::vector<cid>, std::vector<block>> read_car(const std::string& body) {
  size_t pos = 0;
  car::reader rd([&](char* buf, size_t max) -> result<size_t> {
    size_t n = std::min(max, body.size() - pos);
    std::memcpy(buf, body.data() + pos, n);
    pos += n;
    return n;
  });
  auto h = rd.read_header();
  REQUIRE(h.ok());
  std::vector<block> blocks;
  for (;;) {
    auto b = rd.next();
    REQUIRE(b.ok());
    if (!*b)
      break;
    blocks.push_back(std::move(**b));
  }
  return {h->roots, blocks};
}
} // namespace

TEST_CASE("gateway CAR responses prove the path and honour dag-scope and entity-bytes", "[net][gateway][car]") {
  gateway_fixture g;
  auto r = g.get(g.base() + "/docs/a.txt?format=car");
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/vnd.ipld.car; version=1; order=dfs; dups=n");
  CHECK(r.header("Etag").find(g.root.str() + ".car.") != std::string::npos);
  auto [roots, blocks] = read_car(r.body);
  REQUIRE(roots.size() == 1);
  CHECK(roots[0] == g.root);
  // root dir, docs dir, then the file (one raw leaf).
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[0].cid == g.root);
  CHECK(blocks[2].cid == g.files["docs/a.txt"]);
  CHECK(blocks[2].data == "alpha\n");

  // The whole site: every block the fixture stored under the root, once.
  r = g.get(g.base(), {{"Accept", "application/vnd.ipld.car"}});
  REQUIRE(r.status == 200);
  auto all = read_car(r.body).second;
  memory_block_store copy;
  for (auto& b : all)
    REQUIRE(copy.put(b).ok());
  std::string back;
  REQUIRE(unixfs::cat(copy, *unixfs::resolve(copy, g.root, "data.bin"), 0, std::nullopt,
                      [&](std::string_view b) { back.append(b); return status::success(); }).ok());
  CHECK(back == g.big);

  // dag-scope=block: the path's blocks and the file's root only.
  r = g.get(g.base() + "/data.bin?format=car&dag-scope=block");
  REQUIRE(r.status == 200);
  CHECK(read_car(r.body).second.size() == 2);
  // entity-bytes: a slice needs only the leaves that overlap it (plus the nodes above them).
  r = g.get(g.base() + "/data.bin?format=car&dag-scope=entity&entity-bytes=2048:4095");
  REQUIRE(r.status == 200);
  auto slice = read_car(r.body).second;
  CHECK(slice.size() < 10);
  size_t leaves = 0;
  for (auto& b : slice)
    if (b.cid.codec == codec::raw) {
      ++leaves;
      CHECK(g.big.find(b.data) != std::string::npos);
    }
  CHECK(leaves == 2);
  CHECK(r.header("Etag") != g.get(g.base() + "/data.bin?format=car").header("Etag"));

  CHECK(g.get(g.base() + "?format=car&dag-scope=nope").status == 400);
  CHECK(g.get(g.base() + "/data.bin?format=car&dag-scope=entity&entity-bytes=x:y").status == 400);
  CHECK(g.get(g.base() + "/missing?format=car").status == 404);
  CHECK(g.get("/ipfs/bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e?format=car",
              {{"Cache-Control", "only-if-cached"}}).status == 412);
}

TEST_CASE("gateway serves a site by host name through its _redirects", "[net][gateway][site]") {
  // A second site with a _redirects file, built beside the fixture's content.
  site_fixture base;
  unixfs::import_options opt;
  opt.cid_version = 1;
  opt.raw_leaves = true;
  unixfs::directory_builder dir(base.store, opt);
  auto add = [&](const std::string& path, const std::string& content) {
    auto f = unixfs::import_bytes(base.store, opt, content);
    REQUIRE(f.ok());
    REQUIRE(dir.add_file(path, *f).ok());
  };
  add("index.html", "<html>spa</html>");
  add("404.html", "<html>lost</html>");
  add("blog/post.html", "<html>post</html>");
  add("_redirects", "/old/*  /blog/:splat  301\n/p/:name  /blog/:name.html  200\n/app/*  /index.html  200\n/*  /404.html  404\n");
  auto dirs = dir.finish();
  REQUIRE(dirs.ok());
  cid site_root = dirs->back().second.root;

  gateway_options opts;
  opts.sites.push_back({"example.org", site_root});
  gateway_api api(base.store, opts);
  http_server server([&](http_request& r, response_writer& w) { api.handle(r, w); });
  REQUIRE(server.start("127.0.0.1:0").ok());
  auto get = [&](const std::string& host, const std::string& target) {
    http_client c;
    REQUIRE(c.connect("127.0.0.1:" + std::to_string(server.port())).ok());
    auto r = c.request("GET", target, {{"Host", host}});
    REQUIRE(r.ok());
    return *r;
  };
  auto r = get("example.org:8080", "/");
  CHECK(r.status == 200);
  CHECK(r.body == "<html>spa</html>");
  CHECK(r.header("X-Ipfs-Path") == "/ipfs/" + site_root.str());
  CHECK(get("Example.ORG", "/blog/post.html").body == "<html>post</html>");
  r = get("example.org", "/old/post.html");
  CHECK(r.status == 301);
  CHECK(r.header("Location") == "/blog/post.html");
  r = get("example.org", "/p/post");
  CHECK(r.status == 200);
  CHECK(r.body == "<html>post</html>");
  r = get("example.org", "/app/deep/link");
  CHECK(r.status == 200);
  CHECK(r.body == "<html>spa</html>");
  r = get("example.org", "/nothing");
  CHECK(r.status == 404);
  CHECK(r.body == "<html>lost</html>");
  CHECK(r.header("Content-Type") == "text/html; charset=utf-8");
  // Other hosts get the path gateway; /ipfs/ paths work on the site's host too.
  CHECK(get("other.org", "/").status == 404);
  CHECK(get("example.org", "/ipfs/" + base.root.str() + "/docs/a.txt").body == "alpha\n");
}

TEST_CASE("gateway lists a 10 000-entry sharded directory in one page", "[net][gateway]") {
  memory_block_store store;
  unixfs::import_options opt;
  opt.cid_version = 1;
  opt.raw_leaves = true;
  unixfs::directory_builder dir(store, opt);
  for (int i = 0; i < 10000; ++i) {
    auto f = unixfs::import_bytes(store, opt, std::to_string(i));
    REQUIRE(f.ok());
    REQUIRE(dir.add_file("entry-" + std::to_string(i) + ".txt", *f).ok());
  }
  auto dirs = dir.finish();
  REQUIRE(dirs.ok());
  cid root = dirs->back().second.root;
  REQUIRE(unixfs::stat(store, root)->kind == unixfs::node_kind::hamt_directory);
  gateway_api api(store, {});
  http_server server([&](http_request& r, response_writer& w) { api.handle(r, w); });
  REQUIRE(server.start("127.0.0.1:0").ok());
  http_client c;
  REQUIRE(c.connect("127.0.0.1:" + std::to_string(server.port())).ok());
  auto r = c.request("GET", "/ipfs/" + root.str() + "/");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body.find("10000 entries") != std::string::npos);
  size_t rows = 0;
  for (size_t at = r->body.find("<tr>"); at != std::string::npos; at = r->body.find("<tr>", at + 1))
    ++rows;
  CHECK(rows == 10000);
  CHECK(r->body.find(">entry-9999.txt<") != std::string::npos);
}
