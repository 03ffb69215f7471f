// Blocks in a hash map, keyed by multihash like the LMDB store so v0 and v1 CIDs of the same
// bytes are one entry. For tests, --only-hash imports and small caches; thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include "storage/block_io.hpp"

namespace mantle {

class memory_block_store : public block_sink, public block_source {
public:
  // When `keep_data` is false only sizes are counted (only-hash imports and benchmarks).
  explicit memory_block_store(bool keep_data = true) : keep_data_(keep_data) {}

  status put(block b) override;
  status flush() override { return {}; }
  result<std::string> get(const cid& c) override;

  bool has(const cid& c) const;
  size_t count() const;
  uint64_t total_bytes() const; // sum of distinct block sizes
  uint64_t puts() const;        // put() calls, duplicates included
  // Replaces (or inserts) a block without checking its hash: tests use it to forge bad blocks.
  void overwrite(const cid& c, std::string data);
  void erase(const cid& c);

private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> blocks_;
  bool keep_data_;
  uint64_t bytes_ = 0;
  uint64_t puts_ = 0;
};

} // namespace mantle
