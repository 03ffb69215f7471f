#include "actors/prover/challenge_answers.hpp"

#include "actors/prover/reserved_space.hpp"

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
    // Reserved space answers carry the segment before the challenged one as well (see
    // reserved::answer): the same pass proves both.
    const bool reserved_space = t.cid.empty();
    auto indices = t.indices;
    if (reserved_space)
      for (uint64_t i : t.indices)
        if (i > 0)
          indices.push_back(i - 1);
    auto proofs = proof::make_proofs(t.target.root, t.target.size, indices, *reader);
    if (!proofs) {
      fail(t, proofs.err().message);
      continue;
    }
    for (size_t i = 0; i < t.indices.size() && i < t.challenge_nos.size(); ++i) {
      if (!reserved_space) {
        out.answers.push_back(answer{t.challenge_nos[i], proof::encode((*proofs)[i])});
        continue;
      }
      reserved::answer a{(*proofs)[i], std::nullopt};
      if (t.indices[i] > 0)
        for (size_t j = t.indices.size(); j < indices.size(); ++j)
          if (indices[j] == t.indices[i] - 1) {
            a.previous = (*proofs)[j];
            break;
          }
      out.answers.push_back(answer{t.challenge_nos[i], reserved::encode_answer(a)});
    }
  }
  return out;
}

} // namespace mantle::prover
