// Answering a slot's challenges: group the unanswered challenges of the node's challenge set
// by file, then one sequential pass per file (proof::make_proofs, checked against the root the
// chain holds) yields every answer for that file. Files the chain no longer knows are skipped
// (their challenges are waived); a file that cannot be read or no longer matches its root
// fails on its own without stopping the others. Pure C++, no CAF: the prover actor runs
// answer_challenges off its thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/prover/proof_tree.hpp"
#include "actors/prover/prover_txs.hpp"
#include "storage/result.hpp"

namespace mantle::prover {

// One challenge of the chain's set for this node: its number in draw order and its target
// (cid empty = the reserved-space pseudo-file).
struct challenge_ref {
  uint64_t challenge_no = 0;
  std::string cid;
  uint64_t segment_index = 0;
};

// What the chain says a challenged file is: the size and proof root of its order (or of the
// node's reservation for the empty cid).
struct proof_target {
  uint64_t size = 0;
  proof::digest root{};
};

struct proof_task {
  std::string cid;
  proof_target target;
  std::vector<uint64_t> challenge_nos;
  std::vector<uint64_t> indices; // segment index of each challenge, same order
};

// Tasks in cid order; challenges whose target is unknown go to `untargeted`.
std::vector<proof_task> plan_proof_tasks(const std::vector<challenge_ref>& challenges,
                                         const std::map<std::string, proof_target>& targets,
                                         std::vector<uint64_t>* untargeted = nullptr);

// Opens a reader over a challenged file's bytes (size = the chain's size for it).
using reader_opener = std::function<result<proof::segment_reader>(const std::string& cid, uint64_t size)>;

struct answer_outcome {
  std::vector<answer> answers;                        // in task order, then challenge order
  std::vector<uint64_t> failed;                       // challenge numbers left unanswered
  std::vector<std::pair<std::string, std::string>> errors; // (cid, reason) per failed file
};

// Blocking: reads every challenged file once. `cancel` (optional) stops between files.
answer_outcome answer_challenges(const std::vector<proof_task>& tasks, const reader_opener& open,
                                 const std::atomic<bool>* cancel = nullptr);

} // namespace mantle::prover
