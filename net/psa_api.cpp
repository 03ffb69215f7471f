#include "net/psa_api.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "net/psa_pinner.hpp"
#include "storage/cid.hpp"
#include "storage/rfc3339.hpp"

namespace mantle {

using nlohmann::json;
using psa::pin_status;
using psa::request_record;

namespace {

std::string dump(const json& j) {
  // Replace, never throw, on invalid UTF-8 (details may echo client bytes).
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void send_json(response_writer& w, unsigned code, const json& body) {
  w.status(code);
  w.send(dump(body) + "\n", "application/json");
}

void send_error(response_writer& w, unsigned code, std::string reason, std::string details) {
  if (code == 401)
    w.header("WWW-Authenticate", "Bearer");
  send_json(w, code, json{{"error", {{"reason", std::move(reason)}, {"details", std::move(details)}}}});
}

void bad_request(response_writer& w, const std::string& details) {
  send_error(w, 400, "BAD_REQUEST", details);
}

void internal(response_writer& w, const error& e) {
  send_error(w, 500, "INTERNAL_SERVER_ERROR", e.describe());
}

json pin_status_json(const request_record& r) {
  json pin = {{"cid", r.cid}};
  if (!r.name.empty())
    pin["name"] = r.name;
  pin["origins"] = r.origins;
  pin["meta"] = json::object();
  for (auto& [k, v] : r.meta)
    pin["meta"][k] = v;
  json info = json::object();
  for (auto& [k, v] : r.info)
    info[k] = v;
  return json{{"requestid", r.requestid}, {"status", psa::to_string(r.status)},
              {"created", format_rfc3339_ms(r.created_ms)}, {"pin", std::move(pin)},
              {"delegates", r.delegates}, {"info", std::move(info)}};
}

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (auto& v : values) {
    size_t start = 0;
    for (;;) {
      auto comma = v.find(',', start);
      std::string part = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty())
        out.push_back(part);
      if (comma == std::string::npos)
        break;
      start = comma + 1;
    }
  }
  return out;
}

std::string shorten(const std::string& s) { return s.size() > 100 ? s.substr(0, 100) + "..." : s; }

// Canonical string of a client's CID, or a 400-worthy error.
result<std::string> canonical_cid(const std::string& text) {
  auto c = cid::parse(text);
  if (!c)
    return make_error(errc::invalid_input, "invalid CID '" + shorten(text) + "': " + c.err().message);
  return c->str();
}

// Pin object from a request body: {cid, name?, origins?, meta?}.
result<request_record> parse_pin(const std::string& body) {
  auto bad = [](std::string why) { return make_error(errc::invalid_input, std::move(why)); };
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded())
    return bad("request body is not valid JSON");
  if (!j.is_object())
    return bad("request body must be a Pin object");
  request_record r;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "cid") {
      if (!v.is_string())
        return bad("'cid' must be a string");
      auto c = canonical_cid(v.get<std::string>());
      if (!c)
        return c.err();
      r.cid = *c;
    } else if (key == "name") {
      if (v.is_null())
        continue;
      if (!v.is_string())
        return bad("'name' must be a string");
      r.name = v.get<std::string>();
      if (r.name.size() > psa_api::max_name)
        return bad("'name' is longer than 255 characters");
    } else if (key == "origins") {
      if (v.is_null())
        continue;
      if (!v.is_array())
        return bad("'origins' must be an array of multiaddrs");
      if (v.size() > psa_api::max_origins)
        return bad("'origins' has more than 20 entries");
      for (auto& o : v) {
        if (!o.is_string() || o.get<std::string>().empty() || o.get<std::string>()[0] != '/' ||
            o.get<std::string>().size() > 1024)
          return bad("'origins' entries must be multiaddr strings (starting with '/')");
        for (auto& seen : r.origins)
          if (seen == o.get<std::string>())
            return bad("'origins' entries must be unique");
        r.origins.push_back(o.get<std::string>());
      }
    } else if (key == "meta") {
      if (v.is_null())
        continue;
      if (!v.is_object())
        return bad("'meta' must be an object of strings");
      if (v.size() > psa_api::max_meta)
        return bad("'meta' has more than 1000 entries");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          return bad("'meta' values must be strings (key '" + shorten(m.key()) + "')");
        r.meta[m.key()] = m.value().get<std::string>();
      }
    }
    // Unknown fields are ignored, as OpenAPI objects allow.
  }
  if (r.cid.empty())
    return bad("'cid' is required");
  return r;
}

