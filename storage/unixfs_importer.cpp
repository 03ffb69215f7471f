#include "storage/unixfs_importer.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "storage/murmur3.hpp"
#include "storage/unixfs_pb.hpp"
#include "storage/varint.hpp"

namespace mantle::unixfs {

result<import_options> import_options::profile(std::string_view name) {
  import_options o;
  if (name == "unixfs-v0-2015" || name == "legacy-cid-v0")
    return o;
  if (name == "unixfs-v1-2025") {
    o.cid_version = 1;
    o.raw_leaves = true;
    o.chunk_size = 1048576;
    o.width = 1024;
    o.hamt = hamt_rule::block_size;
    return o;
  }
  return make_error(errc::invalid_input, "unknown import profile '" + std::string(name) +
                                           "' (known: unixfs-v0-2015, unixfs-v1-2025)");
}

namespace {

// Kubo refuses chunks above 1 MiB + a margin (boxo BlockSizeLimit); so do we, and a width of
// at least 2 keeps the balanced tree finite.
constexpr size_t max_chunk_size = 1048576 + 4096 * 64;
// Bytes of leaves being hashed at once; bounds memory independently of file size.
constexpr size_t inflight_budget = 4u << 20;

struct child_link {
  cid target;
  uint64_t tsize = 0;    // cumulative serialized size below and including the child
  uint64_t filesize = 0; // file bytes under the child
};

std::string sha256_mh(const uint8_t digest[32]) {
  std::string mh;
  mh.reserve(34);
  mh.push_back(static_cast<char>(multihash::sha2_256));
  mh.push_back(32);
  mh.append(reinterpret_cast<const char*>(digest), 32);
  return mh;
}

status check_options(const import_options& o) {
  if (o.cid_version > 1)
    return make_error(errc::invalid_input, "cid_version must be 0 or 1");
  if (o.chunk_size == 0 || o.chunk_size > max_chunk_size)
    return make_error(errc::invalid_input, "chunk size must be between 1 and " +
                                             std::to_string(max_chunk_size) + " bytes");
  if (o.width < 2)
    return make_error(errc::invalid_input, "width (links per node) must be at least 2");
  return {};
}

// The fixed part of a dag-pb leaf wrapping `n` file bytes: dag-pb Data(field 1) holding
// UnixFS {Type=File, Data=<n bytes>, filesize=n}. The bytes go between header and trailer.
std::string v0_leaf_header(uint64_t n) {
  uint64_t inner = 2 + 1 + varint::encoded_size(n) + n + 1 + varint::encoded_size(n);
  std::string h;
  h.push_back(0x0a);
  varint::append(h, inner);
  h.push_back(0x08);
  h.push_back(0x02);
  h.push_back(0x12);
  varint::append(h, n);
  return h;
}
std::string v0_leaf_trailer(uint64_t n) {
  std::string t;
  t.push_back(0x18);
  varint::append(t, n);
  return t;
}
// Kubo leaves Data out when there are no bytes (proto2 nil), which gives QmbFMke1...
const std::string v0_empty_leaf("\x0a\x04\x08\x02\x18\x00", 6);

struct hash_job {
  std::string data;
  uint64_t payload = 0;
  uint8_t digest[32];
  bool done = false;
};

// Worker threads that SHA-256 leaf blocks in submission order. The caller consumes results in
// order too, so the tree and the sink see leaves exactly as a single thread would.
class hash_pool {
public:
  explicit hash_pool(unsigned n) {
    for (unsigned i = 0; i < n; ++i)
      threads_.emplace_back([this] { run(); });
  }
  ~hash_pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_)
      t.join();
  }
  void submit(hash_job* j) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      queue_.push_back(j);
    }
    work_cv_.notify_one();
  }
  // Blocks until `j` is hashed; meanwhile the caller hashes queued jobs itself rather than
  // sit idle, newest first so it rarely races a worker for the one it waits on.
  void wait(hash_job* j) {
    std::unique_lock<std::mutex> lk(mu_);
    while (!j->done) {
      if (queue_.empty()) {
        done_cv_.wait(lk);
        continue;
      }
      hash_job* mine = queue_.back();
      queue_.pop_back();
      lk.unlock();
      multihash::sha256_raw(mine->data, mine->digest);
      lk.lock();
      mine->done = true;
    }
  }
  bool is_done(hash_job* j) {
    std::lock_guard<std::mutex> lk(mu_);
    return j->done;
  }

