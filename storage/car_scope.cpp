#include "storage/car_scope.hpp"

#include <limits>
#include <unordered_set>
#include <vector>

#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "storage/unixfs_exporter.hpp"
#include "storage/unixfs_pb.hpp"
#include "storage/varint.hpp"

namespace mantle::car {

namespace {

error invalid(std::string msg) { return make_error(errc::invalid_input, std::move(msg)); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

result<int64_t> parse_offset(std::string_view t, const char* which, std::string_view whole) {
  auto bad = [&](const std::string& why) {
    return invalid("entity-bytes '" + std::string(whole) + "': " + which + " " + why);
  };
  bool neg = !t.empty() && t[0] == '-';
  if (neg)
    t.remove_prefix(1);
  if (t.empty())
    return bad("is empty (expected an integer or, for 'to', '*')");
  if (t.size() > 1 && t[0] == '0')
    return bad("has a leading zero");
  uint64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9')
      return bad("'" + std::string(t) + "' is not an integer");
    if (v > (uint64_t(std::numeric_limits<int64_t>::max()) - uint64_t(c - '0')) / 10)
      return bad("is too large");
    v = v * 10 + uint64_t(c - '0');
  }
  if (neg && v == 0)
    return bad("is '-0'");
  return neg ? -int64_t(v) : int64_t(v);
}

// The version/order/dups parameters of the first application/vnd.ipld.car media range in an
// Accept header; media ranges are compared case-insensitively.
struct accept_car {
  std::optional<std::string> version, order, dups;
};

std::optional<accept_car> car_from_accept(std::string_view accept) {
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    auto semi = item.find(';');
    if (lower(trim(item.substr(0, semi))) != "application/vnd.ipld.car")
      continue;
    accept_car a;
    while (semi != std::string_view::npos) {
      item = item.substr(semi + 1);
      semi = item.find(';');
      auto kv = item.substr(0, semi);
      auto eq = kv.find('=');
      if (eq == std::string_view::npos)
        continue;
      auto key = lower(trim(kv.substr(0, eq)));
      std::string val(trim(kv.substr(eq + 1)));
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"')
        val = val.substr(1, val.size() - 2);
      if (key == "version")
        a.version = val;
      else if (key == "order")
        a.order = val;
      else if (key == "dups")
        a.dups = val;
    }
    return a;
  }
  return std::nullopt;
}

// ---- Export ---------------------------------------------------------------------------------

bool is_identity(const cid& c, std::string_view* digest = nullptr) {
  auto mh = multihash::parse(c.mh);
  if (!mh || mh->code != multihash::identity)
    return false;
  if (digest)
    *digest = mh->digest;
  return true;
}

// A store's not_found, said the way the gateway reports a missing block.
error missing(const cid& c, const error& e) {
  if (e.code == errc::not_found)
    return make_error(errc::not_found, "block " + c.str() + " is not available locally");
  return e;
}

// Writes verified blocks as CAR sections and remembers which went out.
class emitter {
public:
  emitter(block_source& src, const write_fn& out, bool dups) : src_(src), out_(out), dups_(dups) {}

  bool seen(const cid& c) const { return seen_.count(c.bytes()) > 0; }

  // The block's bytes, written first unless it is an identity CID or (dups=n) already out.
  result<std::string> emit(const cid& c) {
    std::string_view inline_bytes;
    if (is_identity(c, &inline_bytes))
      return std::string(inline_bytes);
    auto got = src_.get(c);
    if (!got)
      return missing(c, got.err());
    if (auto s = write(c, *got); !s)
      return s.err();
    return std::move(*got);
  }

  // Like emit() for a block whose bytes the caller does not need (raw leaves): streamed from
  // the source's own buffer where it has one.
  status emit_leaf(const cid& c) {
    if (is_identity(c))
      return {};
    auto s = src_.read(c, [&](std::string_view bytes) { return write(c, bytes); });
    return s ? s : status(missing(c, s.err()));
  }

  uint64_t blocks = 0;
  uint64_t bytes = 0;

private:
  status write(const cid& c, std::string_view data) {
    auto key = c.bytes();
    if (!dups_ && seen_.count(key))
      return {};
    if (auto v = multihash::verify(c.mh, data); !v) {
      if (v.err().code == errc::corrupt)
        return make_error(errc::corrupt, "stored block " + c.str() + " does not match its hash");
      return make_error(v.err().code, "block " + c.str() + ": " + v.err().message);
    }
    std::string head;
    varint::append(head, key.size() + data.size());
    head += key;
    if (auto s = out_(head); !s)
      return s;
    if (auto s = out_(data); !s)
      return s;
    seen_.insert(std::move(key));
    ++blocks;
    bytes += data.size();
    return {};
  }

