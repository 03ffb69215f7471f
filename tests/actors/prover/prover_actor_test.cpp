// The real prover actor against a real one-validator chain with short slots and a real block
// store holding a pinned file: the file is ordered, the market's claim reaches the chain in a
// work report, the node's challenges are answered, the order goes live and the node's storage
// power becomes the file's size plus its weighted reserved space; a drop takes the file out of
// the node's set again. A claim made before a restart of the prover is not lost.
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <thread>

#include "actors/market/market_rules.hpp"
#include "actors/prover/file_proof.hpp"
#include "actors/prover/prover_actor.hpp"
#include "actors/validator/chain_types.hpp"
#include "actors/validator/state_tables.hpp"
#include "actors/validator/tx.hpp"
#include "actors/validator/validator_actor.hpp"
#include "config/genesis.hpp"
#include "messages/errors.hpp"
#include "messages/market.hpp"
#include "messages/node_types.hpp"
#include "messages/validator.hpp"
#include "storage/block_store.hpp"
#include "storage/identity.hpp"
#include "storage/unixfs_importer.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/temp_dir.hpp"
#include "tests/test_store.hpp"

using namespace mantle;
using namespace std::chrono_literals;

namespace {

using system_fixture = test::actor_system_fixture;

std::optional<std::string> read_key(caf::scoped_actor& self, const caf::actor& v, const std::string& key) {
  std::optional<std::string> out;
  self->request(v, 10s, chain_read_atom::value, std::vector<std::string>{key})
    .receive(
      [&](chain_read_reply& r) {
        REQUIRE(r.values.size() == 1);
        if (r.found[0])
          out = r.values[0];
      },
      [&](caf::error& e) { FAIL("chain read: " << from_caf(e).message); });
  return out;
}

uint64_t storage_power(caf::scoped_actor& self, const caf::actor& v, const std::string& node_key) {
  auto raw = read_key(self, v, chain::key_of(chain::table::node, node_key));
  REQUIRE(raw);
  auto n = chain::decode_node(*raw);
  REQUIRE(n);
  return n->storage_power;
}

nlohmann::json prover_status(caf::scoped_actor& self, const caf::actor& p) {
  nlohmann::json out;
  self->request(p, 10s, prover_status_atom::value)
    .receive([&](std::string& s) { out = nlohmann::json::parse(s); },
             [&](caf::error& e) { FAIL("prover status: " << from_caf(e).message); });
  return out;
}

// Polls `done` every 100 ms for up to `limit`.
template <class F>
bool wait_for(F done, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done())
      return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

} // namespace

