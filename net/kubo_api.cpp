#include "net/kubo_api.hpp"

#include <nlohmann/json.hpp>
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>

#include "config/version.hpp"
#include "net/kubo_add.hpp"
#include "net/http_metrics.hpp"
#include "net/kubo_rpc.hpp"
#include "net/multipart_pull.hpp"
#include "net/multipart_reader.hpp"
#include "storage/dag_pb.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/car.hpp"
#include "storage/multihash.hpp"
#include "storage/unixfs_exporter.hpp"

namespace mantle {
namespace {

using json = nlohmann::json;

constexpr size_t max_block_put = 1u << 20; // as Kubo: bigger blocks can't be exchanged

using kubo::begin_byte_stream;
using kubo::begin_value_stream;
using kubo::send_json;

status write_line(response_writer& w, const json& j) { return kubo::emit(w, j); }

// The single required positional argument.
// Kubo reports GOARCH/GOOS ("amd64/linux"); the same from uname.
std::string system_name() {
  struct utsname u;
  if (uname(&u) != 0)
    return "unknown";
  std::string arch = u.machine;
  if (arch == "x86_64")
    arch = "amd64";
  else if (arch == "aarch64")
    arch = "arm64";
  std::string os = u.sysname;
  std::transform(os.begin(), os.end(), os.begin(), [](unsigned char c) { return std::tolower(c); });
  return arch + "/" + os;
}

result<std::string> one_arg(http_request& r, const char* what) {
  auto args = r.query.args();
  if (args.empty())
    return make_error(errc::invalid_input, std::string("argument \"") + what + "\" is required");
  if (args.size() > 1)
    return make_error(errc::invalid_input, std::string("expected one argument \"") + what + "\"");
  return args.front();
}

} // namespace

kubo_api::kubo_api(node_backend& node, rpc_info info) : node_(node), info_(std::move(info)) {
  auto bind = [this](void (kubo_api::*m)(http_request&, response_writer&)) {
    return [this, m](http_request& r, response_writer& w) { (this->*m)(r, w); };
  };
  routes_ = {
    {"add", bind(&kubo_api::add)},
    {"cat", bind(&kubo_api::cat)},
    {"get", bind(&kubo_api::get)},
    {"ls", bind(&kubo_api::ls)},
    {"pin/add", bind(&kubo_api::pin_add)},
    {"pin/rm", bind(&kubo_api::pin_rm)},
    {"pin/ls", bind(&kubo_api::pin_ls)},
    {"block/get", bind(&kubo_api::block_get)},
    {"block/put", bind(&kubo_api::block_put)},
    {"block/stat", bind(&kubo_api::block_stat)},
    {"block/rm", bind(&kubo_api::block_rm)},
    {"dag/export", bind(&kubo_api::dag_export)},
    {"dag/import", bind(&kubo_api::dag_import)},
    {"id", bind(&kubo_api::id)},
    {"version", bind(&kubo_api::version)},
    {"repo/stat", bind(&kubo_api::repo_stat)},
    {"repo/gc", bind(&kubo_api::repo_gc)},
  };
}

const kubo_api::handler* kubo_api::find(const std::string& command) const {
  auto i = routes_.find(command);
  return i == routes_.end() ? nullptr : &i->second;
}

std::vector<std::string> kubo_api::commands() const {
  std::vector<std::string> out;
  for (auto& [k, v] : routes_)
    out.push_back(k);
  return out;
}

void kubo_api::send_error(response_writer& w, const error& e) {
  kubo::send_error(w, e.code == errc::unsupported ? make_error(errc::invalid_input, e.message) : e);
}

result<cid> kubo_api::resolve_arg(http_request& r, const char* what) {
  auto arg = one_arg(r, what);
  if (!arg)
    return arg.err();
  return resolve(*arg);
}

// Accepts "<cid>", "<cid>/a/b", "/ipfs/<cid>/a/b".
result<cid> kubo_api::resolve(const std::string& path) {
  std::string_view p = path;
  if (p.rfind("/ipfs/", 0) == 0)
    p.remove_prefix(6);
  else if (!p.empty() && p[0] == '/')
    return make_error(errc::invalid_input, "invalid path \"" + path + "\": only /ipfs/ paths are supported");
  auto slash = p.find('/');
  auto root = cid::parse(p.substr(0, slash));
  if (!root)
    return make_error(errc::invalid_input, "invalid path \"" + path + "\": " + root.err().message);
  if (slash == std::string_view::npos || slash + 1 >= p.size())
    return *root;
  return unixfs::resolve(node_.blocks(), *root, p.substr(slash + 1));
}

void kubo_api::cat(http_request& r, response_writer& w) {
  auto arg = one_arg(r, "ipfs-path");
  if (!arg)
    return send_error(w, arg.err());
  auto offset = r.query.get_int("offset", 0);
  auto length = r.query.get_int("length", -1);
  if (!offset)
    return send_error(w, offset.err());
  if (!length)
    return send_error(w, length.err());
  if (*offset < 0)
    return send_error(w, make_error(errc::invalid_input, "cannot specify negative offset"));
  auto c = resolve(*arg);
  if (!c)
    return send_error(w, c.err());
  auto info = unixfs::stat(node_.blocks(), *c);
  if (!info)
    return send_error(w, info.err());
  if (info->kind == unixfs::node_kind::directory || info->kind == unixfs::node_kind::hamt_directory)
    return send_error(w, make_error(errc::invalid_input, "this dag node is a directory"));
  uint64_t off = std::min<uint64_t>(static_cast<uint64_t>(*offset), info->size);
  uint64_t len = info->size - off;
  if (*length >= 0)
    len = std::min<uint64_t>(len, static_cast<uint64_t>(*length));
  begin_byte_stream(w, len, "text/plain");
  auto s = unixfs::cat(node_.blocks(), *c, off, len, [&](std::string_view b) { return w.write(b); });
  if (!s)
    return send_error(w, s.err());
  w.finish();
}

void kubo_api::get(http_request& r, response_writer& w) {
  auto arg = one_arg(r, "ipfs-path");
  if (!arg)
    return send_error(w, arg.err());
  if (auto gz = r.query.get_bool("compress", false); !gz || *gz)
    return send_error(w, make_error(errc::unsupported, "compressed output is not supported; fetch the tar and compress it locally"));
  auto c = resolve(*arg);
  if (!c)
    return send_error(w, c.err());
  // Name the top entry like Kubo: the last path component, or the CID.
  std::string name = *arg;
  while (!name.empty() && name.back() == '/')
    name.pop_back();
  auto slash = name.rfind('/');
  if (slash != std::string::npos)
    name = name.substr(slash + 1);
  if (name.empty() || name == "ipfs")
    name = c->str();
  begin_byte_stream(w, std::nullopt, "application/x-tar");
  auto s = unixfs::write_tar(node_.blocks(), *c, name, [&](std::string_view b) { return w.write(b); });
  if (!s)
    return send_error(w, s.err());
  w.finish();
}

void kubo_api::ls(http_request& r, response_writer& w) {
  auto args = r.query.args();
  if (args.empty())
    return send_error(w, make_error(errc::invalid_input, "argument \"ipfs-path\" is required"));
  auto sizes = r.query.get_bool("size", true);
  auto types = r.query.get_bool("resolve-type", true);
  if (!sizes || !types)
    return send_error(w, (!sizes ? sizes : types).err());
  json objects = json::array();
  for (auto& a : args) {
    auto c = resolve(a);
    if (!c)
      return send_error(w, c.err());
    auto info = unixfs::stat(node_.blocks(), *c);
    if (!info)
      return send_error(w, info.err());
    json links = json::array();
    if (info->kind == unixfs::node_kind::directory || info->kind == unixfs::node_kind::hamt_directory) {
      auto entries = unixfs::ls(node_.blocks(), *c);
      if (!entries)
        return send_error(w, entries.err());
      for (auto& e : *entries) {
        int type = 2;
        uint64_t size = 0;
        if (*types || *sizes) {
          // Kubo reports the file size (not the DAG size) and the UnixFS type of each child.
          auto child = unixfs::stat(node_.blocks(), e.id);
          if (!child)
            return send_error(w, child.err());
          bool dir = child->kind == unixfs::node_kind::directory ||
                     child->kind == unixfs::node_kind::hamt_directory;
          type = dir ? 1 : child->kind == unixfs::node_kind::symlink ? 4 : 2;
          size = dir ? 0 : child->size;
        }
        links.push_back({{"Name", e.name}, {"Hash", e.id.str()}, {"Size", *sizes ? size : 0},
                         {"Type", type}, {"Target", ""}});
      }
    }
    objects.push_back({{"Hash", a}, {"Links", links}});
  }
  send_json(w, json{{"Objects", objects}});
}

// pin/add and pin/rm: the same arguments, one action per resolved path, {"Pins":[...]} back.
void kubo_api::pin_each(http_request& r, response_writer& w,
                        const std::function<status(const cid&, bool recursive)>& action) {
  auto args = r.query.args();
  if (args.empty())
    return send_error(w, make_error(errc::invalid_input, "argument \"ipfs-path\" is required"));
  auto recursive = r.query.get_bool("recursive", true);
  if (!recursive)
    return send_error(w, recursive.err());
  json pins = json::array();
  for (auto& a : args) {
    auto c = resolve(a);
    if (!c)
      return send_error(w, c.err());
    if (auto s = action(*c, *recursive); !s)
      return send_error(w, s.err());
    pins.push_back(c->str());
  }
  send_json(w, json{{"Pins", pins}});
}

void kubo_api::pin_add(http_request& r, response_writer& w) {
  std::string name = r.query.get("name").value_or("");
  pin_each(r, w, [&](const cid& c, bool recursive) -> status {
    auto s = node_.pin_add(c, recursive ? pin_type::recursive : pin_type::direct, name);
    return s ? s : status{make_error(s.err().code, "pin: " + s.err().message)};
  });
}

void kubo_api::pin_rm(http_request& r, response_writer& w) {
  pin_each(r, w, [&](const cid& c, bool recursive) -> status {
    auto s = node_.pin_rm(c, recursive);
    if (!s && s.err().code == errc::not_found)
      return make_error(errc::not_found, c.str() + " is not pinned or pinned indirectly");
    return s;
  });
}

void kubo_api::pin_ls(http_request& r, response_writer& w) {
  std::optional<pin_type> only;
  auto type = r.query.get("type").value_or("all");
  if (type == "direct")
    only = pin_type::direct;
  else if (type == "recursive")
    only = pin_type::recursive;
  else if (type == "indirect")
    only = pin_type::indirect;
  else if (type != "all")
    return send_error(w, make_error(errc::invalid_input, "invalid type '" + type +
                                                           "', must be one of {direct, indirect, recursive, all}"));
  auto stream = r.query.get_bool("stream", false);
  auto quiet = r.query.get_bool("quiet", false);
  if (!stream || !quiet)
    return send_error(w, (!stream ? stream : quiet).err());
  std::vector<cid> which;
  for (auto& a : r.query.args()) {
    auto c = resolve(a);
    if (!c)
      return send_error(w, c.err());
    which.push_back(*c);
  }
  auto pins = node_.pin_ls(only, which);
  if (!pins)
    return send_error(w, pins.err());
  if (!which.empty() && pins->empty())
    return send_error(w, make_error(errc::not_found, "path '" + r.query.args().front() + "' is not pinned"));
  auto entry = [&](const pin_info& p) {
    json e{{"Type", to_string(p.type)}};
    if (!p.name.empty())
      e["Name"] = p.name;
    return e;
  };
  if (*stream) {
    begin_value_stream(w);
    for (auto& p : *pins) {
      json line = entry(p);
      line["Cid"] = p.id.str();
      if (!write_line(w, line))
        return;
    }
    w.finish();
    return;
  }
  json keys = json::object();
  for (auto& p : *pins)
    keys[p.id.str()] = entry(p);
  send_json(w, json{{"Keys", keys}});
}

void kubo_api::block_get(http_request& r, response_writer& w) {
  auto c = resolve_arg(r, "cid");
  if (!c)
    return send_error(w, c.err());
  auto data = node_.blocks().get(*c);
  if (!data)
    return send_error(w, data.err());
  w.header("X-Stream-Output", "1");
  w.send(*data, "text/plain");
}

void kubo_api::block_stat(http_request& r, response_writer& w) {
  auto c = resolve_arg(r, "cid");
  if (!c)
    return send_error(w, c.err());
  auto size = node_.block_size(*c);
  if (!size)
    return send_error(w, size.err());
  send_json(w, json{{"Key", c->str()}, {"Size", *size}});
}

void kubo_api::block_rm(http_request& r, response_writer& w) {
  auto args = r.query.args();
  if (args.empty())
    return send_error(w, make_error(errc::invalid_input, "argument \"cid\" is required"));
  auto force = r.query.get_bool("force", false);
  if (!force)
    return send_error(w, force.err());
  begin_value_stream(w);
  for (auto& a : args) {
    json line{{"Hash", a}};
    auto c = cid::parse(a);
    if (!c) {
      line["Error"] = c.err().message;
    } else if (auto s = node_.remove_block(*c); !s) {
      if (!(*force && s.err().code == errc::not_found))
        line["Error"] = s.err().message;
    }
    if (!write_line(w, line))
      return;
  }
  w.finish();
}

void kubo_api::dag_export(http_request& r, response_writer& w) {
  auto c = resolve_arg(r, "root");
  if (!c)
    return send_error(w, c.err());
  // Fail before the first byte when the root itself is missing, so the client gets a status.
  if (auto has = node_.has_block(*c); !has || !*has)
    return send_error(w, has ? make_error(errc::not_found, "block was not found locally: " + c->str()) : has.err());
  begin_byte_stream(w, std::nullopt, "application/vnd.ipld.car");
  auto s = car::export_dag(node_.blocks(), {*c}, [&](std::string_view b) { return w.write(b); });
  if (!s)
    return send_error(w, s.err());
  w.finish();
}

void kubo_api::id(http_request& r, response_writer& w) {
  auto me = node_.identity();
  if (auto args = r.query.args(); !args.empty() && args.front() != me.peer_id)
    return send_error(w, make_error(errc::unsupported, "looking up other peers is not supported yet"));
  send_json(w, json{{"ID", me.peer_id},
                    {"PublicKey", me.public_key_b64},
                    {"Addresses", me.addresses},
                    {"AgentVersion", me.agent_version},
                    {"Protocols", json::array()}});
}

void kubo_api::version(http_request&, response_writer& w) {
  send_json(w, json{{"Version", version_string},
                    {"Commit", ""},
                    {"Repo", "mantle-lmdb-1"},
                    {"System", system_name()},
                    {"Golang", "n/a (C++17)"}});
}

void kubo_api::repo_stat(http_request& r, response_writer& w) {
  auto size_only = r.query.get_bool("size-only", false);
  if (!size_only)
    return send_error(w, size_only.err());
  auto st = node_.stat();
  if (!st)
    return send_error(w, st.err());
  json j{{"RepoSize", st->repo_size}, {"StorageMax", st->storage_max}};
  if (!*size_only) {
    j["NumObjects"] = st->num_objects;
    j["RepoPath"] = info_.repo_path;
    j["Version"] = "fs-repo@mantle-1";
  }
  send_json(w, j);
}

void kubo_api::repo_gc(http_request& r, response_writer& w) {
  auto quiet = r.query.get_bool("quiet", false);
  if (!quiet)
    return send_error(w, quiet.err());
  auto res = node_.gc();
  if (!res)
    return send_error(w, res.err());
  begin_value_stream(w);
  if (!*quiet)
    for (auto& c : res->removed)
      if (!write_line(w, json{{"Key", {{"/", c.str()}}}}))
        return;
  w.finish();
}

} // namespace mantle