  block_source& src_;
  const write_fn& out_;
  bool dups_;
  std::unordered_set<std::string> seen_;
};

struct decoded {
  dag_pb::node pb;
  std::optional<unixfs::data> fs; // nullopt: dag-pb that is not UnixFS
};

result<decoded> decode_pb(const cid& c, std::string_view bytes) {
  auto n = dag_pb::decode(bytes);
  if (!n)
    return make_error(errc::corrupt, "block " + c.str() + " is not valid dag-pb: " + n.err().message);
  decoded d{std::move(*n), std::nullopt};
  if (d.pb.data) {
    auto fs = unixfs::decode(*d.pb.data);
    if (fs)
      d.fs = std::move(*fs);
  }
  return d;
}

bool is_file(const decoded& d) {
  return d.fs && (d.fs->type == unixfs::data_type::file || d.fs->type == unixfs::data_type::raw);
}

error too_deep(const cid& c) {
  return invalid("DAG deeper than " + std::to_string(unixfs::max_depth) + " levels (or a cycle) at " +
                 c.str());
}

// Every block below `c` (included), depth-first in link order. With dups=n a block already
// out was already walked, so its subtree is skipped.
status walk_all(emitter& em, const cid& c, unsigned depth, bool dups) {
  if (depth > unixfs::max_depth)
    return too_deep(c);
  if (!dups && em.seen(c))
    return {};
  if (c.codec == codec::raw || c.codec == codec::libp2p_key)
    return em.emit_leaf(c);
  if (c.codec != codec::dag_pb)
    return make_error(errc::unsupported, "cannot follow the links of " + c.str() + ": codec " +
                                             codec_name(c.codec) + " is not supported for CAR export");
  auto bytes = em.emit(c);
  if (!bytes)
    return bytes.err();
  auto n = dag_pb::decode(*bytes);
  if (!n)
    return make_error(errc::corrupt, "block " + c.str() + " is not valid dag-pb: " + n.err().message);
  bytes->clear();
  bytes->shrink_to_fit();
  for (const auto& l : n->links)
    if (auto s = walk_all(em, l.target, depth + 1, dups); !s)
      return s;
  return {};
}

// The blocks of a UnixFS file that hold bytes [start, end) of it (node offsets from `base`),
// with every node above them; a node already out is not sent again but still walked, since
// another part of the range may lie below it.
status walk_file_range(emitter& em, const cid& c, uint64_t base, uint64_t start, uint64_t end,
                       unsigned depth) {
  if (depth > unixfs::max_depth)
    return too_deep(c);
  if (c.codec == codec::raw)
    return em.emit_leaf(c);
  if (c.codec != codec::dag_pb)
    return invalid("file DAG links to " + c.str() + ", which is neither dag-pb nor raw");
  auto bytes = em.emit(c);
  if (!bytes)
    return bytes.err();
  auto d = decode_pb(c, *bytes);
  if (!d)
    return d.err();
  if (!is_file(*d))
    return invalid("file DAG links to " + c.str() + ", which is not a UnixFS file node");
  const auto& fs = *d->fs;
  if (fs.blocksizes.size() != d->pb.links.size())
    return make_error(errc::corrupt, "file node " + c.str() + " has " + std::to_string(d->pb.links.size()) +
                                         " links but " + std::to_string(fs.blocksizes.size()) + " blocksizes");
  uint64_t pos = base + (fs.payload ? fs.payload->size() : 0);
  for (size_t i = 0; i < d->pb.links.size() && pos < end; ++i) {
    uint64_t child_end = pos + fs.blocksizes[i];
    if (child_end > pos && child_end > start) {
      if (auto s = walk_file_range(em, d->pb.links[i].target, pos, start, end, depth + 1); !s)
        return s;
    }
    pos = child_end;
  }
  return {};
}

// The shard blocks of a HAMT directory: links whose name is only the slot prefix lead to
// sub-shards; longer names are entries, which entity scope leaves out.
status walk_hamt_shards(emitter& em, const cid& c, const decoded& d, unsigned depth) {
  if (depth > unixfs::max_depth)
    return too_deep(c);
  uint64_t fanout = d.fs && d.fs->fanout ? *d.fs->fanout : 0;
  if (fanout < 2 || fanout > 65536 || (fanout & (fanout - 1)) != 0)
    return invalid("HAMT shard " + c.str() + " has fanout " + std::to_string(fanout) +
                   ", not a power of two up to 65536");
  size_t pad = 0;
  for (uint64_t v = fanout - 1; v; v >>= 4)
    ++pad;
  for (const auto& l : d.pb.links) {
    if (l.name.size() != pad)
      continue;
    auto bytes = em.emit(l.target);
    if (!bytes)
      return bytes.err();
    if (l.target.codec != codec::dag_pb)
      return invalid("HAMT " + c.str() + " slot " + l.name + " links to something that is not a shard");
    auto sub = decode_pb(l.target, *bytes);
    if (!sub)
      return sub.err();
    if (!sub->fs || sub->fs->type != unixfs::data_type::hamt_shard)
      return invalid("HAMT " + c.str() + " slot " + l.name + " links to something that is not a shard");
    if (auto s = walk_hamt_shards(em, l.target, *sub, depth + 1); !s)
      return s;
  }
  return {};
}

// File size from the node's own bookkeeping (data + blocksizes); raw: the block size.
uint64_t declared_file_size(const decoded& d) {
  const auto& fs = *d.fs;
  uint64_t sum = fs.payload ? fs.payload->size() : 0;
  for (auto b : fs.blocksizes)
    sum += b;
  return fs.filesize ? *fs.filesize : sum;
}

} // namespace

