// Reserved-space labels on disk: generation matches reserved::generate, proofs over the file
// pass check_labels, an interrupted generation resumes to the same root, clear removes it all.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "actors/prover/reserved_file.hpp"
#include "actors/prover/reserved_space.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::prover;

namespace {
bool exists(const std::string& p) {
  struct stat sb;
  return ::stat(p.c_str(), &sb) == 0;
}
} // namespace

TEST_CASE("reserved file: generate, load, prove, resume, clear", "[prover][reserved_file]") {
  test::temp_dir dir("mantle-reserved");
  std::string key(32, 'k'), beacon(32, 'b');
  const uint64_t bytes = 3 << 20; // three 1 MiB pieces
  std::string expect;
  auto ref = reserved::generate(key, beacon, bytes, [&](std::string_view b) {
    expect.append(b);
    return status{};
  });
  REQUIRE(ref);

  reserved_file f(dir.path);
  auto none = f.load();
  REQUIRE(none);
  CHECK_FALSE(*none);

  // Cancelled after the first piece: nothing current, the temp file stays for a resume.
  int pieces = 0;
  auto cancelled = f.generate(key, beacon, bytes, [&](uint64_t) { return ++pieces < 1; });
  REQUIRE_FALSE(cancelled);
  CHECK(exists(dir.path + "/reserved.labels.tmp"));
  auto still_none = f.load();
  REQUIRE(still_none);
  CHECK_FALSE(*still_none);

  uint64_t first_progress = 0;
  auto m = f.generate(key, beacon, bytes, [&](uint64_t done) {
    if (first_progress == 0)
      first_progress = done;
    return true;
  });
  REQUIRE(m);
  CHECK(first_progress == 2u << 20); // resumed after the piece already written
  CHECK(m->bytes == bytes);
  CHECK(m->beacon == beacon);
  CHECK(m->root == std::string(ref->root.begin(), ref->root.end()));
  CHECK_FALSE(exists(dir.path + "/reserved.labels.tmp"));
  auto loaded = f.load();
  REQUIRE(loaded);
  REQUIRE(*loaded);
  CHECK(**loaded == *m);

  // The file's bytes are the labels; proofs from it verify and pass the label checks.
  std::vector<uint64_t> idx{0, 1, 1500, proof::leaf_count(bytes) - 1};
  auto proofs = proof::make_proofs(ref->root, bytes, idx, f.reader());
  REQUIRE(proofs);
  for (const auto& p : *proofs) {
    CHECK(proof::verify(ref->root, bytes, p) == proof::verify_status::ok);
    CHECK(reserved::check_labels(key, beacon, p.index, p.segment));
    CHECK(p.segment == expect.substr(p.index * proof::segment_size, proof::segment_size));
  }

  // A new beacon starts over, not from the old temp file.
  auto other = f.generate(key, std::string(32, 'c'), 1 << 20);
  REQUIRE(other);
  CHECK(other->root != m->root);

  CHECK_FALSE(f.generate(key, beacon, 1000)); // not a multiple of the segment size
  REQUIRE(f.clear());
  auto gone = f.load();
  REQUIRE(gone);
  CHECK_FALSE(*gone);
  CHECK_FALSE(exists(f.labels_path()));
}
