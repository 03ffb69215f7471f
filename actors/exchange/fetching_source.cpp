#include "actors/exchange/fetching_source.hpp"

#include <caf/all.hpp>

#include <optional>

#include "messages/errors.hpp"
#include "messages/exchange.hpp"
#include "messages/node_types.hpp"
#include "storage/dag_pb.hpp"
#include "storage/unixfs_pb.hpp"

namespace mantle {
namespace {

// The exchange enforces the node's fetch-timeout (timeout_ms = 0); this only bounds a call to
// an exchange that stopped answering altogether.
constexpr auto outer_timeout = std::chrono::seconds(3600);

// A file's root fetched from the network: its other blocks are about to be read one after the
// other, so the whole file is prefetched with the exchange's window instead of one round trip
// per block. Directories are not prefetched: a listing must not download every file below.
bool worth_prefetching(const cid& c, const std::string& bytes) {
  if (c.codec != codec::dag_pb)
    return false;
  auto node = dag_pb::decode(bytes);
  if (!node || node->links.empty() || !node->data)
    return false;
  auto fs = unixfs::decode(*node->data);
  return fs && fs->type == unixfs::data_type::file;
}

} // namespace

fetching_source::fetching_source(caf::actor_system& sys, block_source& local,
                                 std::function<caf::actor()> exchange)
  : sys_(sys), local_(local), exchange_(std::move(exchange)) {}

result<std::string> fetching_source::get(const cid& c) {
  auto r = local_.get(c);
  if (r || r.err().code != errc::not_found)
    return r;
  return fetch(c, r.err());
}

status fetching_source::read(const cid& c, const std::function<status(std::string_view)>& fn) {
  bool called = false;
  auto s = local_.read(c, [&](std::string_view bytes) {
    called = true;
    return fn(bytes);
  });
  // A not_found that `fn` itself returned (e.g. a nested lookup) is its answer, not a miss.
  if (s || s.err().code != errc::not_found || called)
    return s;
  // This block was missing. It may have been stored since (a DAG prefetch of the same file runs
  // in the exchange meanwhile): then it is read from the store, not reported missing.
  auto again = local_.get(c);
  if (again)
    return fn(*again);
  if (again.err().code != errc::not_found)
    return again.err();
  auto got = fetch(c, again.err());
  if (!got)
    return got.err();
  return fn(*got);
}

result<std::string> fetching_source::fetch(const cid& c, const error& local_miss) {
  auto ex = exchange_ ? exchange_() : caf::actor{};
  if (!ex)
    return local_miss;
  caf::scoped_actor self{sys_};
  std::optional<result<std::string>> out;
  self->request(ex, outer_timeout, fetch_atom::value, c, uint64_t{0})
    .receive([&](std::string& bytes) { out.emplace(std::move(bytes)); },
             [&](caf::error& e) { out.emplace(from_caf(e)); });
  if (!*out) // both halves: what the store said, and why the network did not help
    return error{out->err().code, local_miss.message + "; from peers: " + out->err().message};
  if (worth_prefetching(c, **out))
    caf::anon_send(ex, fetch_dag_atom::value, c, uint64_t{0});
  return std::move(*out);
}

status fetch_dag(caf::actor_system& sys, const std::function<caf::actor()>& exchange, const cid& root) {
  auto ex = exchange ? exchange() : caf::actor{};
  if (!ex)
    return {};
  caf::scoped_actor self{sys};
  status out;
  self->request(ex, outer_timeout, fetch_dag_atom::value, root, uint64_t{0})
    .receive([&](uint64_t) {}, [&](caf::error& e) { out = from_caf(e); });
  return out;
}

} // namespace mantle
