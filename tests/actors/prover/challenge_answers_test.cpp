// Answering a challenge set: grouped per file, one proof per challenge that verifies against
// the chain's root, files without a target skipped, a damaged file failing alone.
#include <catch2/catch.hpp>

#include <random>

#include "actors/prover/challenge_answers.hpp"
#include "actors/prover/reserved_space.hpp"

using namespace mantle;
using namespace mantle::prover;

namespace {
std::string random_bytes(size_t n, uint64_t seed) {
  std::string s(n, '\0');
  std::mt19937_64 rng(seed);
  for (auto& c : s)
    c = static_cast<char>(rng());
  return s;
}
} // namespace

TEST_CASE("challenge answers: per-file passes, waived and damaged files", "[prover][challenge_answers]") {
  std::map<std::string, std::string> files{{"A", random_bytes(5000, 1)},
                                           {"B", random_bytes(70000, 2)},
                                           {"", random_bytes(4096, 3)}};
  std::map<std::string, proof_target> targets;
  for (const auto& [c, bytes] : files)
    targets[c] = proof_target{bytes.size(), proof::compute_root(bytes).root};
  std::vector<challenge_ref> q{{0, "B", 3}, {1, "A", 4}, {2, "gone", 0}, {3, "B", 68}, {4, "", 2}, {5, "B", 3}};
  std::vector<uint64_t> untargeted;
  auto tasks = plan_proof_tasks(q, targets, &untargeted);
  CHECK(untargeted == std::vector<uint64_t>{2});
  REQUIRE(tasks.size() == 3);
  CHECK(tasks[0].cid.empty());
  CHECK(tasks[1].cid == "A");
  CHECK(tasks[2].cid == "B");
  CHECK(tasks[2].challenge_nos == std::vector<uint64_t>{0, 3, 5});
  CHECK(tasks[2].indices == std::vector<uint64_t>{3, 68, 3});

  int opened = 0;
  reader_opener open = [&](const std::string& c, uint64_t size) -> result<proof::segment_reader> {
    ++opened;
    CHECK(size == files.at(c).size());
    std::string bytes = files.at(c);
    return proof::segment_reader([bytes](uint64_t off, size_t n, std::string& out) {
      out.append(bytes, off, n);
      return status{};
    });
  };
  auto out = answer_challenges(tasks, open);
  CHECK(opened == 3); // one pass per file
  CHECK(out.failed.empty());
  REQUIRE(out.answers.size() == 5);
  std::map<uint64_t, uint64_t> index_of{{0, 3}, {1, 4}, {3, 68}, {4, 2}, {5, 3}};
  std::map<uint64_t, std::string> cid_of{{0, "B"}, {1, "A"}, {3, "B"}, {4, ""}, {5, "B"}};
  for (const auto& a : out.answers) {
    const auto& t = targets.at(cid_of.at(a.challenge_no));
    if (cid_of.at(a.challenge_no).empty()) {
      // Reserved space: the challenged segment and the one before it, both proven.
      auto r = reserved::decode_answer(a.proof);
      REQUIRE(r);
      CHECK(r->challenged.index == index_of.at(a.challenge_no));
      REQUIRE(r->previous);
      CHECK(r->previous->index + 1 == r->challenged.index);
      CHECK(proof::verify(t.root, t.size, r->challenged) == proof::verify_status::ok);
      CHECK(proof::verify(t.root, t.size, *r->previous) == proof::verify_status::ok);
      continue;
    }
    auto p = proof::decode_segment_proof(a.proof);
    REQUIRE(p);
    CHECK(p->index == index_of.at(a.challenge_no));
    CHECK(proof::verify(t.root, t.size, *p) == proof::verify_status::ok);
  }

  // B lost a byte: its challenges fail, the others are still answered.
  files["B"][1000] ^= 1;
  auto damaged = answer_challenges(tasks, open);
  CHECK(damaged.answers.size() == 2);
  CHECK(damaged.failed == std::vector<uint64_t>{0, 3, 5});
  REQUIRE(damaged.errors.size() == 1);
  CHECK(damaged.errors[0].first == "B");
  CHECK(damaged.errors[0].second.find("root") != std::string::npos);

  // A file that cannot be opened fails alone as well.
  reader_opener missing = [&](const std::string& c, uint64_t s) -> result<proof::segment_reader> {
    if (c == "A")
      return make_error(errc::not_found, "block missing");
    return open(c, s);
  };
  files["B"][1000] ^= 1;
  auto partial = answer_challenges(tasks, missing);
  CHECK(partial.failed == std::vector<uint64_t>{1});
  CHECK(partial.answers.size() == 4);

  std::atomic<bool> cancel{true};
  auto cancelled = answer_challenges(tasks, open, &cancel);
  CHECK(cancelled.answers.empty());
  CHECK(cancelled.failed.size() == 5);
}
