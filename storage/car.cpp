#include "storage/car.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "storage/varint.hpp"

namespace mantle::car {

namespace {

// ---- The DAG-CBOR subset a CARv1 header needs --------------------------------------------

namespace major {
constexpr uint8_t uint = 0, negint = 1, bytes = 2, text = 3, array = 4, map = 5, tag = 6,
                  simple = 7;
}
constexpr uint64_t cid_tag = 42;

const char* major_name(uint8_t m) {
  switch (m) {
    case major::uint: return "an unsigned integer";
    case major::negint: return "a negative integer";
    case major::bytes: return "a byte string";
    case major::text: return "a text string";
    case major::array: return "an array";
    case major::map: return "a map";
    case major::tag: return "a tag";
    default: return "a float or simple value";
  }
}

struct cbor_head {
  uint8_t major = 0;
  uint64_t value = 0;
};

error header_error(std::string msg) {
  return make_error(errc::invalid_input, "CAR header: " + std::move(msg));
}

// Reads one CBOR item head. DAG-CBOR allows only definite lengths in their shortest form.
result<cbor_head> read_head(std::string_view& in) {
  if (in.empty())
    return header_error("DAG-CBOR ends in the middle of an item");
  auto b = static_cast<uint8_t>(in[0]);
  cbor_head h{static_cast<uint8_t>(b >> 5), 0};
  uint8_t info = b & 0x1f;
  in.remove_prefix(1);
  if (info < 24) {
    h.value = info;
    return h;
  }
  if (info == 31)
    return header_error("indefinite-length items are not allowed in DAG-CBOR");
  if (info > 27)
    return header_error("reserved CBOR additional information " + std::to_string(info));
  size_t n = size_t{1} << (info - 24);
  if (in.size() < n)
    return header_error("DAG-CBOR ends in the middle of an item");
  for (size_t i = 0; i < n; ++i)
    h.value = (h.value << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(n);
  static const uint64_t smallest[] = {24, uint64_t{1} << 8, uint64_t{1} << 16, uint64_t{1} << 32};
  if (h.value < smallest[info - 24])
    return header_error("integer or length not in its shortest form, which DAG-CBOR requires");
  return h;
}

result<cbor_head> expect(std::string_view& in, uint8_t m, const std::string& what) {
  auto h = read_head(in);
  if (!h)
    return h;
  if (h->major != m)
    return header_error(what + " must be " + major_name(m) + ", found " + major_name(h->major));
  return h;
}

result<std::vector<cid>> read_roots(std::string_view& in) {
  auto arr = expect(in, major::array, "'roots'");
  if (!arr)
    return arr.err();
  // Each root takes well over one byte, so a count beyond the bytes left is a lie; checking
  // it first keeps a forged count from reserving memory.
  if (arr->value > in.size())
    return header_error("'roots' claims " + std::to_string(arr->value) + " entries in " +
                        std::to_string(in.size()) + " bytes");
  std::vector<cid> roots;
  roots.reserve(arr->value);
  for (uint64_t i = 0; i < arr->value; ++i) {
    std::string which = "root " + std::to_string(i);
    auto tag = expect(in, major::tag, which);
    if (!tag)
      return tag.err();
    if (tag->value != cid_tag)
      return header_error(which + " has tag " + std::to_string(tag->value) +
                          ", expected 42 (CID)");
    auto bs = expect(in, major::bytes, which + " after tag 42");
    if (!bs)
      return bs.err();
    if (bs->value > in.size())
      return header_error(which + " is truncated");
    auto raw = in.substr(0, bs->value);
    in.remove_prefix(bs->value);
    if (raw.empty() || raw[0] != '\0')
      return header_error(which + " lacks the 0x00 prefix DAG-CBOR puts before a binary CID");
    auto c = cid::from_bytes(raw.substr(1));
    if (!c)
      return header_error(which + " is not a valid CID: " + c.err().message);
    roots.push_back(std::move(*c));
  }
  return roots;
}

result<header> parse_header_block(std::string_view in) {
  auto m = read_head(in);
  if (!m)
    return m.err();
  if (m->major != major::map)
    return header_error("expected a DAG-CBOR map {roots, version}, found " +
                        std::string(major_name(m->major)) + " (not a CAR file?)");
  if (m->value == 0 || m->value > 2)
    return header_error("map has " + std::to_string(m->value) +
                        " entries, expected 'roots' and 'version'");
  std::optional<std::vector<cid>> roots;
  std::optional<uint64_t> version;
  for (uint64_t i = 0; i < m->value; ++i) {
    auto k = expect(in, major::text, "a map key");
    if (!k)
      return k.err();
    if (k->value > in.size())
      return header_error("map key is truncated");
    std::string key(in.substr(0, k->value));
    in.remove_prefix(k->value);
    if (key == "roots") {
      if (roots)
        return header_error("duplicate key 'roots'");
      auto r = read_roots(in);
      if (!r)
        return r.err();
      roots = std::move(*r);
    } else if (key == "version") {
      if (version)
        return header_error("duplicate key 'version'");
      auto v = expect(in, major::uint, "'version'");
      if (!v)
        return v.err();
      version = v->value;
    } else {
      return header_error("unexpected key '" + key + "'");
    }
  }
  if (!in.empty())
    return header_error(std::to_string(in.size()) + " bytes after the header map");
  if (!version)
    return header_error("no 'version'");
  // A CARv2 file starts with a pragma that reads as the header {version: 2}.
  if (*version == 2)
    return make_error(errc::unsupported,
                      "CARv2 not supported: this node reads CARv1 only (extract the CARv1 "
                      "payload, e.g. `car extract`/`car convert`, or export as CARv1)");
  if (*version != 1)
    return make_error(errc::unsupported,
                      "CAR version " + std::to_string(*version) + " not supported (CARv1 only)");
  if (!roots)
    return header_error("no 'roots'");
  return header{std::move(*roots), 1};
}

void append_head(std::string& out, uint8_t m, uint64_t v) {
  auto lead = static_cast<char>(m << 5);
  if (v < 24) {
    out.push_back(static_cast<char>(lead | static_cast<char>(v)));
    return;
  }
  int n = v < (uint64_t{1} << 8) ? 1 : v < (uint64_t{1} << 16) ? 2 : v < (uint64_t{1} << 32) ? 4 : 8;
  int info = n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27;
  out.push_back(static_cast<char>(lead | static_cast<char>(info)));
  for (int i = n - 1; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void append_text(std::string& out, std::string_view s) {
  append_head(out, major::text, s.size());
  out.append(s);
}

} // namespace

// ---- Writing ------------------------------------------------------------------------------

std::string encode_header_block(const std::vector<cid>& roots) {
  std::string out;
  // DAG-CBOR sorts map keys by length first, so "roots" (5) precedes "version" (7).
  append_head(out, major::map, 2);
  append_text(out, "roots");
  append_head(out, major::array, roots.size());
  for (const auto& c : roots) {
    auto b = c.bytes();
    append_head(out, major::tag, cid_tag);
    append_head(out, major::bytes, b.size() + 1);
    out.push_back('\0');
    out += b;
  }
  append_text(out, "version");
  append_head(out, major::uint, 1);
  return out;
}

std::string encode_header(const std::vector<cid>& roots) {
  auto blk = encode_header_block(roots);
  std::string out = varint::encode(blk.size());
  out += blk;
  return out;
}

std::string encode_section(const cid& c, std::string_view data) {
  auto cb = c.bytes();
  std::string out;
  out.reserve(cb.size() + data.size() + 10);
  varint::append(out, cb.size() + data.size());
  out += cb;
  out.append(data);
  return out;
}

status export_dag(block_source& src, const std::vector<cid>& roots, const write_fn& out) {
  if (auto s = out(encode_header(roots)); !s)
    return s;
  std::unordered_set<std::string> seen;
  // An explicit stack (children pushed in reverse) gives the same pre-order as recursion
  // without letting a deep DAG exhaust the call stack.
  std::vector<cid> stack(roots.rbegin(), roots.rend());
  while (!stack.empty()) {
    cid c = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(c.bytes()).second)
      continue;
    auto mh = multihash::parse(c.mh);
    if (!mh)
      return make_error(errc::invalid_input, "CID " + c.str() + ": " + mh.err().message);
    std::string data;
    if (mh->code == multihash::identity) {
      data = std::string(mh->digest); // the bytes are in the CID itself
    } else {
      auto got = src.get(c);
      if (!got) {
        if (got.err().code == errc::not_found)
          return make_error(errc::not_found, "block " + c.str() + " is not available locally");
        return got.err();
      }
      data = std::move(*got);
      auto v = multihash::verify(c.mh, data);
      if (!v) {
        if (v.err().code == errc::corrupt)
          return make_error(errc::corrupt, "stored block " + c.str() + " does not match its hash");
        return make_error(v.err().code, "block " + c.str() + ": " + v.err().message);
      }
    }
    switch (c.codec) {
      case codec::dag_pb: {
        auto n = dag_pb::decode(data);
        if (!n)
          return make_error(errc::corrupt, "block " + c.str() + " is not valid dag-pb: " +
                                               n.err().message);
        for (auto it = n->links.rbegin(); it != n->links.rend(); ++it)
          stack.push_back(std::move(it->target));
        break;
      }
      case codec::raw:
      case codec::libp2p_key:
        break;
      default:
        return make_error(errc::unsupported, "cannot follow the links of " + c.str() + ": codec " +
                                                 codec_name(c.codec) + " is not supported for export");
    }
    if (auto s = out(encode_section(c, data)); !s)
      return s;
  }
  return {};
}

// ---- Reading ------------------------------------------------------------------------------

reader::reader(read_fn in) : in_(std::move(in)) {}

result<size_t> reader::fill(size_t need) {
  constexpr size_t chunk = 64 * 1024;
  while (buf_.size() - pos_ < need && !eof_) {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    size_t want = std::max(chunk, need - buf_.size());
    size_t old = buf_.size();
    buf_.resize(old + want);
    auto got = in_(buf_.data() + old, want);
    if (!got) {
      buf_.resize(old);
      return make_error(got.err().code, "reading CAR: " + got.err().message);
    }
    if (*got > want) {
      buf_.resize(old);
      return make_error(errc::internal, "CAR read callback returned more bytes than asked for");
    }
    buf_.resize(old + *got);
    if (*got == 0)
      eof_ = true;
  }
  return buf_.size() - pos_;
}

result<std::optional<uint64_t>> reader::read_length(const char* what) {
  auto have = fill(10);
  if (!have)
    return have.err();
  if (*have == 0)
    return std::optional<uint64_t>{};
  auto view = available();
  auto len = varint::read(view);
  if (!len)
    return make_error(errc::invalid_input, std::string(what) + " length at offset " +
                                               std::to_string(offset_) + ": " + len.err().message);
  consume(available().size() - view.size());
  return std::optional<uint64_t>{*len};
}

result<header> reader::read_header() {
  if (header_)
    return *header_;
  if (broken_)
    return *broken_;
  auto fail = [this](error e) -> error {
    broken_ = e;
    return e;
  };
  auto len = read_length("CAR header");
  if (!len)
    return fail(len.err());
  if (!*len)
    return fail(make_error(errc::invalid_input, "empty input: not a CAR file"));
  if (**len == 0)
    return fail(header_error("length 0"));
  if (**len > max_header_size)
    return fail(header_error("length " + std::to_string(**len) + " exceeds the limit of " +
                             std::to_string(max_header_size) + " bytes (not a CAR file?)"));
  auto have = fill(**len);
  if (!have)
    return fail(have.err());
  if (*have < **len)
    return fail(header_error("truncated: " + std::to_string(**len) + " bytes announced, " +
                             std::to_string(*have) + " present"));
  auto h = parse_header_block(available().substr(0, **len));
  if (!h)
    return fail(h.err());
  consume(**len);
  header_ = *h;
  return h;
}

result<std::optional<block>> reader::next() {
  if (!header_) {
    auto h = read_header();
    if (!h)
      return h.err();
  }
  if (broken_)
    return *broken_;
  auto fail = [this](error e) -> error {
    broken_ = e;
    return e;
  };
  const uint64_t start = offset_;
  const std::string at = " at offset " + std::to_string(start);
  auto len = read_length("section");
  if (!len)
    return fail(len.err());
  if (!*len)
    return std::optional<block>{};
  if (**len == 0)
    return fail(make_error(errc::invalid_input, "empty section" + at));
  if (**len > max_section_size)
    return fail(make_error(errc::invalid_input,
                           "section of " + std::to_string(**len) + " bytes" + at +
                               " exceeds the limit of " + std::to_string(max_section_size) +
                               " bytes (a 4 MiB block plus its CID)"));
  auto have = fill(**len);
  if (!have)
    return fail(have.err());
  if (*have < **len)
    return fail(make_error(errc::invalid_input, "truncated section" + at + ": " +
                                                    std::to_string(**len) + " bytes announced, " +
                                                    std::to_string(*have) + " present"));
  auto view = available().substr(0, **len);
  auto c = cid::read(view);
  if (!c)
    return fail(make_error(errc::invalid_input, "section" + at + ": bad CID: " + c.err().message));
  // The section was framed correctly, so the stream stays usable past a bad block: consume it.
  block b{std::move(*c), std::string(view)};
  consume(**len);
  if (b.data.size() > max_block_size)
    return make_error(errc::invalid_input, "block " + b.cid.str() + " is " +
                                               std::to_string(b.data.size()) +
                                               " bytes, above the 4 MiB limit");
  auto v = multihash::verify(b.cid.mh, b.data);
  if (!v) {
    if (v.err().code == errc::corrupt)
      return make_error(errc::corrupt, "block " + b.cid.str() + " does not match its hash");
    return make_error(v.err().code, "block " + b.cid.str() + ": " + v.err().message);
  }
  return std::optional<block>{std::move(b)};
}

result<import_summary> import(reader& in, block_sink& sink) {
  auto h = in.read_header();
  if (!h)
    return h.err();
  import_summary s;
  s.roots = h->roots;
  for (;;) {
    auto b = in.next();
    if (!b)
      return b.err();
    if (!*b)
      break;
    ++s.blocks;
    s.bytes += (*b)->data.size();
    if (auto st = sink.put(std::move(**b)); !st)
      return st.err();
  }
  if (auto f = sink.flush(); !f)
    return f.err();
  return s;
}

} // namespace mantle::car
