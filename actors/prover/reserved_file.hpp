// The node's reserved-space labels on disk (actors/prover/reserved_space.hpp makes them):
//   <dir>/reserved.labels      the labels of the current reservation
//   <dir>/reserved.meta        msgpack [bytes, beacon: bin, root: bin32] describing it; written
//                              last, removed first, so it never describes other labels
//   <dir>/reserved.labels.tmp  a generation in progress, and
//   <dir>/reserved.gen         msgpack [bytes, beacon: bin] of that generation
// Generation appends to the temp file and can resume it after a restart (the bytes already
// written are hashed into the proof tree again and the chain goes on from their last label);
// it ends with fsync and a rename, so reserved.labels is always a complete set of labels.
// Pure C++ with blocking file I/O: run it off an actor's thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "actors/prover/proof_tree.hpp"
#include "storage/result.hpp"

namespace mantle::prover {

struct reserved_meta {
  uint64_t bytes = 0;
  std::string beacon;
  std::string root; // 32 bytes
  bool operator==(const reserved_meta& o) const { return bytes == o.bytes && beacon == o.beacon && root == o.root; }
};

class reserved_file {
public:
  explicit reserved_file(std::string dir) : dir_(std::move(dir)) {}

  // The complete reservation on disk, if any (a damaged meta file is errc::corrupt).
  result<std::optional<reserved_meta>> load() const;
  // Generates (or resumes) labels for (node_key, beacon, bytes) and makes them current.
  // `progress` gets the bytes done after each piece and may return false to cancel (the temp
  // file stays for a resume with the same beacon).
  result<reserved_meta> generate(const std::string& node_key, const std::string& beacon, uint64_t bytes,
                                 const std::function<bool(uint64_t)>& progress = {}) const;
  // Removes the reservation and any generation in progress.
  status clear() const;
  // Reads the current labels (the caller checked load() against the chain).
  proof::segment_reader reader() const;

  std::string labels_path() const { return dir_ + "/reserved.labels"; }

private:
  std::string dir_;
};

} // namespace mantle::prover
