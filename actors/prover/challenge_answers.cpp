#include "actors/prover/challenge_answers.hpp"

namespace mantle::prover {

std::vector<proof_task> plan_proof_tasks(const std::vector<challenge_ref>& challenges,
                                         const std::map<std::string, proof_target>& targets,
                                         std::vector<uint64_t>* untargeted) {
  std::map<std::string, proof_task> by_cid;
  for (const auto& c : challenges) {
    auto t = targets.find(c.cid);
    if (t == targets.end()) {
      if (untargeted)
        untargeted->push_back(c.challenge_no);
      continue;
    }
    auto& task = by_cid[c.cid];
    task.cid = c.cid;
    task.target = t->second;
    task.challenge_nos.push_back(c.challenge_no);
    task.indices.push_back(c.segment_index);
  }
  std::vector<proof_task> out;
  out.reserve(by_cid.size());
  for (auto& [cid, task] : by_cid)
    out.push_back(std::move(task));
  return out;
}

answer_outcome answer_challenges(const std::vector<proof_task>& tasks, const reader_opener& open,
                                 const std::atomic<bool>* cancel) {
  answer_outcome out;
  auto fail = [&](const proof_task& t, std::string why) {
    out.failed.insert(out.failed.end(), t.challenge_nos.begin(), t.challenge_nos.end());
    out.errors.emplace_back(t.cid, std::move(why));
  };
  for (const auto& t : tasks) {
    if (cancel && cancel->load()) {
      fail(t, "cancelled");
      continue;
    }
    auto reader = open(t.cid, t.target.size);
    if (!reader) {
      fail(t, reader.err().message);
      continue;
    }
    auto proofs = proof::make_proofs(t.target.root, t.target.size, t.indices, *reader);
    if (!proofs) {
      fail(t, proofs.err().message);
      continue;
    }
    for (size_t i = 0; i < proofs->size() && i < t.challenge_nos.size(); ++i)
      out.answers.push_back(answer{t.challenge_nos[i], proof::encode((*proofs)[i])});
  }
  return out;
}

} // namespace mantle::prover
