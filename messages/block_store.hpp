// The block-store actor's interface: atoms, request structs and their inspect functions.
// Replies are the plain result types from storage/block_store.hpp, or a caf::error in the
// "mantle" category (messages/errors.hpp) carrying the errc and a readable message.
#pragma once
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/block_io.hpp"
#include "storage/block_store.hpp"

namespace mantle {

using blk_put_atom = caf::atom_constant<caf::atom("blk_put")>;
using blk_get_atom = caf::atom_constant<caf::atom("blk_get")>;
using blk_has_atom = caf::atom_constant<caf::atom("blk_has")>;
using blk_size_atom = caf::atom_constant<caf::atom("blk_size")>;
using blk_rm_atom = caf::atom_constant<caf::atom("blk_rm")>;
using blk_lose_atom = caf::atom_constant<caf::atom("blk_lose")>; // (blk_lose, root, percent) -> uint64_t: data-loss drill
using pin_add_atom = caf::atom_constant<caf::atom("pin_add")>;
using pin_rm_atom = caf::atom_constant<caf::atom("pin_rm")>;
using pin_ls_atom = caf::atom_constant<caf::atom("pin_ls")>;
using repo_gc_atom = caf::atom_constant<caf::atom("repo_gc")>;
using repo_st_atom = caf::atom_constant<caf::atom("repo_stat")>;
using sess_open_atom = caf::atom_constant<caf::atom("sess_open")>;
using sess_end_atom = caf::atom_constant<caf::atom("sess_end")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using fault_atom = caf::atom_constant<caf::atom("fault")>;

// Name under which the supervisor registers the block store.
constexpr const char* block_store_name = "blockstore";

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cid& x) {
  return f(caf::meta::type_name("mantle::cid"), x.version, x.codec, x.mh);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block& x) {
  return f(caf::meta::type_name("mantle::block"), x.cid, x.data);
}

// A batch of blocks written in one LMDB transaction, optionally tied to an add session so a
// crash mid-add leaves nothing half there.
struct put_blocks {
  std::vector<block> blocks;
  uint64_t session = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_blocks& x) {
  return f(caf::meta::type_name("mantle::put_blocks"), x.blocks, x.session);
}

struct pin_request {
  mantle::cid cid;
  uint8_t type = static_cast<uint8_t>(pin_type::recursive);
  std::string name;
  uint64_t session = 0; // closed in the same step once the pin is durable
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pin_request& x) {
  return f(caf::meta::type_name("mantle::pin_request"), x.cid, x.type, x.name, x.session);
}

struct pin_query {
  uint8_t type = 0; // 0 = all (including indirect)
  std::vector<mantle::cid> which;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pin_query& x) {
  return f(caf::meta::type_name("mantle::pin_query"), x.type, x.which);
}

struct pin_entry {
  mantle::cid cid;
  uint8_t type = 0;
  std::string name;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pin_entry& x) {
  return f(caf::meta::type_name("mantle::pin_entry"), x.cid, x.type, x.name);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, repo_stat& x) {
  return f(caf::meta::type_name("mantle::repo_stat"), x.num_objects, x.repo_size, x.storage_max,
           x.file_size);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gc_result& x) {
  return f(caf::meta::type_name("mantle::gc_result"), x.removed, x.freed_bytes);
}

} // namespace mantle