TEST_CASE("prover actor: reports land, challenges are answered, storage power follows", "[prover][prover_actor]") {
  test::temp_dir dir("mantle-prover");
  auto node = node_identity::generate();
  auto owner = node_identity::generate();
  auto gen = chain::dev_genesis(node.public_key(), owner.public_key(), 0);
  gen.chain_id = "mantle-prover-test";
  gen.params.block_time_ms = 200;
  gen.params.slot_blocks = 5;
  gen.params.challenges_per_slot = 16;
  gen.params.era_blocks = 100000;
  std::string genesis_path = dir.path + "/genesis.json";
  {
    std::ofstream f(genesis_path);
    f << chain::to_json(gen);
  }

  // A 600 KiB file (three 256 KiB chunks under a dag-pb root), pinned.
  std::shared_ptr<block_store> store = test::open_test_store(dir.path + "/node");
  std::string content(600 * 1024, '\0');
  std::mt19937_64 rng(42);
  for (auto& c : content)
    c = static_cast<char>(rng());
  cid file_cid;
  {
    unixfs::file_importer imp(*store, unixfs::import_options{});
    REQUIRE(imp.write(content));
    auto done = imp.finish();
    REQUIRE(done);
    file_cid = done->root;
  }
  REQUIRE(store->flush());
  REQUIRE(store->pin(file_cid, pin_type::recursive));
  auto fr = proof::compute_file_root(*store, file_cid);
  REQUIRE(fr);
  REQUIRE(fr->size == content.size());
  const std::string cid_bytes = file_cid.bytes();

  system_fixture f;
  caf::scoped_actor self{*f.sys};
  validator_actor_config vc;
  vc.data_dir = dir.path + "/node";
  vc.genesis_path = genesis_path;
  vc.identity = &node;
  vc.durable = false;
  auto v = spawn_validator_actor(*f.sys, vc);

  prover_actor_config pc;
  pc.data_dir = dir.path + "/node";
  pc.identity = &node;
  pc.store = store;
  pc.reserve_bytes = 1 << 20;
  pc.tick = 500ms;

  // The market's claim reaches a prover that cannot see the chain yet (the validator is not
  // registered), which then restarts: the claim must survive. A file that is not pinned here
  // is refused.
  {
    auto early = spawn_prover_actor(*f.sys, pc);
    self->request(early, 10s, prover_add_atom::value, cid_bytes, fr->size)
      .receive([](caf::ok_atom) {}, [&](caf::error& e) { FAIL("claim: " << from_caf(e).message); });
    cid unpinned{1, codec::raw, std::string("\x12\x20", 2) + std::string(32, 'z')};
    bool refused = false;
    self->request(early, 10s, prover_add_atom::value, unpinned.bytes(), uint64_t{10})
      .receive([](caf::ok_atom) {}, [&](caf::error& e) { refused = from_caf(e).code == errc::conflict; });
    CHECK(refused);
    CHECK(prover_status(self, early)["pending_adds"].size() == 1);
    test::stop(self, early);
  }
  f.sys->registry().put(caf::atom_from_string(validator_name), v);

  // The owner orders the file.
  auto order = chain::make_tx(owner, gen.chain_id, 0, gen.params.min_fee,
                              chain::txs::place_order{cid_bytes, fr->size, std::string(fr->root.begin(), fr->root.end()), 0});
  self->request(v, 10s, chain_submit_atom::value, chain::encode(order))
    .receive([](const std::string&) {}, [&](caf::error& e) { FAIL("order: " << from_caf(e).message); });
  REQUIRE(wait_for([&] { return read_key(self, v, market::file_key(cid_bytes)).has_value(); }, 20s));

  auto p = spawn_prover_actor(*f.sys, pc);
  f.sys->registry().put(caf::atom_from_string(prover_name), p);

  // Proven in a slot: power = file bytes + 10% of the reserved MiB.
  const uint64_t reserved_part = (uint64_t{1} << 20) * gen.params.reserved_weight_ppm / 1000000;
  const uint64_t expected = fr->size + reserved_part;
  uint64_t power = 0;
  bool reached = wait_for(
    [&] {
      power = storage_power(self, v, node.public_key());
      return power == expected;
    },
    60s);
  INFO("prover status: " << prover_status(self, p).dump());
  REQUIRE(reached);

  auto rec_raw = read_key(self, v, market::file_key(cid_bytes));
  REQUIRE(rec_raw);
  auto rec = market::decode_file_record(*rec_raw);
  REQUIRE(rec);
  CHECK(rec->status == market::file_status::live);
  REQUIRE(rec->replicas.size() == 1);
  CHECK(rec->replicas[0].node_key == node.public_key());
  CHECK(rec->replicas[0].last_proven_slot != market::no_slot);
  CHECK(rec->replicas[0].failures == 0);
  auto st = prover_status(self, p);
  CHECK(st["pending_adds"].empty());
  CHECK(st["files"] == 1);
  CHECK(st["files_bytes"] == fr->size);
  CHECK_FALSE(st["last_report_slot"].is_null());
  CHECK_FALSE(st["last_proof_slot"].is_null());
  CHECK(st["reserved"]["on_chain"] == (1u << 20));

  // Dropped: the next report deletes it; the reserved space alone stays proven.
  self->request(p, 10s, prover_drop_atom::value, cid_bytes)
    .receive([](caf::ok_atom) {}, [&](caf::error& e) { FAIL("drop: " << from_caf(e).message); });
  bool dropped = wait_for(
    [&] {
      power = storage_power(self, v, node.public_key());
      return power == reserved_part && !read_key(self, v, market::node_file_key(node.public_key(), cid_bytes));
    },
    60s);
  INFO("prover status: " << prover_status(self, p).dump());
  CHECK(dropped);
  CHECK(wait_for([&] { return prover_status(self, p)["pending_drops"].empty(); }, 20s));

  f.sys->registry().erase(caf::atom_from_string(prover_name));
  f.sys->registry().erase(caf::atom_from_string(validator_name));
  test::stop(self, p);
  test::stop(self, v);
}