const char* scope_name(dag_scope s) {
  switch (s) {
    case dag_scope::block: return "block";
    case dag_scope::entity: return "entity";
    case dag_scope::all: return "all";
  }
  return "?";
}

result<dag_scope> parse_dag_scope(std::string_view text) {
  if (text == "block")
    return dag_scope::block;
  if (text == "entity")
    return dag_scope::entity;
  if (text == "all")
    return dag_scope::all;
  return invalid("dag-scope '" + std::string(text) + "' is not one of block, entity, all");
}

result<entity_bytes> parse_entity_bytes(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos)
    return invalid("entity-bytes '" + std::string(text) + "': expected from:to (e.g. 0:1023, -1024:*)");
  entity_bytes r;
  auto from = parse_offset(text.substr(0, colon), "'from'", text);
  if (!from)
    return from.err();
  r.from = *from;
  auto to_text = text.substr(colon + 1);
  if (to_text != "*") {
    auto to = parse_offset(to_text, "'to'", text);
    if (!to)
      return to.err();
    r.to = *to;
    // Same sign: the order is known without the entity's size.
    if ((*to >= 0) == (r.from >= 0) && *to < r.from)
      return invalid("entity-bytes '" + std::string(text) + "': 'to' comes before 'from'");
  }
  return r;
}

result<car_params> parse_car_params(const car_query& q, std::string_view accept) {
  car_params p;
  if (q.dag_scope) {
    auto s = parse_dag_scope(*q.dag_scope);
    if (!s)
      return s.err();
    p.scope = *s;
  }
  if (q.entity_bytes) {
    if (q.dag_scope && p.scope != dag_scope::entity)
      return invalid("entity-bytes needs dag-scope=entity, not dag-scope=" + *q.dag_scope);
    auto r = parse_entity_bytes(*q.entity_bytes);
    if (!r)
      return r.err();
    p.range = *r;
    p.scope = dag_scope::entity; // entity-bytes implies it
  }
  auto acc = car_from_accept(accept);
  auto pick = [&](const std::optional<std::string>& query, std::optional<std::string> accepted,
                  const char* qname) -> std::pair<std::optional<std::string>, std::string> {
    if (query)
      return {query, qname};
    return {std::move(accepted), std::string("Accept parameter ") + (qname + 4)};
  };
  auto [version, vfrom] = pick(q.car_version, acc ? acc->version : std::nullopt, "car-version");
  if (version && *version != "1")
    return make_error(errc::unsupported, vfrom + " '" + *version + "': only CAR version 1 is produced");
  auto [order, ofrom] = pick(q.car_order, acc ? acc->order : std::nullopt, "car-order");
  if (order && !order->empty() && *order != "dfs" && *order != "unk")
    return make_error(errc::unsupported, ofrom + " '" + *order + "': blocks come in dfs order (dfs or unk)");
  auto [dups, dfrom] = pick(q.car_dups, acc ? acc->dups : std::nullopt, "car-dups");
  if (dups) {
    if (*dups == "y")
      p.dups = true;
    else if (*dups != "n")
      return invalid(dfrom + " '" + *dups + "' must be y or n");
  }
  return p;
}

std::string car_content_type(const car_params& p) {
  return std::string("application/vnd.ipld.car; version=1; order=dfs; dups=") + (p.dups ? "y" : "n");
}

