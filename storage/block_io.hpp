// The seams between content logic and wherever blocks live: the importer writes to a
// block_sink, the exporter and CAR writer read from a block_source. The LMDB store, an actor
// client and an in-memory map all implement them, so the codecs never know which.
#pragma once
#include <functional>
#include <vector>
#include <string>
#include <string_view>
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle {

struct block {
  mantle::cid cid;
  std::string data;
};

class block_sink {
public:
  virtual ~block_sink() = default;
  // May buffer; blocks are durable only after flush() returns success.
  virtual status put(block b) = 0;
  virtual status flush() = 0;
};

class block_source {
public:
  virtual ~block_source() = default;
  // errc::not_found when the block is not here.
  virtual result<std::string> get(const cid& c) = 0;
  // Hands the block's bytes to `fn` without copying them out where the source can (LMDB: a
  // view into its read snapshot, valid only during the call). Streaming readers use it.
  virtual status read(const cid& c, const std::function<status(std::string_view)>& fn) {
    auto b = get(c);
    if (!b)
      return b.err();
    return fn(*b);
  }
  // Tells the source which blocks the calling thread reads next, in order, before the ones it
  // was told about earlier (depth first). A source behind messages (a block store in another
  // process) requests some of them ahead; the default ignores the hint.
  virtual void prefetch(const std::vector<cid>& next) {}
};

} // namespace mantle