// GET /pins query -> filters; any malformed parameter is an error.
result<psa::request_query> parse_query(const query_args& q) {
  auto bad = [](std::string why) { return make_error(errc::invalid_input, std::move(why)); };
  psa::request_query out;
  for (auto& [k, v] : q.items())
    if (k != "cid" && k != "name" && k != "match" && k != "status" && k != "before" &&
        k != "after" && k != "limit" && k != "meta")
      return bad("unknown query parameter '" + shorten(k) + "'");
  auto single = [&](const char* key) -> result<std::optional<std::string>> {
    auto all = q.get_all(key);
    if (all.size() > 1)
      return bad(std::string("query parameter '") + key + "' is given more than once");
    if (all.empty())
      return std::optional<std::string>{};
    return std::optional<std::string>{all.front()};
  };
  auto cids = split_commas(q.get_all("cid"));
  if (cids.size() > psa_api::max_cid_filter)
    return bad("'cid' lists more than 10 CIDs");
  for (auto& c : cids) {
    auto canon = canonical_cid(c);
    if (!canon)
      return canon.err();
    out.cids.push_back(*canon);
  }
  auto name = single("name");
  if (!name)
    return name.err();
  if (*name) {
    if ((*name)->size() > psa_api::max_name)
      return bad("'name' is longer than 255 characters");
    out.name = **name;
  }
  auto match = single("match");
  if (!match)
    return match.err();
  if (*match) {
    auto m = psa::parse_text_match(**match);
    if (!m)
      return bad("'match' must be exact, iexact, partial or ipartial");
    out.match = *m;
  }
  auto statuses = split_commas(q.get_all("status"));
  for (auto& s : statuses) {
    auto st = psa::parse_status(s);
    if (!st)
      return bad("unknown status '" + shorten(s) + "' (queued, pinning, pinned or failed)");
    out.statuses.push_back(*st);
  }
  if (q.has("status") && statuses.empty())
    return bad("'status' is empty");
  if (out.statuses.empty())
    out.statuses.push_back(pin_status::pinned); // the spec's default
  for (auto [key, slot] : {std::pair{"before", &out.before_ms}, std::pair{"after", &out.after_ms}}) {
    auto t = single(key);
    if (!t)
      return t.err();
    if (*t) {
      auto ms = parse_rfc3339_ms(**t);
      if (!ms)
        return bad(std::string("'") + key + "': " + ms.err().message);
      *slot = *ms;
    }
  }
  auto limit = single("limit");
  if (!limit)
    return limit.err();
  if (*limit) {
    const std::string& l = **limit;
    bool digits = !l.empty() && l.size() <= 7;
    for (char c : l)
      digits = digits && std::isdigit(static_cast<unsigned char>(c));
    size_t n = digits ? std::stoul(l) : 0;
    if (!digits || n < 1 || n > psa_api::max_limit)
      return bad("'limit' must be an integer from 1 to 1000");
    out.limit = n;
  }
  auto meta = single("meta");
  if (!meta)
    return meta.err();
  if (*meta) {
    json j = json::parse(**meta, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return bad("'meta' must be a JSON object of strings");
    for (auto m = j.begin(); m != j.end(); ++m) {
      if (!m.value().is_string())
        return bad("'meta' values must be strings");
      out.meta[m.key()] = m.value().get<std::string>();
    }
  }
  return out;
}

// "Bearer <token>" (scheme case-insensitive); empty if the header has another shape.
std::string bearer_token(const http_request& r) {
  std::string h = r.header("Authorization");
  if (h.size() < 8)
    return {};
  std::string scheme = h.substr(0, 7);
  for (auto& c : scheme)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "bearer ")
    return {};
  size_t start = h.find_first_not_of(' ', 7);
  if (start == std::string::npos)
    return {};
  std::string token = h.substr(start);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t'))
    token.pop_back();
  return token;
}

} // namespace

psa_api::psa_api(node_backend& node, psa::psa_store& store, std::function<void()> wake,
                 std::string prefix)
  : node_(node), store_(store), wake_(std::move(wake)), prefix_(std::move(prefix)) {}

