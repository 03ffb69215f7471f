#include "net/gateway_api.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "config/log.hpp"
#include "net/dir_listing.hpp"
#include "net/http_range.hpp"
#include "net/url_codec.hpp"
#include "storage/car_scope.hpp"
#include "storage/content_type.hpp"
#include "storage/multihash.hpp"
#include "storage/site_route.hpp"
#include "storage/web_redirects.hpp"
#include "storage/unixfs_exporter.hpp"

namespace mantle {

namespace {

constexpr const char* immutable_cache = "public, max-age=29030400, immutable";
// Path segments are link names; no DAG we serve nests deeper than the exporter follows.
constexpr size_t max_segments = 256;

// Identity CIDs carry their bytes inline (bafkqaaa is the empty block clients probe with);
// no store holds them, so they are answered here before the real source is asked.
class inline_source : public block_source {
public:
  explicit inline_source(block_source& inner) : inner_(inner) {}
  result<std::string> get(const cid& c) override {
    if (auto v = inline_bytes(c))
      return std::string(*v);
    return inner_.get(c);
  }
  status read(const cid& c, const std::function<status(std::string_view)>& fn) override {
    if (auto v = inline_bytes(c))
      return fn(*v);
    return inner_.read(c, fn);
  }
  void prefetch(const std::vector<cid>& next) override { inner_.prefetch(next); }
  static std::optional<std::string_view> inline_bytes(const cid& c) {
    auto mh = multihash::parse(c.mh);
    if (!mh || mh->code != multihash::identity)
      return std::nullopt;
    return mh->digest;
  }

private:
  block_source& inner_;
};

enum class response_format { unixfs, raw, car, tar };

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool is_dir(unixfs::node_kind k) {
  return k == unixfs::node_kind::directory || k == unixfs::node_kind::hamt_directory;
}

void send_text(response_writer& w, unsigned code, const std::string& message) {
  if (w.started()) {
    // The status line is gone: a chunked body ends with an error trailer, a fixed one is cut
    // short so the client sees a truncated body instead of wrong bytes. The client cannot be
    // told why, so the log is the only place the reason shows.
    log::warning("gateway", "response cut short after it started: " + message);
    w.close_connection();
    w.finish_with_error(message);
    return;
  }
  w.status(code);
  w.send(message + "\n", "text/plain; charset=utf-8");
}

unsigned status_for(const error& e) {
  switch (e.code) {
    case errc::not_found: return 404;
    case errc::invalid_input: return 400;
    case errc::unsupported: return 501;
    case errc::unavailable: return 503;
    case errc::corrupt: return 502;
    default: return 500;
  }
}

// Does an If-None-Match list name this entity tag? Weak comparison, as RFC 9110 asks for it.
bool etag_matches(std::string_view header, std::string_view etag) {
  auto strip_weak = [](std::string_view t) {
    t = trim_ows(t);
    if (t.size() >= 2 && (t[0] == 'W' || t[0] == 'w') && t[1] == '/')
      t.remove_prefix(2);
    return t;
  };
  auto want = strip_weak(etag);
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = strip_weak(header.substr(0, comma));
    if (item == "*" || item == want)
      return true;
    if (comma == std::string_view::npos)
      break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

// Quoted-string for Content-Disposition, plus RFC 5987 filename* when the name is not ASCII.
std::string disposition(bool attachment, const std::string& name) {
  std::string ascii;
  bool plain = true;
  for (unsigned char ch : name) {
    if (ch < 0x20 || ch >= 0x7f) {
      plain = false;
      ascii += '_';
    } else if (ch == '"' || ch == '\\') {
      ascii += '\\';
      ascii += static_cast<char>(ch);
    } else {
      ascii += static_cast<char>(ch);
    }
  }
  std::string out = attachment ? "attachment" : "inline";
  out += "; filename=\"" + ascii + "\"";
  if (!plain)
    out += "; filename*=UTF-8''" + percent_encode_component(name);
  return out;
}

} // namespace

struct gateway_api::request_state {
  http_request* req = nullptr;
  bool head = false;
  response_format format = response_format::unixfs;
  std::string url_path;          // the decoded request path as the client sent it
  std::string query;             // raw query string, kept for redirects ("" or "?...")
  cid root;
  std::vector<std::string> segments; // decoded path below the root
  bool trailing_slash = false;
  std::string content_path;      // "/ipfs/<root>/a/b" for X-Ipfs-Path
  // Filled by resolution: every CID along the path, root first.
  std::vector<cid> roots;
  cid terminal;
  unixfs::node_info info;
  bool site = false;
  bool only_if_cached = false;
};

gateway_api::gateway_api(block_source& blocks, gateway_options opts)
    : src_(blocks), opts_(std::move(opts)) {}

void gateway_api::handle(http_request& req, response_writer& w) {
  // CORS and OPTIONS are answered around this handler (net/cors).
  if (req.method != "GET" && req.method != "HEAD") {
    w.header("Allow", "GET, HEAD, OPTIONS");
    return send_text(w, 405, "method " + req.method + " is not allowed: the gateway is read-only");
  }

  request_state rq;
  rq.req = &req;
  rq.head = req.method == "HEAD";
  auto q = req.target.find('?');
  if (q != std::string::npos)
    rq.query = req.target.substr(q);
  auto decoded = percent_decode(req.path, false);
  if (!decoded)
    return send_text(w, 400, "invalid path: " + decoded.err().message);
  rq.url_path = *decoded;
  if (rq.url_path.find('\0') != std::string::npos)
    return send_text(w, 400, "invalid path: it contains a NUL byte");

  // Format: ?format= wins over Accept, as the trustless gateway spec says.
  auto fmt = req.query.get("format");
  std::string accept = lower(req.header("Accept"));
  if (fmt) {
    if (*fmt == "raw") rq.format = response_format::raw;
    else if (*fmt == "car") rq.format = response_format::car;
    else if (*fmt == "tar") rq.format = response_format::tar;
    else if (!fmt->empty())
      return send_text(w, 400, "unsupported format \"" + *fmt + "\": use raw, car or tar");
  } else if (accept.find("application/vnd.ipld.raw") != std::string::npos) {
    rq.format = response_format::raw;
  } else if (accept.find("application/vnd.ipld.car") != std::string::npos) {
    rq.format = response_format::car;
  } else if (accept.find("application/x-tar") != std::string::npos) {
    rq.format = response_format::tar;
  }
  rq.only_if_cached = lower(req.header("Cache-Control")).find("only-if-cached") != std::string::npos;

  // A host mapped to a site serves that root at "/"; /ipfs/ paths still work on it.
  auto site = config::find_site(opts_.sites, req.header("Host"));
  std::string_view path = rq.url_path;
  if (site && path.rfind("/ipfs/", 0) != 0) {
    rq.site = true;
    rq.root = site->root;
  } else {
    if (path.rfind("/ipns/", 0) == 0 || path == "/ipns")
      return send_text(w, 501, "IPNS is not supported by this node: request /ipfs/<cid>");
    if (path.rfind("/ipfs/", 0) != 0)
      return send_text(w, 404, "not found: the gateway serves /ipfs/<cid>[/path]");
    path.remove_prefix(6);
    auto slash = path.find('/');
    auto text = path.substr(0, slash);
    auto root = cid::parse(text);
    if (!root)
      return send_text(w, 400, "invalid CID \"" + std::string(text.substr(0, 128)) + "\": " + root.err().message);
    rq.root = *root;
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  rq.trailing_slash = !path.empty() && path.back() == '/';
  while (!path.empty()) {
    auto slash = path.find('/');
    auto seg = path.substr(0, slash);
    if (seg == "." || seg == "..")
      return send_text(w, 400, "invalid path: \".\" and \"..\" segments are not allowed");
    if (!seg.empty())
      rq.segments.emplace_back(seg);
    if (rq.segments.size() > max_segments)
      return send_text(w, 400, "invalid path: more than " + std::to_string(max_segments) + " segments");
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  rq.content_path = "/ipfs/" + rq.root.str();
  for (auto& s : rq.segments)
    rq.content_path += "/" + s;
  if (rq.site)
    return serve_site(rq, w);
  serve(rq, w);
}

// Walks the path one link at a time so X-Ipfs-Roots can list every CID on the way.
static status walk(block_source& src, gateway_api::request_state& rq) {
  rq.roots.assign(1, rq.root);
  rq.terminal = rq.root;
  for (auto& seg : rq.segments) {
    auto next = unixfs::resolve(src, rq.terminal, seg);
    if (!next)
      return next.err();
    rq.terminal = *next;
    rq.roots.push_back(rq.terminal);
  }
  return status::success();
}

void gateway_api::serve(request_state& rq, response_writer& w, unsigned status_code) {
  if (rq.format == response_format::car)
    return serve_car(rq, w); // proves the path itself, block by block
  inline_source src(src_);
  if (auto s = walk(src, rq); !s) {
    if (s.err().code == errc::not_found && rq.only_if_cached)
      return send_text(w, 412, "not in this node's cache: " + s.err().message);
    return send_text(w, status_for(s.err()), "cannot resolve " + rq.content_path + ": " + s.err().message);
  }
  serve_resolved(rq, w, status_code);
}

void gateway_api::serve_resolved(request_state& rq, response_writer& w, unsigned status_code) {
  inline_source src(src_);
  std::string roots;
  for (auto& c : rq.roots)
    roots += (roots.empty() ? "" : ",") + c.str();
  w.header("X-Ipfs-Path", rq.content_path);
  w.header("X-Ipfs-Roots", roots);
  w.header("Vary", "Accept");
  if (rq.format == response_format::raw)
    return serve_raw(rq, w);

  auto info = unixfs::stat(src, rq.terminal);
  if (!info) {
    if (info.err().code == errc::not_found && rq.only_if_cached)
      return send_text(w, 412, "not in this node's cache: " + info.err().message);
    return send_text(w, status_for(info.err()), "cannot read " + rq.content_path + ": " + info.err().message);
  }
  rq.info = *info;
  if (rq.format == response_format::tar)
    return serve_tar(rq, w);
  if (is_dir(info->kind)) {
    if (!rq.trailing_slash) {
      // Relative links in the page resolve against the directory only with the slash.
      auto loc = rq.url_path + "/" + rq.query;
      w.header("Location", loc);
      w.header("Cache-Control", immutable_cache);
      return send_text(w, 301, "moved to " + loc);
    }
    return serve_directory(rq, w, status_code);
  }
  std::string name = rq.segments.empty() ? rq.terminal.str() : rq.segments.back();
  serve_file(rq, w, rq.terminal, name, status_code);
}

void gateway_api::serve_file(request_state& rq, response_writer& w, const cid& file,
                             const std::string& name, unsigned status_code) {
  inline_source src(src_);
  auto& req = *rq.req;
  uint64_t size = rq.info.size;
  if (!(rq.info.id == file)) {
    auto info = unixfs::stat(src, file);
    if (!info)
      return send_text(w, status_for(info.err()), "cannot read " + name + ": " + info.err().message);
    size = info->size;
  }
  std::string etag = "\"" + file.str() + "\"";
  w.header("Etag", etag);
  w.header("Cache-Control", immutable_cache);
  if (status_code == 200 && etag_matches(req.header("If-None-Match"), etag)) {
    w.status(304);
    w.send("", "");
    return;
  }
  auto filename = req.query.get("filename");
  auto download = req.query.get_bool("download", false);
  if (filename || (download.ok() && *download))
    w.header("Content-Disposition", disposition(download.ok() && *download, filename ? *filename : name));

  std::string type;
  if (auto t = web::content_type_for_name(filename ? *filename : name)) {
    type = *t;
  } else {
    std::string head;
    auto s = unixfs::cat(src, file, 0, std::min<uint64_t>(size, web::sniff_length),
                         [&](std::string_view b) { head.append(b); return status::success(); });
    if (!s)
      return send_text(w, status_for(s.err()), "cannot read " + name + ": " + s.err().message);
    type = web::sniff_content_type(head);
  }
  w.header("Content-Type", type);
  w.header("Accept-Ranges", "bytes");

  uint64_t first = 0, length = size;
  if (status_code == 200) {
    auto range = decide_range(req.header("Range"), size);
    if (range.what == range_decision::unsatisfiable) {
      w.header("Content-Range", "bytes */" + std::to_string(size));
      return send_text(w, 416, "requested range not satisfiable: the file has " + std::to_string(size) + " bytes");
    }
    if (range.what == range_decision::partial) {
      first = range.range.first;
      length = range.range.length();
      status_code = 206;
      w.header("Content-Range", "bytes " + std::to_string(range.range.first) + "-" +
                                    std::to_string(range.range.last) + "/" + std::to_string(size));
    }
  }
  w.status(status_code);
  if (!w.begin_fixed(length) || rq.head || length == 0) {
    w.finish();
    return;
  }
  auto s = unixfs::cat(src, file, first, length, [&](std::string_view b) { return w.write(b); });
  if (!s)
    return send_text(w, status_for(s.err()), s.err().message);
  w.finish();
}

void gateway_api::serve_directory(request_state& rq, response_writer& w, unsigned status_code) {
  inline_source src(src_);
  auto index = unixfs::resolve(src, rq.terminal, "index.html");
  if (index) {
    auto info = unixfs::stat(src, *index);
    if (info && !is_dir(info->kind)) {
      rq.info = *info;
      return serve_file(rq, w, *index, "index.html", status_code);
    }
  } else if (index.err().code != errc::not_found) {
    return send_text(w, status_for(index.err()), "cannot read " + rq.content_path + ": " + index.err().message);
  }
  // The page depends on the directory and on how we render it; both are in the tag.
  std::string etag = "\"DirIndex-mantle1_CID-" + rq.terminal.str() + "\"";
  w.header("Etag", etag);
  w.header("Cache-Control", immutable_cache);
  if (status_code == 200 && etag_matches(rq.req->header("If-None-Match"), etag)) {
    w.status(304);
    w.send("", "");
    return;
  }
  w.status(status_code);
  auto entries = unixfs::ls(src, rq.terminal);
  if (!entries)
    return send_text(w, status_for(entries.err()), "cannot list " + rq.content_path + ": " + entries.err().message);
  dir_listing_page page;
  page.url_path = rq.url_path;
  page.content_path = rq.content_path;
  page.dir = rq.terminal;
  page.dir_size = rq.info.size;
  page.has_parent = !rq.segments.empty();
  w.send(render_dir_listing(page, *entries), "text/html; charset=utf-8");
}

void gateway_api::serve_raw(request_state& rq, response_writer& w) {
  inline_source src(src_);
  std::string etag = "\"" + rq.terminal.str() + ".raw\"";
  w.header("Etag", etag);
  w.header("Cache-Control", immutable_cache);
  w.header("X-Content-Type-Options", "nosniff");
  w.header("Content-Disposition", disposition(true, rq.terminal.str() + ".bin"));
  if (etag_matches(rq.req->header("If-None-Match"), etag)) {
    w.status(304);
    w.send("", "");
    return;
  }
  auto s = src.read(rq.terminal, [&](std::string_view bytes) {
    return w.send(bytes, "application/vnd.ipld.raw");
  });
  if (!s) {
    if (s.err().code == errc::not_found && rq.only_if_cached)
      return send_text(w, 412, "not in this node's cache: " + s.err().message);
    send_text(w, status_for(s.err()), "cannot read block " + rq.terminal.str() + ": " + s.err().message);
  }
}

void gateway_api::serve_car(request_state& rq, response_writer& w) {
  inline_source src(src_);
  auto& req = *rq.req;
  car::car_query q{req.query.get("dag-scope"), req.query.get("entity-bytes"), req.query.get("car-version"),
                   req.query.get("car-order"), req.query.get("car-dups")};
  auto params = car::parse_car_params(q, req.header("Accept"));
  if (!params)
    return send_text(w, params.err().code == errc::unsupported ? 406 : 400, params.err().message);
  std::string path;
  for (auto& seg : rq.segments)
    path += (path.empty() ? "" : "/") + seg;
  // The bytes depend on the path and on every parameter: all of them go into the tag.
  std::string variant = path + '|' + car::scope_name(params->scope) + '|' + (params->dups ? "y" : "n");
  if (params->range)
    variant += '|' + std::to_string(params->range->from) + ':' +
               (params->range->to ? std::to_string(*params->range->to) : "*");
  uint64_t h = 1469598103934665603ull; // FNV-1a: a short, stable tag suffix, not security
  for (unsigned char ch : variant)
    h = (h ^ ch) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  std::string etag = "\"" + rq.root.str() + ".car." + hex + "\"";
  w.header("X-Ipfs-Path", rq.content_path);
  w.header("Vary", "Accept");
  w.header("Etag", etag);
  w.header("Cache-Control", immutable_cache);
  w.header("X-Content-Type-Options", "nosniff");
  w.header("Content-Disposition", disposition(true, rq.root.str() + ".car"));
  w.header("Content-Type", car::car_content_type(*params));
  if (etag_matches(req.header("If-None-Match"), etag)) {
    w.status(304);
    w.send("", "");
    return;
  }
  if (rq.head) {
    w.begin_chunked();
    w.finish();
    return;
  }
  // The status goes out with the first CAR byte, so a missing root or a bad range found
  // before it is still a proper 404/400.
  auto done = car::export_car_scoped(src, rq.root, path, *params,
                                     [&](std::string_view b) { return w.write(b); });
  if (!done) {
    if (!w.started() && done.err().code == errc::not_found && rq.only_if_cached)
      return send_text(w, 412, "not in this node's cache: " + done.err().message);
    return send_text(w, status_for(done.err()), "cannot export " + rq.content_path + ": " + done.err().message);
  }
  w.finish();
}

void gateway_api::serve_tar(request_state& rq, response_writer& w) {
  inline_source src(src_);
  std::string name = rq.segments.empty() ? rq.terminal.str() : rq.segments.back();
  std::string etag = "\"" + rq.terminal.str() + ".x-tar\"";
  w.header("Etag", etag);
  w.header("Cache-Control", immutable_cache);
  w.header("Content-Disposition", disposition(true, name + ".tar"));
  w.header("Content-Type", "application/x-tar");
  if (etag_matches(rq.req->header("If-None-Match"), etag)) {
    w.status(304);
    w.send("", "");
    return;
  }
  if (!w.begin_chunked() || rq.head) {
    w.finish();
    return;
  }
  auto s = unixfs::write_tar(src, rq.terminal, name, [&](std::string_view b) { return w.write(b); });
  if (!s)
    return send_text(w, status_for(s.err()), s.err().message);
  w.finish();
}

// A site answers what exists as is; only a missing path goes through _redirects.
void gateway_api::serve_site(request_state& rq, response_writer& w) {
  inline_source src(src_);
  auto exists = [&](std::string_view p) { return unixfs::resolve(src, rq.root, p).ok(); };
  std::string path = "/";
  for (auto& seg : rq.segments)
    path += (path.size() > 1 ? "/" : "") + seg;
  if (rq.format != response_format::unixfs || exists(path))
    return serve(rq, w);
  std::optional<std::string> redirects;
  if (auto file = unixfs::resolve(src, rq.root, "_redirects"); file) {
    // Read one byte past the parser's limit so an oversized file is reported, not truncated.
    std::string text;
    auto s = unixfs::cat(src, *file, 0, web::max_redirects_file_size + 1, [&](std::string_view b) {
      text.append(b);
      return status::success();
    });
    if (!s)
      return send_text(w, status_for(s.err()), "cannot read _redirects: " + s.err().message);
    redirects = std::move(text);
  }
  auto d = web::route_site_request(path, exists, redirects);
  auto retarget = [&](const std::string& p) {
    rq.segments.clear();
    std::string_view rest = p;
    while (!rest.empty()) {
      auto slash = rest.find('/');
      if (auto seg = rest.substr(0, slash); !seg.empty())
        rq.segments.emplace_back(seg);
      if (slash == std::string_view::npos)
        break;
      rest.remove_prefix(slash + 1);
    }
    rq.trailing_slash = true; // a rewritten directory serves its index, never a redirect
    rq.content_path = "/ipfs/" + rq.root.str();
    for (auto& seg : rq.segments)
      rq.content_path += "/" + seg;
  };
  switch (d.action) {
    case web::site_action::serve:
      return serve(rq, w);
    case web::site_action::rewrite:
      retarget(d.path);
      return serve(rq, w);
    case web::site_action::status_page:
      retarget(d.path);
      return serve(rq, w, static_cast<unsigned>(d.status));
    case web::site_action::redirect:
      w.header("Location", d.location);
      return send_text(w, static_cast<unsigned>(d.status), "moved to " + d.location);
    case web::site_action::not_found:
      return send_text(w, 404, "not found: " + path);
    case web::site_action::error:
      return send_text(w, 500, d.message);
  }
}

} // namespace mantle
