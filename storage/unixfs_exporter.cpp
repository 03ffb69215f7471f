#include "storage/unixfs_exporter.hpp"

#include <algorithm>
#include <cstring>

#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "storage/murmur3.hpp"
#include "storage/protobuf.hpp"
#include "storage/unixfs_pb.hpp"

namespace mantle::unixfs {

const char* kind_name(node_kind k) {
  switch (k) {
    case node_kind::file: return "file";
    case node_kind::directory: return "directory";
    case node_kind::hamt_directory: return "hamt-sharded-directory";
    case node_kind::symlink: return "symlink";
    case node_kind::raw: return "raw";
  }
  return "unknown";
}

namespace {

// One block decoded as far as UnixFS needs.
struct loaded {
  cid id;
  std::string bytes;
  bool is_raw = false; // raw codec: the bytes are file content
  node_kind kind = node_kind::raw;
  dag_pb::node pb;
  unixfs::data fs;
};

bool is_identity(const cid& c) {
  auto mh = multihash::parse(c.mh);
  return mh && mh->code == multihash::identity;
}

result<std::string> fetch(block_source& src, const cid& c) {
  // Identity CIDs carry their bytes inline; no store holds them.
  auto mh = multihash::parse(c.mh);
  if (!mh)
    return make_error(errc::invalid_input, "CID " + c.str() + ": " + mh.err().message);
  if (mh->code == multihash::identity)
    return std::string(mh->digest);
  return src.get(c);
}

result<node_kind> kind_of(const loaded& l);

// Fetches and decodes a block; UnixFS kinds Mantle cannot read (metadata) are errors here.
result<loaded> load(block_source& src, const cid& c) {
  if (c.codec != codec::raw && c.codec != codec::dag_pb)
    return make_error(errc::unsupported, c.str() + " has codec " + codec_name(c.codec) +
                                           "; UnixFS needs dag-pb or raw");
  auto bytes = fetch(src, c);
  if (!bytes)
    return bytes.err();
  loaded l;
  l.id = c;
  l.bytes = std::move(*bytes);
  if (c.codec == codec::raw) {
    l.is_raw = true;
    return l;
  }
  auto n = dag_pb::decode(l.bytes);
  if (!n)
    return make_error(errc::invalid_input, "block " + c.str() + ": " + n.err().message);
  l.pb = std::move(*n);
  if (!l.pb.data)
    return make_error(errc::invalid_input, "block " + c.str() + " is dag-pb without UnixFS data");
  auto d = unixfs::decode(*l.pb.data);
  if (!d)
    return make_error(errc::invalid_input, "block " + c.str() + ": " + d.err().message);
  l.fs = std::move(*d);
  auto k = kind_of(l);
  if (!k)
    return k.err();
  l.kind = *k;
  return l;
}

result<node_kind> kind_of(const loaded& l) {
  if (l.is_raw)
    return node_kind::raw;
  switch (l.fs.type) {
    case data_type::file:
    case data_type::raw: return node_kind::file;
    case data_type::directory: return node_kind::directory;
    case data_type::hamt_shard: return node_kind::hamt_directory;
    case data_type::symlink: return node_kind::symlink;
    case data_type::metadata: break;
  }
  return make_error(errc::unsupported, "block " + l.id.str() + " is a UnixFS " +
                                         type_name(l.fs.type) + " node, which Mantle does not read");
}

bool is_file_kind(node_kind k) { return k == node_kind::file || k == node_kind::raw; }

uint64_t payload_size(const loaded& l) {
  if (l.is_raw)
    return l.bytes.size();
  return l.fs.payload ? l.fs.payload->size() : 0;
}

// File bytes under a file node, checked against its own bookkeeping.
result<uint64_t> file_size(const loaded& l) {
  if (l.is_raw)
    return static_cast<uint64_t>(l.bytes.size());
  if (l.fs.blocksizes.size() != l.pb.links.size())
    return make_error(errc::corrupt, "file node " + l.id.str() + " has " +
                                       std::to_string(l.pb.links.size()) + " links but " +
                                       std::to_string(l.fs.blocksizes.size()) + " blocksizes");
  uint64_t sum = payload_size(l);
  for (auto b : l.fs.blocksizes) {
    if (sum + b < sum)
      return make_error(errc::corrupt, "file node " + l.id.str() + ": blocksizes overflow");
    sum += b;
  }
  if (l.fs.filesize && *l.fs.filesize != sum)
    return make_error(errc::corrupt, "file node " + l.id.str() + " says filesize " +
                                       std::to_string(*l.fs.filesize) + " but its data and blocksizes add up to " +
                                       std::to_string(sum));
  return sum;
}

std::string_view payload_of(const loaded& l) {
  if (l.is_raw)
    return l.bytes;
  return l.fs.payload ? std::string_view(*l.fs.payload) : std::string_view();
}

struct file_node {
  loaded node;
  uint64_t size = 0;
};

// Loads a block that must be file content; `who` names what pointed at it, for the error.
result<file_node> load_file(block_source& src, const cid& c, const std::string& who) {
  auto l = load(src, c);
  if (!l)
    return l.err();
  node_kind k = l->kind;
  if (!is_file_kind(k))
    return make_error(errc::invalid_input, who + ": " + c.str() + " is a " + kind_name(k) + ", not a file");
  auto size = file_size(*l);
  if (!size)
    return size.err();
  return file_node{std::move(*l), *size};
}

// The file bytes of a link-less dag-pb UnixFS leaf (Type file or raw, Data, filesize that
// agrees) as a view into `bytes`; nullopt for anything else, which then gets the full decode.
std::optional<std::string_view> leaf_payload(std::string_view bytes) {
  std::string_view in = bytes;
  auto f = pb::read_field(in, "dag-pb node");
  if (!f || f->number != 1 || f->type != pb::length_delimited || !in.empty())
    return std::nullopt;
  std::string_view fs = f->bytes;
  std::optional<uint64_t> type, filesize;
  std::string_view payload;
  while (!fs.empty()) {
    auto g = pb::read_field(fs, "UnixFS data");
    if (!g)
      return std::nullopt;
    if (g->number == 1 && g->type == pb::varint_type)
      type = g->value;
    else if (g->number == 2 && g->type == pb::length_delimited)
      payload = g->bytes;
    else if (g->number == 3 && g->type == pb::varint_type)
      filesize = g->value;
    else
      return std::nullopt; // blocksizes, mode, mtime ...: not a plain leaf
  }
  if (!type || (*type != 2 && *type != 0) || (filesize && *filesize != payload.size()))
    return std::nullopt;
  return payload;
}

status emit_range(block_source& src, const loaded& node, uint64_t start, uint64_t end,
                  unsigned depth, const write_fn& out) {
  if (depth > max_depth)
    return make_error(errc::invalid_input, "file DAG deeper than " + std::to_string(max_depth) +
                                             " levels (or a cycle) at " + node.id.str());
  auto payload = payload_of(node);
  uint64_t pos = 0;
  if (start < payload.size()) {
    uint64_t to = std::min<uint64_t>(end, payload.size());
    if (auto s = out(payload.substr(start, to - start)); !s)
      return s;
  }
  pos = payload.size();
  if (node.is_raw)
    return {};
  // The children this range visits, in the order they are read.
  std::vector<cid> visited;
  uint64_t at = pos;
  for (size_t i = 0; i < node.pb.links.size() && at < end; ++i) {
    uint64_t bs = node.fs.blocksizes[i];
    if (at + bs > start && bs != 0 && !is_identity(node.pb.links[i].target))
      visited.push_back(node.pb.links[i].target);
    at += bs;
  }
  src.prefetch(visited);
  for (size_t i = 0; i < node.pb.links.size() && pos < end; ++i) {
    uint64_t bs = node.fs.blocksizes[i];
    uint64_t child_end = pos + bs;
    const cid& target = node.pb.links[i].target;
    if (child_end <= start || bs == 0) {
      pos = child_end;
      continue;
    }
    uint64_t from = start > pos ? start - pos : 0;
    uint64_t to = std::min(end, child_end) - pos;
    auto wrong_size = [&](uint64_t holds) {
      return make_error(errc::corrupt, "file node " + node.id.str() + " lists blocksize " +
                                         std::to_string(bs) + " for " + target.str() +
                                         ", which holds " + std::to_string(holds) + " bytes");
    };
    // Leaves (raw, or link-less dag-pb UnixFS) stream straight from the source's bytes
    // without a copy; anything else, or a leaf that does not parse cleanly, takes the full path.
    bool leaf_done = false;
    std::optional<std::string> inner_bytes; // a non-leaf read here, decoded below, not refetched
    if ((target.codec == codec::raw || target.codec == codec::dag_pb) && !is_identity(target)) {
      auto s = src.read(target, [&](std::string_view bytes) -> status {
        auto payload = target.codec == codec::raw ? std::optional<std::string_view>(bytes)
                                                  : leaf_payload(bytes);
        if (!payload) {
          inner_bytes.emplace(bytes);
          return {};
        }
        leaf_done = true;
        if (payload->size() != bs)
          return wrong_size(payload->size());
        return out(payload->substr(from, to - from));
      });
      if (!s)
        return s;
    }
    if (!leaf_done) {
      // Serves the block just read once more, everything else from `src`.
      struct carried_source final : block_source {
        block_source& next;
        const cid& id;
        std::optional<std::string>& bytes;
        carried_source(block_source& n, const cid& c, std::optional<std::string>& b)
          : next(n), id(c), bytes(b) {}
        result<std::string> get(const cid& c) override {
          if (bytes && c == id) {
            std::string out = std::move(*bytes);
            bytes.reset();
            return out;
          }
          return next.get(c);
        }
      } carried(src, target, inner_bytes);
      auto child = load_file(carried, target, "file node " + node.id.str());
      if (!child)
        return child.err();
      if (child->size != bs)
        return wrong_size(child->size);
      if (auto s = emit_range(src, child->node, from, to, depth + 1, out); !s)
        return s;
    }
    pos = child_end;
  }
  return {};
}

// emit_range, then a check that the DAG really held every byte its sizes promised.
status emit_checked(block_source& src, const loaded& node, uint64_t start, uint64_t end,
                    const write_fn& out) {
  if (start == end)
    return {};
  uint64_t written = 0;
  write_fn counting = [&](std::string_view b) {
    written += b.size();
    return out(b);
  };
  if (auto s = emit_range(src, node, start, end, 0, counting); !s)
    return s;
  if (written != end - start)
    return make_error(errc::corrupt, node.id.str() + ": the DAG held " + std::to_string(written) +
                                       " of the " + std::to_string(end - start) + " bytes it promised");
  return {};
}

bool valid_entry_name(std::string_view n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string_view::npos &&
         n.find('\0') == std::string_view::npos;
}

struct shard_params {
  unsigned bits = 8;
  size_t pad = 2;
};

result<shard_params> check_shard(const loaded& l) {
  if (!l.fs.hash_type || *l.fs.hash_type != 0x22)
    return make_error(errc::unsupported, "HAMT shard " + l.id.str() +
                                           " does not use murmur3-x64-64 (hashType 0x22)");
  if (!l.fs.fanout)
    return make_error(errc::invalid_input, "HAMT shard " + l.id.str() + " has no fanout");
  uint64_t f = *l.fs.fanout;
  if (f < 2 || f > 65536 || (f & (f - 1)) != 0)
    return make_error(errc::invalid_input, "HAMT shard " + l.id.str() + " has fanout " +
                                             std::to_string(f) + ", not a power of two up to 65536");
  shard_params p;
  p.bits = 0;
  while ((uint64_t{1} << p.bits) < f)
    ++p.bits;
  p.pad = 0;
  for (uint64_t v = f - 1; v; v >>= 4)
    ++p.pad;
  return p;
}

std::string hex_slot(uint64_t slot, size_t pad) {
  static const char digits[] = "0123456789ABCDEF";
  std::string s(pad, '0');
  for (size_t i = pad; i-- > 0; slot >>= 4)
    s[i] = digits[slot & 15];
  return s;
}

// Follows `name` through a HAMT: each level takes the next `bits` of the name's hash.
// `trail`, when given, gets every sub-shard block this loads (the first shard is the caller's).
result<std::optional<dag_pb::link>> hamt_find(block_source& src, loaded shard, std::string_view name,
                                              unsigned depth, std::vector<cid>* trail = nullptr) {
  uint64_t h = murmur3::x64_64(name);
  unsigned used = 0;
  for (;;) {
    if (depth > max_depth)
      return make_error(errc::invalid_input, "HAMT deeper than " + std::to_string(max_depth) + " levels");
    auto p = check_shard(shard);
    if (!p)
      return p.err();
    if (used + p->bits > 64)
      return make_error(errc::invalid_input, "HAMT " + shard.id.str() + " is deeper than the hash");
    uint64_t slot = (h >> (64 - used - p->bits)) & ((uint64_t{1} << p->bits) - 1);
    used += p->bits;
    auto prefix = hex_slot(slot, p->pad);
    const dag_pb::link* hit = nullptr;
    for (auto& l : shard.pb.links) {
      if (l.name.size() < p->pad)
        return make_error(errc::invalid_input, "HAMT " + shard.id.str() + " has a link named '" +
                                                 l.name + "', shorter than its slot prefix");
      if (l.name.compare(0, p->pad, prefix) != 0)
        continue;
      if (l.name.size() == p->pad) {
        hit = &l;
        break;
      }
      if (std::string_view(l.name).substr(p->pad) == name)
        return std::optional<dag_pb::link>(l);
    }
    if (!hit)
      return std::optional<dag_pb::link>();
    auto next = load(src, hit->target);
    if (!next)
      return next.err();
    if (next->is_raw || next->fs.type != data_type::hamt_shard)
      return make_error(errc::invalid_input, "HAMT " + shard.id.str() + " slot " + prefix +
                                               " links to something that is not a shard");
    if (trail)
      trail->push_back(next->id);
    shard = std::move(*next);
    ++depth;
  }
}

status hamt_collect(block_source& src, const loaded& shard, unsigned depth,
                    std::vector<std::pair<std::string, dag_pb::link>>& out) {
  if (depth > max_depth)
    return make_error(errc::invalid_input, "HAMT deeper than " + std::to_string(max_depth) + " levels");
  auto p = check_shard(shard);
  if (!p)
    return p.err();
  for (auto& l : shard.pb.links) {
    if (l.name.size() < p->pad)
      return make_error(errc::invalid_input, "HAMT " + shard.id.str() + " has a link named '" +
                                               l.name + "', shorter than its slot prefix");
    if (l.name.size() > p->pad) {
      out.emplace_back(l.name.substr(p->pad), l);
      continue;
    }
    auto sub = load(src, l.target);
    if (!sub)
      return sub.err();
    if (sub->is_raw || sub->fs.type != data_type::hamt_shard)
      return make_error(errc::invalid_input, "HAMT " + shard.id.str() + " slot " + l.name +
                                               " links to something that is not a shard");
    if (auto s = hamt_collect(src, *sub, depth + 1, out); !s)
      return s;
  }
  return {};
}

// Links of a directory node as (name, link), flattened for HAMTs, in the node's order.
result<std::vector<std::pair<std::string, dag_pb::link>>> dir_links(block_source& src, const loaded& d) {
  std::vector<std::pair<std::string, dag_pb::link>> out;
  if (d.fs.type == data_type::hamt_shard) {
    if (auto s = hamt_collect(src, d, 0, out); !s)
      return s.err();
  } else {
    out.reserve(d.pb.links.size());
    for (auto& l : d.pb.links)
      out.emplace_back(l.name, l);
  }
  return out;
}

result<loaded> load_dir(block_source& src, const cid& c) {
  auto l = load(src, c);
  if (!l)
    return l;
  node_kind k = l->kind;
  if (k != node_kind::directory && k != node_kind::hamt_directory)
    return make_error(errc::invalid_input, c.str() + " is a " + kind_name(k) + ", not a directory");
  return l;
}

} // namespace

result<node_info> stat(block_source& src, const cid& c) {
  auto l = load(src, c);
  if (!l)
    return l.err();
  node_kind k = l->kind;
  node_info info{c, k, 0};
  switch (k) {
    case node_kind::file:
    case node_kind::raw: {
      auto s = file_size(*l);
      if (!s)
        return s.err();
      info.size = *s;
      break;
    }
    case node_kind::directory:
    case node_kind::hamt_directory:
      info.size = l->bytes.size();
      for (auto& link : l->pb.links)
        info.size += link.tsize;
      break;
    case node_kind::symlink:
      info.size = payload_size(*l);
      break;
  }
  return info;
}

result<cid> resolve(block_source& src, const cid& root, std::string_view path) {
  return resolve_traced(src, root, path, nullptr);
}

result<cid> resolve_traced(block_source& src, const cid& root, std::string_view path,
                           std::vector<cid>* trail) {
  cid cur = root;
  std::string walked;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (part.empty())
      continue;
    if (part == "." || part == "..")
      return make_error(errc::invalid_input, "path component '" + std::string(part) + "' not allowed");
    auto here = walked.empty() ? root.str() : root.str() + "/" + walked;
    auto l = load(src, cur);
    if (!l)
      return l.err();
    if (trail)
      trail->push_back(cur);
    node_kind k = l->kind;
    std::optional<dag_pb::link> hit;
    if (k == node_kind::directory) {
      for (auto& link : l->pb.links)
        if (link.name == part) {
          hit = link;
          break;
        }
    } else if (k == node_kind::hamt_directory) {
      auto found = hamt_find(src, std::move(*l), part, 0, trail);
      if (!found)
        return found.err();
      hit = std::move(*found);
    } else {
      return make_error(errc::not_found, "no link named '" + std::string(part) + "' under " + here +
                                           ": it is a " + kind_name(k) + ", not a directory");
    }
    if (!hit)
      return make_error(errc::not_found, "no link named '" + std::string(part) + "' under " + here);
    cur = hit->target;
    walked += walked.empty() ? std::string(part) : "/" + std::string(part);
  }
  return cur;
}