void psa_api::handle(http_request& r, response_writer& w) {
  // Authentication comes first: without a valid token nothing is read, written or revealed.
  std::string token = bearer_token(r);
  if (token.empty()) {
    send_error(w, 401, "UNAUTHORIZED", "an access token is required: Authorization: Bearer <token>");
    return;
  }
  auto who = store_.authenticate(token);
  if (!who) {
    internal(w, who.err());
    return;
  }
  if (!*who) {
    send_error(w, 401, "UNAUTHORIZED", "the access token is not valid");
    return;
  }
  std::string rest = r.path.substr(std::min(prefix_.size(), r.path.size()));
  if (rest == "/pins") {
    if (r.method == "GET" || r.method == "HEAD")
      return list(r, w);
    if (r.method == "POST")
      return add(r, w);
    w.header("Allow", "GET, POST");
    return send_error(w, 405, "METHOD_NOT_ALLOWED", "use GET or POST on /pins");
  }
  const std::string pins = "/pins/";
  if (rest.size() > pins.size() && rest.compare(0, pins.size(), pins) == 0 &&
      rest.find('/', pins.size()) == std::string::npos) {
    std::string id = rest.substr(pins.size());
    if (r.method == "GET" || r.method == "HEAD")
      return get(id, w);
    if (r.method == "POST")
      return replace(id, r, w);
    if (r.method == "DELETE")
      return remove(id, w);
    w.header("Allow", "GET, POST, DELETE");
    return send_error(w, 405, "METHOD_NOT_ALLOWED", "use GET, POST or DELETE on /pins/{requestid}");
  }
  send_error(w, 404, "NOT_FOUND", "no such endpoint: " + shorten(r.path));
}

void psa_api::list(http_request& r, response_writer& w) {
  auto q = parse_query(r.query);
  if (!q)
    return bad_request(w, q.err().message);
  auto found = store_.find(*q);
  if (!found)
    return internal(w, found.err());
  json results = json::array();
  for (auto& rec : found->results)
    results.push_back(pin_status_json(rec));
  send_json(w, 200, json{{"count", found->count}, {"results", std::move(results)}});
}

std::optional<request_record> psa_api::queue_from_body(http_request& r, response_writer& w) {
  auto body = r.read_body_all(max_body);
  if (!body) {
    bad_request(w, body.err().message);
    return std::nullopt;
  }
  auto pin = parse_pin(*body);
  if (!pin) {
    bad_request(w, pin.err().message);
    return std::nullopt;
  }
  pin->status = pin_status::queued;
  pin->created_ms = now_unix_ms();
  pin->delegates = node_.identity().addresses;
  auto stored = store_.create(std::move(*pin));
  if (!stored) {
    internal(w, stored.err());
    return std::nullopt;
  }
  return std::move(*stored);
}

void psa_api::add(http_request& r, response_writer& w) {
  auto stored = queue_from_body(r, w);
  if (!stored)
    return;
  if (wake_)
    wake_();
  send_json(w, 202, pin_status_json(*stored));
}

void psa_api::get(const std::string& id, response_writer& w) {
  auto rec = store_.get(id);
  if (!rec)
    return internal(w, rec.err());
  if (!*rec)
    return send_error(w, 404, "NOT_FOUND", "no pin request with id '" + shorten(id) + "'");
  send_json(w, 200, pin_status_json(**rec));
}

void psa_api::replace(const std::string& id, http_request& r, response_writer& w) {
  auto old = store_.get(id);
  if (!old)
    return internal(w, old.err());
  if (!*old)
    return send_error(w, 404, "NOT_FOUND", "no pin request with id '" + shorten(id) + "'");
  // The new request exists before the old one goes, so a crash in between loses nothing.
  auto stored = queue_from_body(r, w);
  if (!stored)
    return;
  auto gone = store_.remove(id);
  if (!gone)
    return internal(w, gone.err());
  if (*gone)
    if (auto s = release(**old); !s)
      return internal(w, s.err());
  if (wake_)
    wake_();
  send_json(w, 202, pin_status_json(*stored));
}

void psa_api::remove(const std::string& id, response_writer& w) {
  auto old = store_.get(id);
  if (!old)
    return internal(w, old.err());
  if (!*old)
    return send_error(w, 404, "NOT_FOUND", "no pin request with id '" + shorten(id) + "'");
  auto gone = store_.remove(id);
  if (!gone)
    return internal(w, gone.err());
  if (!*gone)
    return send_error(w, 404, "NOT_FOUND", "no pin request with id '" + shorten(id) + "'");
  if (auto s = release(**old); !s)
    return internal(w, s.err());
  w.status(202);
  w.send("", "text/plain; charset=utf-8");
}

status psa_api::release(const request_record& gone) { return psa::release_pin(node_, store_, gone); }

} // namespace mantle