private:
  void run() {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      work_cv_.wait(lk, [this] { return stop_ || !queue_.empty(); });
      if (stop_)
        return;
      hash_job* j = queue_.front();
      queue_.pop_front();
      lk.unlock();
      multihash::sha256_raw(j->data, j->digest);
      lk.lock();
      j->done = true;
      done_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<hash_job*> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

} // namespace

struct file_importer::impl {
  block_sink& sink;
  import_options opt;
  status failed;
  bool finished = false;

  std::string buf;        // leaf block under construction (v0: header already in front)
  bool in_chunk = false;
  size_t fill = 0;        // file bytes in buf
  uint64_t total = 0;
  uint64_t leaves = 0;
  std::string full_header, full_trailer; // v0 leaves of exactly chunk_size bytes

  std::deque<std::unique_ptr<hash_job>> inflight;
  size_t max_inflight = 2;
  std::unique_ptr<hash_pool> pool;

  // levels[i]: links waiting for their parent at height i+1 of the balanced tree.
  std::vector<std::vector<child_link>> levels;

  impl(block_sink& s, const import_options& o) : sink(s), opt(o) {
    failed = check_options(opt);
    if (!opt.raw_leaves) {
      full_header = v0_leaf_header(opt.chunk_size);
      full_trailer = v0_leaf_trailer(opt.chunk_size);
    }
    max_inflight = std::max<size_t>(2 * std::max(1u, opt.hash_threads),
                                    inflight_budget / std::max<size_t>(opt.chunk_size, 1));
  }

  cid leaf_cid(std::string mh) const {
    if (opt.raw_leaves)
      return cid{1, codec::raw, std::move(mh)};
    return cid{opt.cid_version, codec::dag_pb, std::move(mh)};
  }

  status fail(status s) {
    if (failed.ok())
      failed = std::move(s);
    return failed;
  }

  void begin_chunk() {
    buf = std::string();
    // The first chunk grows on demand so a tiny file does not pin a whole chunk of capacity
    // in the store; later chunks are known to be large.
    size_t want = opt.chunk_size + full_header.size() + full_trailer.size();
    buf.reserve(leaves == 0 && inflight.empty() ? std::min<size_t>(want, 16384) : want);
    buf.append(full_header);
    fill = 0;
    in_chunk = true;
  }

  status put_node(const std::vector<child_link>& links, child_link& out) {
    dag_pb::node n;
    unixfs::data d;
    d.type = data_type::file;
    uint64_t filesize = 0, tsize = 0;
    n.links.reserve(links.size());
    d.blocksizes.reserve(links.size());
    for (auto& l : links) {
      n.links.push_back(dag_pb::link{l.target, std::string(), l.tsize});
      d.blocksizes.push_back(l.filesize);
      filesize += l.filesize;
      tsize += l.tsize;
    }
    d.filesize = filesize;
    n.data = unixfs::encode(d);
    std::string bytes = dag_pb::encode(n);
    out.target = cid{opt.cid_version, codec::dag_pb, multihash::sha256(bytes)};
    out.tsize = tsize + bytes.size();
    out.filesize = filesize;
    return sink.put(block{out.target, std::move(bytes)});
  }

  status add_link(size_t level, child_link l) {
    if (levels.size() <= level)
      levels.resize(level + 1);
    levels[level].push_back(std::move(l));
    if (levels[level].size() < opt.width)
      return {};
    return seal(level);
  }

  status seal(size_t level) {
    child_link parent;
    auto links = std::move(levels[level]);
    levels[level].clear();
    if (auto s = put_node(links, parent); !s)
      return s;
    return add_link(level + 1, std::move(parent));
  }

  status consume(hash_job& j) {
    child_link l;
    l.target = leaf_cid(sha256_mh(j.digest));
    l.tsize = j.data.size();
    l.filesize = j.payload;
    ++leaves;
    if (auto s = sink.put(block{l.target, std::move(j.data)}); !s)
      return s;
    return add_link(0, std::move(l));
  }

