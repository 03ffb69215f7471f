#include "storage/memory_block_store.hpp"

namespace mantle {

status memory_block_store::put(block b) {
  std::lock_guard<std::mutex> lock(mu_);
  ++puts_;
  auto size = b.data.size();
  auto [it, inserted] = blocks_.try_emplace(std::move(b.cid.mh));
  if (inserted) {
    bytes_ += size;
    if (keep_data_)
      it->second = std::move(b.data);
  }
  return {};
}

result<std::string> memory_block_store::get(const cid& c) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blocks_.find(c.mh);
  if (it == blocks_.end())
    return make_error(errc::not_found, "block " + c.str() + " is not in the memory store");
  if (!keep_data_)
    return make_error(errc::not_found, "block " + c.str() + " was hashed only, its bytes were not kept");
  return it->second;
}

bool memory_block_store::has(const cid& c) const {
  std::lock_guard<std::mutex> lock(mu_);
  return blocks_.count(c.mh) != 0;
}

size_t memory_block_store::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blocks_.size();
}

uint64_t memory_block_store::total_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

uint64_t memory_block_store::puts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return puts_;
}

void memory_block_store::overwrite(const cid& c, std::string data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = blocks_[c.mh];
  bytes_ = bytes_ - slot.size() + data.size();
  slot = std::move(data);
}

void memory_block_store::erase(const cid& c) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blocks_.find(c.mh);
  if (it != blocks_.end()) {
    bytes_ -= it->second.size();
    blocks_.erase(it);
  }
}

} // namespace mantle
