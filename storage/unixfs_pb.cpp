#include "storage/unixfs_pb.hpp"

#include "storage/protobuf.hpp"

namespace mantle::unixfs {

const char* type_name(data_type t) {
  switch (t) {
    case data_type::raw: return "raw";
    case data_type::directory: return "directory";
    case data_type::file: return "file";
    case data_type::metadata: return "metadata";
    case data_type::symlink: return "symlink";
    case data_type::hamt_shard: return "hamt-sharded-directory";
  }
  return "unknown";
}

std::string encode(const data& d) {
  std::string out;
  out.reserve(16 + (d.payload ? d.payload->size() : 0) + d.blocksizes.size() * 5);
  pb::put_varint(out, 1, static_cast<uint64_t>(d.type));
  if (d.payload)
    pb::put_bytes(out, 2, *d.payload);
  if (d.filesize)
    pb::put_varint(out, 3, *d.filesize);
  for (auto b : d.blocksizes)
    pb::put_varint(out, 4, b);
  if (d.hash_type)
    pb::put_varint(out, 5, *d.hash_type);
  if (d.fanout)
    pb::put_varint(out, 6, *d.fanout);
  if (d.mode)
    pb::put_varint(out, 7, *d.mode);
  if (d.mtime_seconds) {
    std::string t;
    pb::put_varint(t, 1, static_cast<uint64_t>(*d.mtime_seconds));
    if (d.mtime_nanos)
      pb::put_tag(t, 2, pb::fixed32), t.append(reinterpret_cast<const char*>(&*d.mtime_nanos), 4);
    pb::put_bytes(out, 8, t);
  }
  return out;
}

result<data> decode(std::string_view in) {
  data d;
  bool has_type = false;
  auto want = [](const pb::field& f, pb::wire w, const char* name) -> status {
    if (f.type != w)
      return make_error(errc::invalid_input, std::string("UnixFS: ") + name + " has the wrong wire type");
    return {};
  };
  while (!in.empty()) {
    auto f = pb::read_field(in, "UnixFS data");
    if (!f)
      return f.err();
    status s;
    switch (f->number) {
      case 1:
        if (!(s = want(*f, pb::varint_type, "Type")))
          return s.err();
        if (f->value > 5)
          return make_error(errc::invalid_input, "UnixFS: unknown node type " + std::to_string(f->value));
        d.type = static_cast<data_type>(f->value);
        has_type = true;
        break;
      case 2:
        if (!(s = want(*f, pb::length_delimited, "Data")))
          return s.err();
        d.payload = std::string(f->bytes);
        break;
      case 3:
        if (!(s = want(*f, pb::varint_type, "filesize")))
          return s.err();
        d.filesize = f->value;
        break;
      case 4:
        if (f->type == pb::length_delimited) { // packed encoding from other writers
          auto packed = f->bytes;
          while (!packed.empty()) {
            auto v = varint::read(packed, true);
            if (!v)
              return make_error(errc::invalid_input, "UnixFS: bad packed blocksizes");
            d.blocksizes.push_back(*v);
          }
        } else {
          if (!(s = want(*f, pb::varint_type, "blocksizes")))
            return s.err();
          d.blocksizes.push_back(f->value);
        }
        break;
      case 5:
        if (!(s = want(*f, pb::varint_type, "hashType")))
          return s.err();
        d.hash_type = f->value;
        break;
      case 6:
        if (!(s = want(*f, pb::varint_type, "fanout")))
          return s.err();
        d.fanout = f->value;
        break;
      case 7:
        if (!(s = want(*f, pb::varint_type, "mode")))
          return s.err();
        d.mode = static_cast<uint32_t>(f->value);
        break;
      case 8: {
        if (!(s = want(*f, pb::length_delimited, "mtime")))
          return s.err();
        auto t = f->bytes;
        while (!t.empty()) {
          auto tf = pb::read_field(t, "UnixFS mtime");
          if (!tf)
            return tf.err();
          if (tf->number == 1)
            d.mtime_seconds = static_cast<int64_t>(tf->value);
          else if (tf->number == 2)
            d.mtime_nanos = static_cast<uint32_t>(tf->value);
        }
        break;
      }
      default:
        return make_error(errc::invalid_input, "UnixFS: unknown field " + std::to_string(f->number));
    }
  }
  if (!has_type)
    return make_error(errc::invalid_input, "UnixFS data without a Type");
  return d;
}

} // namespace mantle::unixfs
