// Persistent state of the Pinning Service API: pin requests and API tokens, in an LMDB
// environment of its own (<data_dir>/psa; the block store owns blocks.lmdb). Tables:
//   requests : requestid -> msgpack request_record (fixed-order array, fields only appended)
//   order    : be64(~created_ms) ++ requestid -> ""   (forward scan = newest first)
//   tokens   : token id -> msgpack api_token (storage/api_tokens.hpp)
// Every write is one transaction, synced to disk on commit (requests are few and must survive
// a crash: a client was told 202). Thread-safe: the HTTP threads and the pinner share it.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>
#include "storage/api_tokens.hpp"
#include "storage/result.hpp"

namespace mantle {
namespace lmdb {
class env;
}

namespace psa {

enum class pin_status : uint8_t { queued = 0, pinning = 1, pinned = 2, failed = 3 };
const char* to_string(pin_status s);
std::optional<pin_status> parse_status(std::string_view s);

struct request_record {
  std::string requestid;
  std::string cid; // canonical string form (cid::str()) of the requested CID
  std::string name;
  std::vector<std::string> origins; // kept and returned; used once the node has peers
  std::map<std::string, std::string> meta;
  pin_status status = pin_status::queued;
  uint64_t created_ms = 0;
  std::vector<std::string> delegates;
  std::map<std::string, std::string> info;
  std::string failure; // why it failed (also in info["reason"])
  uint32_t attempts = 0;
  uint64_t last_attempt_ms = 0;
};

std::string encode(const request_record& r);
result<request_record> decode_request_record(std::string_view bytes);

enum class text_match { exact, iexact, partial, ipartial };
std::optional<text_match> parse_text_match(std::string_view s);

// GET /pins filters; empty vectors/maps and nullopt mean "no filter".
struct request_query {
  std::vector<std::string> cids; // canonical CID strings
  std::optional<std::string> name;
  text_match match = text_match::exact;
  std::vector<pin_status> statuses;
  std::optional<uint64_t> before_ms; // created strictly before
  std::optional<uint64_t> after_ms;  // created strictly after
  size_t limit = 10;
  std::map<std::string, std::string> meta; // every pair must be present and equal
};

struct query_result {
  size_t count = 0; // all matches, before the limit
  std::vector<request_record> results; // newest first, at most `limit`
};

bool matches(const request_record& r, const request_query& q);

class psa_store {
public:
  // `durable` false skips fsync on commit (tests).
  static result<std::unique_ptr<psa_store>> open(const std::string& dir, bool durable = true);
  ~psa_store();

  // Stores a new request with a fresh random requestid; returns it as stored.
  result<request_record> create(request_record r);
  result<std::optional<request_record>> get(const std::string& requestid);
  // Read-modify-write of one request in one transaction; `fn` may change anything but the id
  // and created time. not_found when the request is gone (deleted meanwhile).
  result<request_record> update(const std::string& requestid,
                                const std::function<void(request_record&)>& fn);
  // The same for several requests in one transaction (one disk sync); ids no longer present
  // are skipped. Returns the changed records in the order of `ids`.
  result<std::vector<request_record>> update_each(const std::vector<std::string>& ids,
                                                  const std::function<void(request_record&)>& fn);
  // False when absent.
  result<bool> remove(const std::string& requestid);
  result<query_result> find(const request_query& q);
  // queued and pinning requests, oldest first: the pinner's work list.
  result<std::vector<request_record>> active();
  // Every request for this CID (canonical string), any status.
  result<std::vector<request_record>> by_cid(const std::string& cid);

  // Tokens. create_token fails with errc::conflict when the name is taken.
  result<minted_token> create_token(const std::string& name, uint64_t now_ms);
  result<std::vector<api_token>> tokens(); // oldest first
  // By id, else by name; not_found if neither matches.
  result<api_token> revoke_token(const std::string& id_or_name);
  // The token whose secret this is, compared in constant time against every stored hash.
  result<std::optional<api_token>> authenticate(std::string_view secret);

private:
  struct tables;
  psa_store(std::unique_ptr<lmdb::env> env, std::unique_ptr<tables> t);
  result<std::vector<request_record>> scan(const std::function<bool(const request_record&)>& keep);

  std::unique_ptr<lmdb::env> env_;
  std::unique_ptr<tables> db_;
  std::mutex write_mu_;
};

} // namespace psa
} // namespace mantle