  status drain(bool all) {
    while (!inflight.empty()) {
      hash_job* front = inflight.front().get();
      bool must = all || inflight.size() >= max_inflight;
      if (!must && !pool->is_done(front))
        break;
      pool->wait(front);
      auto j = std::move(inflight.front());
      inflight.pop_front();
      if (auto s = consume(*j); !s)
        return s;
    }
    return {};
  }

  status submit_full_chunk() {
    buf.append(full_trailer);
    auto j = std::make_unique<hash_job>();
    j->data = std::move(buf);
    j->payload = fill;
    in_chunk = false;
    if (opt.hash_threads == 0) {
      multihash::sha256_raw(j->data, j->digest);
      return consume(*j);
    }
    if (!pool)
      pool = std::make_unique<hash_pool>(opt.hash_threads);
    pool->submit(j.get());
    inflight.push_back(std::move(j));
    return drain(false);
  }

  status write(std::string_view bytes) {
    if (!failed)
      return failed;
    if (finished)
      return make_error(errc::invalid_input, "file_importer: write after finish");
    while (!bytes.empty()) {
      if (!in_chunk)
        begin_chunk();
      size_t take = std::min(opt.chunk_size - fill, bytes.size());
      if (buf.size() + take > buf.capacity()) {
        // Grow geometrically but never past one full leaf, so the stored block has no slack.
        size_t full = opt.chunk_size + full_header.size() + full_trailer.size();
        buf.reserve(std::min(full, std::max(buf.capacity() * 2, buf.size() + take)));
      }
      buf.append(bytes.data(), take);
      fill += take;
      total += take;
      bytes.remove_prefix(take);
      if (fill == opt.chunk_size)
        if (auto s = submit_full_chunk(); !s)
          return fail(s);
    }
    return {};
  }

  result<imported> finish() {
    if (!failed)
      return failed.err();
    if (finished)
      return make_error(errc::invalid_input, "file_importer: finish called twice");
    finished = true;
    if (auto s = drain(true); !s)
      return fail(s).err();
    // The last partial chunk, or the one empty leaf of an empty file.
    if ((in_chunk && fill > 0) || leaves == 0) {
      hash_job j;
      j.payload = fill;
      if (opt.raw_leaves) {
        j.data = in_chunk ? std::move(buf) : std::string();
        j.data.erase(0, full_header.size());
      } else if (fill == 0) {
        j.data = v0_empty_leaf;
      } else {
        std::string_view payload(buf);
        payload.remove_prefix(full_header.size());
        j.data = v0_leaf_header(fill);
        j.data.reserve(j.data.size() + fill + 12);
        j.data.append(payload);
        j.data.append(v0_leaf_trailer(fill));
      }
      if (j.data.capacity() > j.data.size() + j.data.size() / 4 + 64)
        j.data.shrink_to_fit();
      buf = std::string();
      in_chunk = false;
      multihash::sha256_raw(j.data, j.digest);
      if (auto s = consume(j); !s)
        return fail(s).err();
    }
    pool.reset();
    // Close the partial nodes bottom-up. A lone link at the top is the root itself: a file of
    // one chunk is its leaf, a file of exactly `width` chunks is one node.
    for (size_t i = 0; i < levels.size(); ++i) {
      bool higher = false;
      for (size_t k = i + 1; k < levels.size(); ++k)
        higher = higher || !levels[k].empty();
      if (!higher && levels[i].size() == 1) {
        auto& root = levels[i][0];
        return imported{root.target, total, root.tsize};
      }
      if (!levels[i].empty())
        if (auto s = seal(i); !s)
          return fail(s).err();
    }
    return make_error(errc::internal, "file_importer: balanced tree has no root");
  }
};

file_importer::file_importer(block_sink& sink, const import_options& opt)
    : impl_(std::make_unique<impl>(sink, opt)) {}
file_importer::~file_importer() = default;
status file_importer::write(std::string_view bytes) { return impl_->write(bytes); }
result<imported> file_importer::finish() { return impl_->finish(); }
uint64_t file_importer::bytes_written() const { return impl_->total; }

result<imported> import_bytes(block_sink& sink, const import_options& opt, std::string_view bytes) {
  file_importer f(sink, opt);
  if (auto s = f.write(bytes); !s)
    return s.err();
  return f.finish();
}

// ---------------------------------------------------------------------------------------------
// Directories

