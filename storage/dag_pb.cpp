#include "storage/dag_pb.hpp"

#include "storage/protobuf.hpp"

namespace mantle::dag_pb {
namespace {

size_t link_body_size(const link& l, size_t hash_len) {
  return pb::bytes_field_size(1, hash_len) + pb::bytes_field_size(2, l.name.size()) +
         pb::varint_field_size(3, l.tsize);
}

result<link> decode_link(std::string_view in) {
  link l;
  bool has_hash = false;
  uint32_t last = 0;
  while (!in.empty()) {
    auto f = pb::read_field(in, "dag-pb link");
    if (!f)
      return f.err();
    if (f->number <= last)
      return make_error(errc::invalid_input, "dag-pb link: fields out of order or repeated");
    last = f->number;
    switch (f->number) {
      case 1: {
        if (f->type != pb::length_delimited)
          return make_error(errc::invalid_input, "dag-pb link: Hash has the wrong wire type");
        auto c = cid::from_bytes(f->bytes);
        if (!c)
          return make_error(errc::invalid_input, "dag-pb link: bad Hash: " + c.err().message);
        l.target = std::move(*c);
        has_hash = true;
        break;
      }
      case 2:
        if (f->type != pb::length_delimited)
          return make_error(errc::invalid_input, "dag-pb link: Name has the wrong wire type");
        l.name.assign(f->bytes);
        break;
      case 3:
        if (f->type != pb::varint_type)
          return make_error(errc::invalid_input, "dag-pb link: Tsize has the wrong wire type");
        l.tsize = f->value;
        break;
      default:
        return make_error(errc::invalid_input, "dag-pb link: unknown field " + std::to_string(f->number));
    }
  }
  if (!has_hash)
    return make_error(errc::invalid_input, "dag-pb link without a Hash");
  return l;
}

} // namespace

size_t encoded_link_size(const link& l) {
  size_t body = link_body_size(l, l.target.bytes().size());
  return pb::bytes_field_size(2, body);
}

std::string encode(const node& n) {
  std::string out;
  size_t total = n.data ? pb::bytes_field_size(1, n.data->size()) : 0;
  for (auto& l : n.links)
    total += encoded_link_size(l);
  out.reserve(total);
  for (auto& l : n.links) {
    auto hash = l.target.bytes();
    pb::put_tag(out, 2, pb::length_delimited);
    varint::append(out, link_body_size(l, hash.size()));
    pb::put_bytes(out, 1, hash);
    pb::put_bytes(out, 2, l.name);
    pb::put_varint(out, 3, l.tsize);
  }
  if (n.data)
    pb::put_bytes(out, 1, *n.data);
  return out;
}

namespace {

// `data` null: Data is checked but not copied (a 256 KiB leaf costs nothing extra).
status decode_into(std::string_view in, std::vector<link>& links, std::optional<std::string>* data) {
  bool seen_data = false;
  while (!in.empty()) {
    auto f = pb::read_field(in, "dag-pb node");
    if (!f)
      return f.err();
    if (f->type != pb::length_delimited)
      return make_error(errc::invalid_input, "dag-pb node: field " + std::to_string(f->number) +
                                               " has the wrong wire type");
    if (f->number == 2) {
      if (seen_data)
        return make_error(errc::invalid_input, "dag-pb node: link after Data");
      auto l = decode_link(f->bytes);
      if (!l)
        return l.err();
      links.push_back(std::move(*l));
    } else if (f->number == 1) {
      if (seen_data)
        return make_error(errc::invalid_input, "dag-pb node: Data repeated");
      seen_data = true;
      if (data)
        *data = std::string(f->bytes);
    } else {
      return make_error(errc::invalid_input, "dag-pb node: unknown field " + std::to_string(f->number));
    }
  }
  return {};
}

} // namespace

result<node> decode(std::string_view in) {
  node n;
  if (auto s = decode_into(in, n.links, &n.data); !s)
    return s.err();
  return n;
}

result<std::vector<link>> decode_links(std::string_view in) {
  std::vector<link> links;
  if (auto s = decode_into(in, links, nullptr); !s)
    return s.err();
  return links;
}

} // namespace mantle::dag_pb
