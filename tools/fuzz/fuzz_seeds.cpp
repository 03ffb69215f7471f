// Valid inputs for every fuzz target: a fuzzer that starts from real CARs, dag-pb nodes,
// transactions and multipart bodies reaches the deep branches in seconds instead of hours.
// tools/fuzz/run.sh writes them out (fuzz_seeds DIR); the Catch2 replay mutates them too.
#include <fstream>
#include "tools/fuzz/fuzz_seeds.hpp"
#include "actors/prover/proof_tree.hpp"
#include "actors/prover/reserved_space.hpp"
#include "actors/validator/chain_types.hpp"
#include "actors/validator/tx.hpp"
#include "storage/car.hpp"
#include "storage/dag_pb.hpp"
#include "storage/identity.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/multihash.hpp"
#include "storage/pin_record.hpp"
#include "storage/unixfs_importer.hpp"
#include "storage/unixfs_pb.hpp"
#include "storage/varint.hpp"
#include "tools/fuzz/sample_site.hpp"

using namespace mantle;
using namespace std::string_literals;

namespace {

void seed(fuzz::seed_map& out, const std::string& target, const std::string& name, char selector,
          std::string_view body) {
  std::string input(1, selector);
  input.append(body);
  out[target].emplace_back(name, std::move(input));
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

// A small DAG: a 3-chunk file, a tiny file and a symlink in a directory.
struct sample_dag {
  memory_block_store store;
  std::vector<block> blocks; // in import order
  cid root;
};

class recording_sink : public block_sink {
public:
  explicit recording_sink(sample_dag& d) : d_(d) {}
  status put(block b) override {
    d_.blocks.push_back(b);
    return d_.store.put(std::move(b));
  }
  status flush() override { return {}; }

private:
  sample_dag& d_;
};

void make_dag(sample_dag& d, uint64_t cid_version) {
  recording_sink sink(d);
  unixfs::import_options opt;
  opt.cid_version = cid_version;
  opt.raw_leaves = cid_version == 1;
  opt.chunk_size = 1000;
  auto big = unixfs::import_bytes(sink, opt, pattern(2500));
  auto small = unixfs::import_bytes(sink, opt, "hello\n");
  unixfs::directory_builder dir(sink, opt);
  (void)dir.add_file("big.bin", *big);
  (void)dir.add_file("sub/hello.txt", *small);
  (void)dir.add_directory("empty");
  auto dirs = dir.finish();
  d.root = dirs->back().second.root;
}

cid indexed_cid(uint64_t codec, unsigned char index) {
  std::string digest(32, '\x5a');
  digest[0] = static_cast<char>(index);
  return cid{1, codec, multihash::wrap(multihash::sha2_256, digest)};
}

std::string u16_block(std::string_view b) {
  std::string s;
  s.push_back(static_cast<char>(b.size() & 0xff));
  s.push_back(static_cast<char>(b.size() >> 8));
  s.append(b);
  return s;
}

void exporter_seeds(fuzz::seed_map& out) {
  // Block 0: a file of two raw leaves (blocks 1 and 2); block 3: a directory naming it "a"
  // and a symlink (block 4) "b". The exporter's root is block 0 (digest[0] = 0).
  unixfs::data file;
  file.type = unixfs::data_type::file;
  file.filesize = 10;
  file.blocksizes = {4, 6};
  dag_pb::node fnode;
  fnode.links = {{indexed_cid(codec::raw, 1), "", 4}, {indexed_cid(codec::raw, 2), "", 6}};
  fnode.data = unixfs::encode(file);
  unixfs::data dir;
  dir.type = unixfs::data_type::directory;
  dag_pb::node dnode;
  dnode.links = {{indexed_cid(codec::dag_pb, 0), "a", 100}, {indexed_cid(codec::dag_pb, 4), "b", 10}};
  dnode.data = unixfs::encode(dir);
  unixfs::data link;
  link.type = unixfs::data_type::symlink;
  link.payload = "a";
  dag_pb::node lnode;
  lnode.data = unixfs::encode(link);
  std::string blocks = u16_block(dag_pb::encode(fnode)) + u16_block("abcd") + u16_block("efghij") +
                       u16_block(dag_pb::encode(dnode)) + u16_block(dag_pb::encode(lnode));
  seed(out, "exporter", "file", 0, "\x00\xff"s + blocks);
  // The directory first, so it is the root.
  std::string dir_first = u16_block(dag_pb::encode(dnode)) + u16_block("abcd") + u16_block("efghij") +
                          u16_block(dag_pb::encode(fnode)) + u16_block(dag_pb::encode(lnode));
  seed(out, "exporter", "dir", 0, "\x00\xff"s + dir_first);
}

void content_seeds(fuzz::seed_map& out) {
  for (uint64_t v : {0, 1}) {
    sample_dag d;
    make_dag(d, v);
    std::string tag = "v" + std::to_string(v);
    int i = 0;
    for (const auto& b : d.blocks)
      if (b.cid.codec == codec::dag_pb)
        seed(out, "dag_pb", tag + "-" + std::to_string(i++), 0, b.data);
    std::string car;
    auto st = car::export_dag(d.store, {d.root}, [&](std::string_view s) -> status {
      car.append(s);
      return {};
    });
    if (!st)
      throw std::runtime_error(st.err().describe());
    seed(out, "car", tag, 7, car);
    seed(out, "multiformats", "cid-" + tag, 4, d.root.str());
    seed(out, "multiformats", "cidbytes-" + tag, 4, d.root.bytes());
    seed(out, "multiformats", "mh-" + tag, 3, d.root.mh);
    seed(out, "multiformats", "base32-" + tag, 1, d.root.to_v1().str());
  }
  auto id = node_identity::from_seed(std::string(32, '\x07'));
  seed(out, "multiformats", "peer", 5, id->peer_id());
  seed(out, "multiformats", "varints", 2, varint::encode(300) + varint::encode(1) + varint::encode(~uint64_t{0}));
  seed(out, "multiformats", "base58", 0, "zQmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG");
}

void chain_seeds(fuzz::seed_map& out) {
  auto id = node_identity::from_seed(std::string(32, '\x09'));
  std::vector<chain::tx_body> bodies = {
      chain::txs::transfer{std::string(32, '\x01'), 5},
      chain::txs::bond{1000},
      chain::txs::validate{50000, std::string(32, '\x02')},
      chain::txs::guarantee{std::string(32, '\x03'), 7},
      chain::txs::place_order{cid{}.bytes(), 1 << 20, std::string(32, '\x04'), 3},
      chain::txs::work_report{4, std::string(32, '\x05'), 1 << 30, 1 << 20, std::string(32, '\x06'),
                              std::string(32, '\x07'), {cid{}.bytes()}, {}},
      chain::txs::storage_proof{4, {{0, std::string(40, '\x08')}}},
  };
  int i = 0;
  for (const auto& b : bodies)
    seed(out, "chain", "tx" + std::to_string(i++), 0, chain::encode(chain::make_tx(*id, "fuzz", 1, 10, b)));
  chain::vote v;
  v.height = 3;
  v.block_id = std::string(32, '\x01');
  v.validator = id->public_key();
  v.signature = std::string(64, '\x02');
  seed(out, "chain", "vote", 1, chain::encode(v));
  chain::proposal p;
  seed(out, "chain", "proposal", 2, chain::encode(p));
  chain::commit_cert c;
  c.height = 2;
  c.block_id = std::string(32, '\x01');
  c.sigs.push_back({v.validator, v.signature});
  seed(out, "chain", "commit", 3, chain::encode(c));
  chain::evidence e{v, v};
  seed(out, "chain", "evidence", 4, chain::encode(e));
  chain::block blk;
  blk.header.height = 1;
  blk.txs.push_back(chain::encode(chain::make_tx(*id, "fuzz", 1, 10, bodies[0])));
  seed(out, "chain", "header", 5, chain::encode(blk.header));
  seed(out, "chain", "block", 6, chain::encode(blk));
}

void record_seeds(fuzz::seed_map& out) {
  pin_record pr;
  pr.name = "photos";
  pr.created_unix = 1700000000;
  seed(out, "records", "pin", 0, encode(pr));
  std::string file = pattern(5000);
  auto tree = proof::compute_root(file);
  auto proofs = proof::make_proofs(tree.root, file.size(), {1}, [&](uint64_t off, size_t n, std::string& out) -> status {
    out.assign(file, off, n);
    return {};
  });
  if (proofs && !proofs->empty()) {
    seed(out, "records", "proof", 17, proof::encode(proofs->front()));
    reserved::answer a;
    a.challenged = proofs->front();
    seed(out, "records", "answer", 17, reserved::encode_answer(a));
  }
  for (char sel = 1; sel < 17; ++sel)
    seed(out, "records", "empty" + std::to_string(sel), sel, "");
}

void text_seeds(fuzz::seed_map& out) {
  seed(out, "http_inputs", "query", 0, "arg=QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG&cid-version=1&raw-leaves=true&chunker=size-1024&pin=false&hash=sha2-256");
  seed(out, "http_inputs", "percent", 1, "a%20b+c%2Fd%zz");
  seed(out, "http_inputs", "range", 2, "bytes=0-99, -5\0\x00\x00\x10\x00"s);
  seed(out, "http_inputs", "car", 3, "entity\0" "0:-1\0application/vnd.ipld.car; version=1; order=dfs; dups=y\0y"s);
  seed(out, "http_inputs", "site", 4, "/blog/2024/post\0/blog/*  /posts/:splat  301\n/old /new 302\n/* /404.html 404\n"s);
  seed(out, "http_inputs", "time", 5, "2026-11-30T15:24:34.123Z");
  seed(out, "multipart", "two-parts", 3,
       "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%2Fb.txt\"\r\n"
       "Content-Type: application/octet-stream\r\n\r\nhello\r\n--b0undary\r\n"
       "Content-Disposition: form-data; name=\"file\"; filename=\"a\"\r\nContent-Type: application/x-directory\r\n\r\n"
       "\r\n--b0undary--\r\n");
  seed(out, "multipart", "content-type", static_cast<char>(0x80), "multipart/form-data; boundary=\"abc def\"");
  seed(out, "config", "file", 0, "# node\ngateway-addr = 127.0.0.1:8080\nstorage-max = \"10GiB\"\npeer-tls = off\nbootstrap = /ip4/127.0.0.1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA\n");
  seed(out, "config", "args", 1, "--rpc-addr\0" "127.0.0.1:1\0--gc-interval=5m\0--peer-tls\0on"s);
  seed(out, "config", "values", 3, "1.5 TiB");
  seed(out, "config", "peer", 3, "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
}

void genesis_seed(fuzz::seed_map& out, const std::string& source_dir) {
  std::ifstream g(source_dir + "/config/genesis.example.json", std::ios::binary);
  std::string json((std::istreambuf_iterator<char>(g)), std::istreambuf_iterator<char>());
  if (json.empty())
    throw std::runtime_error("cannot read " + source_dir + "/config/genesis.example.json");
  seed(out, "config", "genesis", 2, json);
}

void want_engine_seeds(fuzz::seed_map& out) {
  // Pairs of (op, arg): arg % 4 picks the peer, (arg / 4) % 8 the block (want_engine_fuzz.cpp).
  const unsigned char fetch[] = {0, 0, 0, 1, 3, 0, 9, 0, 5, 0, 9, 0, 7, 0, 3, 4, 3, 8, 9, 0, 6, 5,
                                 5, 4, 9, 0, 8, 200, 9, 0, 7, 5, 1, 1, 9, 0, 10, 0, 2, 0, 7, 8, 10, 0};
  // seed() writes its selector byte first: here that is the first op.
  seed(out, "want_engine", "fetch", static_cast<char>(fetch[0]),
       std::string_view(reinterpret_cast<const char*>(fetch) + 1, sizeof fetch - 1));
}

void block_store_seeds(fuzz::seed_map& out) {
  // Pairs of (op, arg), block_store_fuzz.cpp: make blocks, store, pin, collect, restart inside
  // and outside sessions, unpin, remove.
  const unsigned char ops[] = {0, 1, 0, 2, 0, 3, 1, 0, 3, 0, 6, 3, 10, 0, 11, 0, 12, 0, 0, 9, 2, 4,
                               11, 0, 4, 1, 5, 0, 8, 3, 9, 0, 10, 0, 14, 0, 7, 1, 9, 1, 13, 0};
  seed(out, "block_store", "lifecycle", 0, std::string_view(reinterpret_cast<const char*>(ops), sizeof ops));
}

void http_seeds(fuzz::seed_map& out) {
  // Selector bit 0 leaves out the pinning service's token.
  memory_block_store store;
  auto site = fuzz::make_sample_site(store);
  const std::string root = site.root.str(), data = site.data.str();
  auto req = [](const std::string& head, const std::string& body = "") { return head + "\n\n" + body; };
  seed(out, "http_api", "gw-index", 0, req("GET /ipfs/" + root + "/"));
  seed(out, "http_api", "gw-range", 0, req("GET /ipfs/" + root + "/data.bin\nRange: bytes=100-2000"));
  seed(out, "http_api", "gw-car", 0, req("GET /ipfs/" + root + "/data.bin?format=car&dag-scope=entity&entity-bytes=10:-10"));
  seed(out, "http_api", "gw-raw", 0, req("GET /ipfs/" + data + "?format=raw"));
  seed(out, "http_api", "gw-tar", 0, req("GET /ipfs/" + root + "/many?format=tar"));
  seed(out, "http_api", "gw-dir", 0, req("HEAD /ipfs/" + root + "/many/\nAccept: application/vnd.ipld.car"));
  seed(out, "http_api", "rpc-cat", 0, req("POST /api/v0/cat?arg=" + root + "/data.bin&offset=5&length=900"));
  seed(out, "http_api", "rpc-ls", 0, req("POST /api/v0/ls?arg=" + root + "&size=true"));
  seed(out, "http_api", "rpc-pin-ls", 0, req("POST /api/v0/pin/ls?type=all&arg=" + root));
  seed(out, "http_api", "rpc-stat", 0, req("POST /api/v0/block/stat?arg=" + data));
  seed(out, "http_api", "rpc-export", 0, req("POST /api/v0/dag/export?arg=" + root));
  seed(out, "http_api", "rpc-gc", 0, req("POST /api/v0/repo/gc"));
  const std::string part = "--b\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\n";
  seed(out, "http_api", "rpc-block-put", 0,
       req("POST /api/v0/block/put?cid-codec=raw&pin=true\nContent-Type: multipart/form-data; boundary=b",
           part + "some bytes\r\n--b--\r\n"));
  std::string car;
  (void)car::export_dag(store, {site.index}, [&](std::string_view s) -> status {
    car.append(s);
    return {};
  });
  seed(out, "http_api", "rpc-dag-import", 0,
       req("POST /api/v0/dag/import?pin-roots=true\nContent-Type: multipart/form-data; boundary=b",
           part + car + "\r\n--b--\r\n"));
  seed(out, "http_api", "rpc-pin-add", 0, req("POST /api/v0/pin/add?arg=" + data));
  seed(out, "http_api", "rpc-pin-rm", 0, req("POST /api/v0/pin/rm?arg=" + data));
  seed(out, "http_api", "psa-add", 0,
       req("POST /psa/pins\nContent-Type: application/json",
           "{\"cid\":\"" + data + "\",\"name\":\"d\",\"origins\":[],\"meta\":{\"k\":\"v\"}}"));
  seed(out, "http_api", "psa-list", 0, req("GET /psa/pins?status=queued,pinning,pinned,failed&limit=5&match=partial&name=d&cid=" + data));
  seed(out, "http_api", "psa-list-time", 0, req("GET /psa/pins?before=2030-01-01T00:00:00Z&after=2020-01-01T00:00:00.5Z&meta=%7B%22k%22%3A%22v%22%7D"));
  seed(out, "http_api", "psa-no-token", 1, req("GET /psa/pins"));

  // Raw requests for http_wire (the selector is ignored).
  seed(out, "http_wire", "pipelined", 0,
       "GET /ipfs/" + root + "/docs/a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
       "HEAD /ipfs/" + data + " HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n");
  seed(out, "http_wire", "chunked", 0,
       "POST /api/v0/block/put HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
       "Content-Type: multipart/form-data; boundary=b\r\n\r\n" "a\r\n--b\r\nConten\r\n"
       "0\r\n\r\n");
  seed(out, "http_wire", "expect", 0,
       "POST /api/v0/cat?arg=" + data + " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
       "Content-Length: 5\r\n\r\nhello");
  seed(out, "http_wire", "short-body", 0,
       "POST /api/v0/dag/import HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
       "Content-Type: multipart/form-data; boundary=b\r\n\r\n--b\r\n");
}

} // namespace

namespace mantle::fuzz {

seed_map make_seeds(const std::string& source_dir) {
  seed_map out;
  content_seeds(out);
  exporter_seeds(out);
  chain_seeds(out);
  record_seeds(out);
  text_seeds(out);
  want_engine_seeds(out);
  http_seeds(out);
  block_store_seeds(out);
  genesis_seed(out, source_dir);
  return out;
}

} // namespace mantle::fuzz
