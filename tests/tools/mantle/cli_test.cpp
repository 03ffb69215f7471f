// The CLI's sources live in the `mantle` executable, not a library; compile the pure parts
// into the test binary directly.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>
#include <cstring>
#include "tools/mantle/cli_args.cpp"
#include "tools/mantle/tar_extract.cpp"

using namespace mantle;

namespace {
result<cli::invocation> p(std::vector<std::string> a) { return cli::parse(a); }

// One ustar header block (+ data, padded).
std::string tar_entry(const std::string& name, char type, const std::string& data, const std::string& link = "") {
  std::string h(512, '\0');
  std::memcpy(&h[0], name.data(), std::min<size_t>(name.size(), 100));
  std::memcpy(&h[100], "0000644", 7);
  char size[13];
  snprintf(size, sizeof size, "%011zo", data.size());
  std::memcpy(&h[124], size, 11);
  std::memcpy(&h[136], "00000000000", 11);
  h[156] = type;
  std::memcpy(&h[157], link.data(), std::min<size_t>(link.size(), 100));
  std::memcpy(&h[257], "ustar\0" "00", 8);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char chk[8];
  snprintf(chk, sizeof chk, "%06o", sum);
  std::memcpy(&h[148], chk, 7);
  std::string out = h + data;
  out.resize(out.size() + (512 - data.size() % 512) % 512, '\0');
  return out;
}
std::string pax_entry(const std::string& path) {
  std::string rec = "path=" + path + "\n";
  size_t len = rec.size() + 3;
  std::string r = std::to_string(len) + " " + rec;
  if (r.size() != len) r = std::to_string(r.size()) + " " + rec;
  return tar_entry("PaxHeaders/x", 'x', r);
}
std::string end_blocks() { return std::string(1024, '\0'); }
std::string slurp(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) return "<missing>";
  std::string s;
  char b[4096];
  size_t n;
  while ((n = fread(b, 1, sizeof b, f)) > 0) s.append(b, n);
  fclose(f);
  return s;
}
std::string temp_dir() {
  char t[] = "/tmp/mantle-cli-XXXXXX";
  REQUIRE(mkdtemp(t) != nullptr);
  return t;
}
} // namespace

TEST_CASE("mantle CLI parses Kubo-style options", "[tools][cli]") {
  auto a = p({"--api", "127.0.0.1:5002", "add", "-rq", "--cid-version=1", "--chunker", "size-1024",
              "--pin=false", "-w", "dir", "file"});
  REQUIRE(a.ok());
  CHECK(a->api == "127.0.0.1:5002");
  CHECK(a->cmd->path == "add");
  CHECK(a->flag("recursive", false));
  CHECK(a->flag("quiet", false));
  CHECK(a->flag("wrap-with-directory", false));
  CHECK_FALSE(a->flag("pin", true));
  CHECK(a->value("cid-version").value() == "1");
  CHECK(a->value("chunker").value() == "size-1024");
  CHECK(a->args == std::vector<std::string>{"dir", "file"});

  auto pin = p({"pin", "ls", "--type", "recursive"});
  REQUIRE(pin.ok());
  CHECK(pin->cmd->path == "pin ls");
  CHECK(pin->value("type").value() == "recursive");

  auto cat = p({"cat", "Qm", "--offset", "5", "-l", "10", "--api=[::1]:5001"});
  REQUIRE(cat.ok());
  CHECK(cat->value("offset").value() == "5");
  CHECK(cat->value("length").value() == "10");
  CHECK(cat->api == "[::1]:5001");

  auto get = p({"get", "Qm", "-oout/dir"});
  CHECK(get->value("output").value() == "out/dir");

  CHECK(p({"--help"})->help);
  CHECK(p({"pin", "add", "--help"})->help);
  CHECK(p({"pin", "add", "--help"})->cmd->path == "pin add");
}

TEST_CASE("mantle CLI usage errors", "[tools][cli]") {
  for (auto argv : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"add"}, {"add", "--bogus", "x"}, {"cat", "a", "b"}, {"add", "--pin=maybe", "x"},
           {"cat", "x", "--offset"}, {"--api"}, {"--nope", "version"}, {"repo", "stat", "extra"}, {"pin"}}) {
    auto r = p(argv);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.err().code == errc::invalid_input);
  }
  CHECK(cli::command_help(*p({"add", "x"})->cmd).find("--cid-version") != std::string::npos);
}

TEST_CASE("tar extraction writes files and refuses escapes", "[tools][cli][tar]") {
  std::string dir = temp_dir();
  SECTION("regular tree, renamed top, split feeding, pax long name") {
    std::string long_name = "QmTop/" + std::string(150, 'n') + ".txt";
    std::string tar = tar_entry("QmTop", '5', "") + tar_entry("QmTop/a.txt", '0', "hello") +
                      tar_entry("QmTop/sub", '5', "") + tar_entry("QmTop/sub/b", '0', std::string(1000, 'b')) +
                      pax_entry(long_name) + tar_entry("ignored", '0', "long") +
                      tar_entry("QmTop/sub/l", '2', "", "../a.txt") + end_blocks();
    cli::tar_extractor tx(dir, "out");
    for (size_t i = 0; i < tar.size(); i += 333)
      REQUIRE(tx.feed(std::string_view(tar).substr(i, 333)).ok());
    REQUIRE(tx.finish().ok());
    CHECK(slurp(dir + "/out/a.txt") == "hello");
    CHECK(slurp(dir + "/out/sub/b") == std::string(1000, 'b'));
    CHECK(slurp(dir + "/out/" + std::string(150, 'n') + ".txt") == "long");
    CHECK(slurp(dir + "/out/sub/l") == "hello");
  }
  SECTION("dot-dot path") {
    cli::tar_extractor tx(dir, "");
    CHECK_FALSE(tx.feed(tar_entry("x/../../evil", '0', "x") + end_blocks()).ok());
    CHECK(slurp(dir + "/../evil") == "<missing>");
  }
  SECTION("absolute path") {
    cli::tar_extractor tx(dir, "");
    CHECK_FALSE(tx.feed(tar_entry("/tmp/evil", '0', "x")).ok());
  }
  SECTION("symlink pointing out, and writing through a symlink") {
    cli::tar_extractor tx(dir, "");
    CHECK_FALSE(tx.feed(tar_entry("t", '5', "") + tar_entry("t/l", '2', "", "../../etc")).ok());
    cli::tar_extractor tx2(dir, "");
    CHECK_FALSE(tx2.feed(tar_entry("u", '5', "") + tar_entry("u/l", '2', "", ".") +
                         tar_entry("u/l/f", '0', "x")).ok());
  }
  SECTION("garbage and truncation") {
    cli::tar_extractor tx(dir, "");
    CHECK_FALSE(tx.feed(std::string(512, 'z')).ok());
    cli::tar_extractor tx2(dir, "");
    std::string t = tar_entry("f", '0', std::string(2000, 'x'));
    REQUIRE(tx2.feed(t.substr(0, 1000)).ok());
    CHECK_FALSE(tx2.finish().ok());
  }
  std::string cmd = "rm -rf '" + dir + "'";
  CHECK(system(cmd.c_str()) == 0);
}