status cat(block_source& src, const cid& c, uint64_t offset, std::optional<uint64_t> length,
           const write_fn& out) {
  auto f = load_file(src, c, "cat");
  if (!f)
    return f.err();
  if (offset > f->size)
    return make_error(errc::invalid_input, "offset " + std::to_string(offset) +
                                             " is past the end of the file (" + std::to_string(f->size) + " bytes)");
  uint64_t end = f->size;
  if (length && *length < end - offset)
    end = offset + *length;
  return emit_checked(src, f->node, offset, end, out);
}

result<std::vector<dir_entry>> ls(block_source& src, const cid& dir) {
  auto d = load_dir(src, dir);
  if (!d)
    return d.err();
  auto links = dir_links(src, *d);
  if (!links)
    return links.err();
  std::vector<dir_entry> out;
  out.reserve(links->size());
  for (auto& [name, link] : *links) {
    dir_entry e{name, link.target, link.tsize, node_kind::file};
    if (link.target.codec == codec::dag_pb) {
      auto child = load(src, link.target);
      if (child) {
        e.kind = child->kind;
      } else if (child.err().code != errc::not_found) {
        return child.err();
      }
    } else if (link.target.codec != codec::raw) {
      return make_error(errc::unsupported, "directory " + dir.str() + " links '" + name +
                                             "' to a " + codec_name(link.target.codec) + " block");
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const dir_entry& a, const dir_entry& b) { return a.name < b.name; });
  return out;
}