result<std::optional<std::pair<uint64_t, uint64_t>>> resolve_entity_bytes(const entity_bytes& r,
                                                                          uint64_t size) {
  using range = std::optional<std::pair<uint64_t, uint64_t>>;
  if (size == 0)
    return range{};
  uint64_t first;
  if (r.from >= 0) {
    if (uint64_t(r.from) >= size)
      return invalid("entity-bytes starts at byte " + std::to_string(r.from) + ", past the end of the " +
                     std::to_string(size) + "-byte entity");
    first = uint64_t(r.from);
  } else {
    uint64_t back = uint64_t(-(r.from + 1)) + 1; // |from| without overflowing on INT64_MIN
    first = back >= size ? 0 : size - back;
  }
  uint64_t last = size - 1;
  if (r.to) {
    if (*r.to >= 0) {
      last = std::min<uint64_t>(uint64_t(*r.to), size - 1);
    } else {
      uint64_t back = uint64_t(-(*r.to + 1)) + 1;
      if (back > size)
        return range{};
      last = size - back;
    }
  }
  if (last < first)
    return range{};
  return range{std::make_pair(first, last)};
}

result<scoped_export> export_car_scoped(block_source& src, const cid& root, std::string_view path,
                                        const car_params& params, const write_fn& out) {
  scoped_export summary;
  std::vector<cid> trail;
  auto terminal = unixfs::resolve_traced(src, root, path, &trail);
  if (!terminal)
    return terminal.err();
  summary.terminal = *terminal;
  const cid& t = *terminal;

  // Look at the target before anything is written, so its absence or a bad range can still
  // become a 404 or 400.
  std::string_view inline_bytes;
  std::string target_bytes;
  if (is_identity(t, &inline_bytes)) {
    target_bytes = std::string(inline_bytes);
  } else {
    auto got = src.get(t);
    if (!got)
      return missing(t, got.err());
    target_bytes = std::move(*got);
  }
  std::optional<decoded> node;
  if (t.codec == codec::dag_pb) {
    auto d = decode_pb(t, target_bytes);
    if (!d)
      return d.err();
    node = std::move(*d);
  }
  dag_scope scope = params.scope;
  bool file = t.codec == codec::raw || (node && is_file(*node));
  if (scope == dag_scope::entity && params.range && file) {
    uint64_t size = node ? declared_file_size(*node) : target_bytes.size();
    auto r = resolve_entity_bytes(*params.range, size);
    if (!r)
      return r.err();
    summary.range = *r;
    if (!*r)
      scope = dag_scope::block; // the spec: a zero-length range is answered like dag-scope=block
  }
  target_bytes.clear();
  target_bytes.shrink_to_fit();
  if (scope == dag_scope::all && t.codec != codec::dag_pb && t.codec != codec::raw &&
      t.codec != codec::libp2p_key)
    return make_error(errc::unsupported, "cannot follow the links of " + t.str() + ": codec " +
                                             codec_name(t.codec) + " is not supported for CAR export");

  if (auto s = out(encode_header({root})); !s)
    return s.err();
  emitter em(src, out, params.dups);
  for (const auto& c : trail)
    if (auto b = em.emit(c); !b)
      return b.err();

  // The target's own block; raw leaves stream.
  auto emit_target = [&]() -> status {
    if (t.codec == codec::raw)
      return em.emit_leaf(t);
    auto b = em.emit(t);
    return b ? status{} : status(b.err());
  };
  status st;
  switch (scope) {
    case dag_scope::block:
      st = emit_target();
      break;
    case dag_scope::all:
      st = walk_all(em, t, 0, params.dups);
      break;
    case dag_scope::entity:
      if (t.codec == codec::raw || !node || !node->fs) {
        st = emit_target(); // raw, or not UnixFS: the entity is the block
      } else if (file) {
        uint64_t start = 0, end = std::numeric_limits<uint64_t>::max();
        if (summary.range) {
          start = summary.range->first;
          end = summary.range->second + 1;
        }
        st = walk_file_range(em, t, 0, start, end, 0);
      } else if (node->fs->type == unixfs::data_type::hamt_shard) {
        st = emit_target();
        if (st)
          st = walk_hamt_shards(em, t, *node, 0);
      } else {
        st = emit_target(); // a basic directory, symlink, ...: its block lists it
      }
      break;
  }
  if (!st)
    return st.err();
  summary.blocks = em.blocks;
  summary.bytes = em.bytes;
  return summary;
}

} // namespace mantle::car