namespace mantle {

void kubo_api::add(http_request& r, response_writer& w) {
  add_meter meter; // add throughput on /metrics
  auto params = parse_add_params([&](const std::string& k) { return r.query.get(k); });
  if (!params)
    return send_error(w, params.err());
  // only-hash: blocks are hashed and dropped; nothing reaches the store.
  memory_block_store discard(false);
  std::unique_ptr<add_session> session;
  block_sink* sink = &discard;
  if (!params->only_hash) {
    auto s = node_.begin_add();
    if (!s)
      return send_error(w, s.err());
    session = std::move(*s);
    sink = session.get();
  }
  // The response starts with the first event, so errors before it get a proper status.
  auto emit = [&](const std::string& line) -> status {
    if (!w.started())
      if (auto s = begin_value_stream(w); !s)
        return s;
    return w.write(line + "\n");
  };
  add_operation op(*sink, *params, emit);
  bool in_file = false;
  multipart_callbacks cb;
  cb.on_part_begin = [&](const multipart_part& p) -> status {
    if (p.is_symlink())
      return make_error(errc::unsupported, "symlinks are not supported yet: " + p.filename);
    if (p.is_directory())
      return op.add_directory(p.filename);
    in_file = true;
    return op.begin_file(p.filename);
  };
  cb.on_part_data = [&](std::string_view d) -> status {
    if (!in_file)
      return d.empty() ? status{} : make_error(errc::invalid_input, "a directory part carries data");
    meter.add_bytes(d.size());
    return op.write(d);
  };
  cb.on_part_end = [&]() -> status {
    if (!in_file)
      return {};
    in_file = false;
    return op.end_file();
  };
  if (auto s = read_multipart(r, std::move(cb)); !s)
    return send_error(w, make_error(s.err().code, "add: " + s.err().message));
  auto roots = op.finish();
  if (!roots)
    return send_error(w, roots.err());
  if (session)
    if (auto s = session->commit(*roots, params->pin, params->pin_name); !s)
      return send_error(w, s.err());
  if (!w.started())
    begin_value_stream(w);
  w.finish();
  meter.succeeded();
}

void kubo_api::block_put(http_request& r, response_writer& w) {
  auto codec_name = r.query.get("cid-codec").value_or("");
  auto format = r.query.get("format").value_or("");
  uint64_t version = 1, codec = codec::raw;
  if (!format.empty()) { // legacy option, as Kubo maps it
    if (format == "v0" || format == "protobuf")
      version = format == "v0" ? 0 : 1, codec = codec::dag_pb;
    else if (format == "raw")
      codec = codec::raw;
    else
      return send_error(w, make_error(errc::invalid_input, "unsupported format '" + format + "'"));
  } else if (codec_name == "dag-pb") {
    codec = codec::dag_pb;
  } else if (!codec_name.empty() && codec_name != "raw") {
    return send_error(w, make_error(errc::invalid_input, "unsupported cid-codec '" + codec_name +
                                                           "' (raw or dag-pb)"));
  }
  if (auto mh = r.query.get("mhtype"); mh && *mh != "sha2-256")
    return send_error(w, make_error(errc::invalid_input, "unsupported mhtype '" + *mh + "': only sha2-256"));
  auto pin = r.query.get_bool("pin", false);
  auto big = r.query.get_bool("allow-big-block", false);
  if (!pin || !big)
    return send_error(w, (!pin ? pin : big).err());
  size_t limit = *big ? car::max_block_size : max_block_put;
  multipart_pull parts(r);
  std::vector<json> out;
  for (;;) {
    auto p = parts.next_part();
    if (!p)
      return send_error(w, p.err());
    if (!*p)
      break;
    std::string data;
    char buf[65536];
    for (;;) {
      auto n = parts.read(buf, sizeof buf);
      if (!n)
        return send_error(w, n.err());
      if (*n == 0)
        break;
      if (data.size() + *n > limit)
        return send_error(w, make_error(errc::invalid_input,
          "produced block is over " + std::to_string(limit >> 20) + "MiB: big blocks can't be exchanged with other peers; use UnixFS (add) for bigger files, or pass allow-big-block"));
      data.append(buf, *n);
    }
    if (codec == codec::dag_pb)
      if (auto d = dag_pb::decode(data); !d)
        return send_error(w, make_error(errc::invalid_input, "block is not valid dag-pb: " + d.err().message));
    cid c{version, codec, multihash::sha256(data)};
    auto size = data.size();
    if (auto s = node_.put_block(block{c, std::move(data)}); !s)
      return send_error(w, s.err());
    if (*pin)
      if (auto s = node_.pin_add(c, pin_type::recursive, ""); !s)
        return send_error(w, s.err());
    out.push_back(json{{"Key", c.str()}, {"Size", size}});
  }
  if (out.empty())
    return send_error(w, make_error(errc::invalid_input, "no block data given (send a multipart file)"));
  begin_value_stream(w);
  for (auto& j : out)
    if (!write_line(w, j))
      return;
  w.finish();
}

void kubo_api::dag_import(http_request& r, response_writer& w) {
  auto pin_roots = r.query.get_bool("pin-roots", true);
  auto stats = r.query.get_bool("stats", false);
  if (!pin_roots || !stats)
    return send_error(w, (!pin_roots ? pin_roots : stats).err());
  auto session = node_.begin_add();
  if (!session)
    return send_error(w, session.err());
  multipart_pull parts(r);
  std::vector<cid> roots;
  uint64_t blocks = 0, bytes = 0;
  for (;;) {
    auto p = parts.next_part();
    if (!p)
      return send_error(w, p.err());
    if (!*p)
      break;
    car::reader in([&](char* buf, size_t max) { return parts.read(buf, max); });
    auto summary = car::import(in, **session);
    if (!summary)
      return send_error(w, make_error(summary.err().code, "importing " +
        ((*p)->filename.empty() ? std::string("CAR") : (*p)->filename) + ": " + summary.err().message));
    for (auto& c : summary->roots)
      if (std::find(roots.begin(), roots.end(), c) == roots.end())
        roots.push_back(c);
    blocks += summary->blocks;
    bytes += summary->bytes;
  }
  // Pin each root on its own: a root whose DAG is incomplete reports its error, as Kubo does,
  // without failing the others.
  std::vector<json> lines;
  if (auto s = (*session)->commit({}, false, ""); !s)
    return send_error(w, s.err());
  if (*pin_roots)
    for (auto& c : roots) {
      json line{{"Root", {{"Cid", {{"/", c.str()}}}, {"PinErrorMsg", ""}}}};
      if (auto s = node_.pin_add(c, pin_type::recursive, ""); !s)
        line["Root"]["PinErrorMsg"] = s.err().message;
      lines.push_back(std::move(line));
    }
  begin_value_stream(w);
  for (auto& l : lines)
    if (!write_line(w, l))
      return;
  if (*stats)
    write_line(w, json{{"Stats", {{"BlockCount", blocks}, {"BlockBytesCount", bytes}}}});
  w.finish();
}

} // namespace mantle