// ---------------------------------------------------------------------------------------------
// tar

namespace {

constexpr size_t tar_block = 512;

void put_octal(char* field, size_t width, uint64_t v) {
  // width-1 digits, then NUL
  std::memset(field, '0', width - 1);
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0 && v; v >>= 3)
    field[i] = static_cast<char>('0' + (v & 7));
}

std::string pax_record(const std::string& key, const std::string& value) {
  // "<len> key=value\n" where len counts itself.
  size_t body = 1 + key.size() + 1 + value.size() + 1;
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len)
    len = std::to_string(len).size() + body;
  return std::to_string(len) + " " + key + "=" + value + "\n";
}

std::string ustar_header(const std::string& name, char type, uint64_t size, uint32_t mode,
                         int64_t mtime, const std::string& linkname) {
  std::string h(tar_block, '\0');
  std::memcpy(&h[0], name.data(), std::min<size_t>(name.size(), 100));
  put_octal(&h[100], 8, mode & 07777);
  put_octal(&h[108], 8, 0);
  put_octal(&h[116], 8, 0);
  put_octal(&h[124], 12, size);
  put_octal(&h[136], 12, mtime > 0 ? static_cast<uint64_t>(mtime) : 0);
  std::memset(&h[148], ' ', 8);
  h[156] = type;
  std::memcpy(&h[157], linkname.data(), std::min<size_t>(linkname.size(), 100));
  std::memcpy(&h[257], "ustar", 6);
  h[263] = '0';
  h[264] = '0';
  unsigned sum = 0;
  for (unsigned char ch : h)
    sum += ch;
  put_octal(&h[148], 7, sum);
  h[155] = ' ';
  return h;
}