namespace {

struct dir_link {
  std::string name;
  cid target;
  uint64_t tsize = 0;
};

struct entry {
  bool is_dir = false;
  imported file;
  std::map<std::string, std::unique_ptr<entry>> children; // std::less<string>: bytewise
};

result<std::vector<std::string_view>> split_path(std::string_view path) {
  if (path.empty())
    return make_error(errc::invalid_input, "empty path");
  if (path.front() == '/')
    return make_error(errc::invalid_input, "absolute path '" + std::string(path) + "' not allowed");
  std::vector<std::string_view> parts;
  while (true) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    if (part.empty())
      return make_error(errc::invalid_input, "path has an empty component");
    if (part == "." || part == "..")
      return make_error(errc::invalid_input, "path component '" + std::string(part) + "' not allowed");
    if (part.find('\0') != std::string_view::npos)
      return make_error(errc::invalid_input, "path contains a NUL byte");
    parts.push_back(part);
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

constexpr uint64_t hamt_fanout = 256;
constexpr uint64_t murmur3_x64_64 = 0x22;

const char hex_upper[] = "0123456789ABCDEF";

std::string slot_prefix(unsigned slot) {
  return std::string{hex_upper[slot >> 4], hex_upper[slot & 15]};
}

} // namespace

struct directory_builder::impl {
  block_sink& sink;
  import_options opt;
  entry root;
  bool finished = false;

  impl(block_sink& s, const import_options& o) : sink(s), opt(o) { root.is_dir = true; }

  // Walks to the directory that holds the last component, creating directories on the way.
  result<entry*> parent_of(const std::vector<std::string_view>& parts, const std::string& path) {
    entry* cur = &root;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      auto& slot = cur->children[std::string(parts[i])];
      if (!slot) {
        slot = std::make_unique<entry>();
        slot->is_dir = true;
      } else if (!slot->is_dir) {
        return make_error(errc::conflict, "'" + path + "': '" + std::string(parts[i]) +
                                            "' is a file, not a directory");
      }
      cur = slot.get();
    }
    return cur;
  }

  status add(std::string_view path, const imported* f) {
    if (finished)
      return make_error(errc::invalid_input, "directory_builder: add after finish");
    auto parts = split_path(path);
    if (!parts)
      return make_error(errc::invalid_input, "'" + std::string(path) + "': " + parts.err().message);
    std::string p(path);
    auto parent = parent_of(*parts, p);
    if (!parent)
      return parent.err();
    auto& slot = (*parent)->children[std::string(parts->back())];
    if (slot) {
      if (!f && slot->is_dir)
        return {};
      return make_error(errc::conflict, "'" + p + "' was already added");
    }
    slot = std::make_unique<entry>();
    slot->is_dir = f == nullptr;
    if (f)
      slot->file = *f;
    return {};
  }

  cid node_cid(const std::string& bytes) const {
    return cid{opt.cid_version, codec::dag_pb, multihash::sha256(bytes)};
  }

  result<imported> put_basic(std::string bytes, uint64_t tsum) {
    imported out;
    out.root = node_cid(bytes);
    out.tsize = tsum + bytes.size();
    if (auto s = sink.put(block{out.root, std::move(bytes)}); !s)
      return s.err();
    return out;
  }

  struct hashed {
    const dir_link* link;
    uint64_t hash;
  };

