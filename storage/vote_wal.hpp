// Write-ahead log of everything a validator signs (votes and proposals), so that it can never
// sign two different messages for one consensus step, not even across a crash and restart.
//
// The log knows nothing of the chain's types: an entry is a key (height, round, kind) with
// `content` (what a repeat signature must match, e.g. the block id) and `message` (the signed,
// encoded vote or proposal). actors/validator/vote_signer gives the entries their meaning.
//
// File format: a sequence of records, each
//   magic "MWAL" | u32 LE payload length | u32 CRC32(payload) | u32 CRC32(the 12 bytes before)
//   | payload = msgpack [kind, height, round, content(bin), message(bin)]
// append() writes a record and fsyncs (unless opened non-durable for tests) before it returns,
// so a caller that releases a signature only after append() succeeded can never lose it.
// open() replays the file. A record cut short at the end of the file (a crash in the middle
// of an append, before its fsync returned, so its signature was never released) is dropped and
// the file truncated to the last whole record; recovery_note() then says what was dropped, for
// the host to log. Damage before the last record is an errc::corrupt error naming the offset:
// the operator must look at it, since guessing could forget a signature.
// The file is flock()ed: a second open of the same log, in this or another process, fails.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "storage/result.hpp"

namespace mantle {

struct wal_entry {
  uint8_t kind = 0; // caller-defined
  uint64_t height = 0;
  uint32_t round = 0;
  std::string content;
  std::string message;
  bool operator==(const wal_entry& o) const {
    return kind == o.kind && height == o.height && round == o.round && content == o.content && message == o.message;
  }
};

class vote_wal {
public:
  static constexpr size_t max_record_bytes = 1 << 20;

  // Opens (creating if missing) the log at `path` and loads every record.
  static result<std::unique_ptr<vote_wal>> open(const std::string& path, bool durable = true);
  ~vote_wal();
  vote_wal(const vote_wal&) = delete;
  vote_wal& operator=(const vote_wal&) = delete;

  // The entry recorded for (height, round, kind), or nullptr.
  const wal_entry* find(uint64_t height, uint32_t round, uint8_t kind) const;
  // Entries of one height, ordered by (round, kind).
  std::vector<wal_entry> at_height(uint64_t height) const;
  size_t size() const { return entries_.size(); }

  // Records `e` durably. Refuses (errc::conflict) an entry whose key is already recorded; an
  // I/O error leaves the file as it was and makes every later append fail too (the log can no
  // longer promise anything; restart the node).
  status append(const wal_entry& e);
  // Drops entries below `height` (the host calls it once a height is committed): the kept
  // entries are written to a new file which atomically replaces the old one.
  status prune_below(uint64_t height);

  // Non-empty when open() dropped a torn last record: what was dropped and why.
  const std::string& recovery_note() const { return note_; }
  const std::string& path() const { return path_; }

private:
  vote_wal(std::string path, int fd, bool durable) : path_(std::move(path)), fd_(fd), durable_(durable) {}
  status load();
  using key = std::tuple<uint64_t, uint32_t, uint8_t>;
  std::string path_;
  int fd_ = -1;
  bool durable_ = true;
  bool failed_ = false;
  uint64_t file_size_ = 0;
  std::string note_;
  std::map<key, wal_entry> entries_;
};

// The bytes of one record (exposed for tests that build damaged files).
std::string encode_wal_record(const wal_entry& e);

} // namespace mantle