class tar_writer {
public:
  explicit tar_writer(block_source& src, const write_fn& out) : src_(src), out_(out) {}

  status entry(const std::string& path, char type, uint64_t size, uint32_t mode, int64_t mtime,
               const std::string& linkname = {}) {
    constexpr uint64_t max_octal_size = (uint64_t{1} << 33) - 1;
    std::string records;
    if (path.size() > 100)
      records += pax_record("path", path);
    if (linkname.size() > 100)
      records += pax_record("linkpath", linkname);
    if (size > max_octal_size)
      records += pax_record("size", std::to_string(size));
    if (!records.empty()) {
      std::string pax_name = "PaxHeaders/" + path.substr(path.size() > 80 ? path.size() - 80 : 0);
      if (auto s = write(ustar_header(pax_name, 'x', records.size(), 0644, mtime, {})); !s)
        return s;
      if (auto s = write(records); !s)
        return s;
      if (auto s = pad(records.size()); !s)
        return s;
    }
    return write(ustar_header(path, type, size > max_octal_size ? 0 : size, mode, mtime, linkname));
  }

  status pad(uint64_t size) {
    size_t rest = size % tar_block;
    if (rest == 0)
      return {};
    static const std::string zeros(tar_block, '\0');
    return write(std::string_view(zeros).substr(0, tar_block - rest));
  }