  // One shard level: entries sharing a slot go to a sub-shard, a lone entry is linked directly.
  result<imported> put_shard(std::vector<hashed>& items, size_t begin, size_t end, unsigned depth) {
    if (depth >= 8)
      return make_error(errc::unsupported, "HAMT: names collide in all 64 hash bits");
    auto slot_of = [depth](uint64_t h) { return static_cast<unsigned>((h >> (56 - 8 * depth)) & 0xff); };
    std::sort(items.begin() + begin, items.begin() + end, [&](const hashed& a, const hashed& b) {
      return slot_of(a.hash) < slot_of(b.hash);
    });
    dag_pb::node n;
    uint8_t bits[32] = {};
    uint64_t tsum = 0;
    for (size_t i = begin; i < end;) {
      unsigned slot = slot_of(items[i].hash);
      size_t j = i + 1;
      while (j < end && slot_of(items[j].hash) == slot)
        ++j;
      bits[31 - slot / 8] |= static_cast<uint8_t>(1u << (slot % 8));
      if (j - i == 1) {
        auto& l = *items[i].link;
        n.links.push_back(dag_pb::link{l.target, slot_prefix(slot) + l.name, l.tsize});
        tsum += l.tsize;
      } else {
        auto sub = put_shard(items, i, j, depth + 1);
        if (!sub)
          return sub;
        n.links.push_back(dag_pb::link{sub->root, slot_prefix(slot), sub->tsize});
        tsum += sub->tsize;
      }
      i = j;
    }
    // Same slot prefix means same bucket, so sorting by name equals sorting by slot and
    // keeps the bytewise order Kubo writes.
    std::sort(n.links.begin(), n.links.end(),
              [](const dag_pb::link& a, const dag_pb::link& b) { return a.name < b.name; });
    size_t first = 0;
    while (first < 32 && bits[first] == 0)
      ++first;
    unixfs::data d;
    d.type = data_type::hamt_shard;
    d.payload = std::string(reinterpret_cast<const char*>(bits + first), 32 - first);
    d.hash_type = murmur3_x64_64;
    d.fanout = hamt_fanout;
    n.data = unixfs::encode(d);
    imported out;
    std::string bytes = dag_pb::encode(n);
    out.root = node_cid(bytes);
    out.tsize = tsum + bytes.size();
    if (auto s = sink.put(block{out.root, std::move(bytes)}); !s)
      return s.err();
    return out;
  }

  result<imported> put_directory(const std::vector<dir_link>& links) {
    uint64_t tsum = 0;
    for (auto& l : links)
      tsum += l.tsize;
    bool shard = false;
    std::string basic;
    dag_pb::node n;
    unixfs::data d;
    d.type = data_type::directory;
    n.data = unixfs::encode(d);
    if (opt.hamt == hamt_rule::link_bytes) {
      uint64_t estimate = 0;
      for (auto& l : links)
        estimate += l.name.size() + l.target.bytes().size();
      shard = estimate > opt.hamt_threshold;
    }
    if (!shard) {
      n.links.reserve(links.size());
      for (auto& l : links)
        n.links.push_back(dag_pb::link{l.target, l.name, l.tsize});
      basic = dag_pb::encode(n);
      if (opt.hamt == hamt_rule::block_size)
        shard = basic.size() > opt.hamt_threshold;
    }
    if (!shard)
      return put_basic(std::move(basic), tsum);
    std::vector<hashed> items;
    items.reserve(links.size());
    for (auto& l : links)
      items.push_back(hashed{&l, murmur3::x64_64(l.name)});
    return put_shard(items, 0, items.size(), 0);
  }

  status emit(const std::string& path, entry& e,
              std::vector<std::pair<std::string, imported>>& out, imported& self) {
    std::vector<dir_link> links;
    links.reserve(e.children.size());
    uint64_t bytes = 0;
    for (auto& [name, child] : e.children) {
      imported c;
      if (child->is_dir) {
        if (auto s = emit(path.empty() ? name : path + "/" + name, *child, out, c); !s)
          return s;
      } else {
        c = child->file;
      }
      bytes += c.size;
      links.push_back(dir_link{name, c.root, c.tsize});
    }
    auto r = put_directory(links);
    if (!r)
      return r.err();
    self = *r;
    self.size = bytes;
    out.emplace_back(path, self);
    return {};
  }

  result<std::vector<std::pair<std::string, imported>>> finish() {
    if (finished)
      return make_error(errc::invalid_input, "directory_builder: finish called twice");
    finished = true;
    std::vector<std::pair<std::string, imported>> out;
    imported self;
    if (auto s = emit("", root, out, self); !s)
      return s.err();
    return out;
  }
};

directory_builder::directory_builder(block_sink& sink, const import_options& opt)
    : impl_(std::make_unique<impl>(sink, opt)) {}
directory_builder::~directory_builder() = default;
status directory_builder::add_file(std::string_view path, const imported& f) { return impl_->add(path, &f); }
status directory_builder::add_directory(std::string_view path) { return impl_->add(path, nullptr); }
result<std::vector<std::pair<std::string, imported>>> directory_builder::finish() {
  return impl_->finish();
}

} // namespace mantle::unixfs