  status write(std::string_view b) { return out_(b); }

  status node(const cid& c, const std::string& path, unsigned depth) {
    if (depth > max_depth)
      return make_error(errc::invalid_input, "directory tree deeper than " + std::to_string(max_depth) + " levels");
    auto l = load(src_, c);
    if (!l)
      return l.err();
    node_kind k = l->kind;
    int64_t mtime = (!l->is_raw && l->fs.mtime_seconds) ? *l->fs.mtime_seconds : 0;
    auto mode_or = [&](uint32_t def) { return (!l->is_raw && l->fs.mode) ? *l->fs.mode : def; };
    switch (k) {
      case node_kind::file:
      case node_kind::raw: {
        auto size = file_size(*l);
        if (!size)
          return size.err();
        if (auto s = entry(path, '0', *size, mode_or(0644), mtime); !s)
          return s;
        if (auto s = emit_checked(src_, *l, 0, *size, out_); !s)
          return s;
        return pad(*size);
      }
      case node_kind::symlink: {
        std::string target(payload_of(*l));
        if (target.find('\0') != std::string::npos)
          return make_error(errc::invalid_input, "symlink " + c.str() + " target contains a NUL byte");
        return entry(path, '2', 0, mode_or(0777), mtime, target);
      }
      case node_kind::directory:
      case node_kind::hamt_directory: {
        if (auto s = entry(path + "/", '5', 0, mode_or(0755), mtime); !s)
          return s;
        auto links = dir_links(src_, *l);
        if (!links)
          return links.err();
        std::sort(links->begin(), links->end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        for (size_t i = 0; i < links->size(); ++i) {
          auto& name = (*links)[i].first;
          if (!valid_entry_name(name))
            return make_error(errc::invalid_input, "directory " + c.str() + " has an entry named '" +
                                                     name + "', which cannot be written safely");
          if (i > 0 && (*links)[i - 1].first == name)
            return make_error(errc::invalid_input, "directory " + c.str() + " has two entries named '" + name + "'");
          if (auto s = node((*links)[i].second.target, path + "/" + name, depth + 1); !s)
            return s;
        }
        return {};
      }
    }
    return {};
  }

private:
  block_source& src_;
  const write_fn& out_;
};

} // namespace

status write_tar(block_source& src, const cid& c, const std::string& name, const write_fn& out) {
  std::string top = name.empty() ? c.str() : name;
  while (top.size() > 1 && top.back() == '/')
    top.pop_back();
  for (std::string_view rest = top; !rest.empty();) {
    auto slash = rest.find('/');
    auto part = rest.substr(0, slash);
    if (part == "..")
      return make_error(errc::invalid_input, "tar name '" + name + "' climbs out with '..'");
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  if (top.front() == '/' || top.find('\0') != std::string::npos)
    return make_error(errc::invalid_input, "tar name '" + name + "' must be relative and without NUL bytes");
  tar_writer w(src, out);
  if (auto s = w.node(c, top, 0); !s)
    return s;
  static const std::string end(2 * tar_block, '\0');
  return out(end);
}

} // namespace mantle::unixfs
