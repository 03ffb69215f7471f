// What the gateway does with a request path on a web site root (a --site host, DNSLink or
// subdomain origin), following the Web _redirects File spec: a path that exists is always
// served as is ("no forced redirects"); only a missing path consults the `_redirects` file at
// the site root, whose first matching rule rewrites, redirects or serves a custom error page.
// Pure decision logic: the caller looks paths up and reads `_redirects` itself.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mantle::web {

enum class site_action {
  serve,       // serve `path` (the request's path) with 200
  rewrite,     // serve `path` (a rule's target) with 200; the URL in the browser stays
  redirect,    // reply `status` (301..308) with `location`, no body needed
  status_page, // serve the file at `path` with `status` (404, 410 or 451)
  not_found,   // nothing exists and no rule matched: the gateway's plain 404
  error,       // `status` 500: `_redirects` is unusable or a rule points at nothing; `message` says why
};
const char* action_name(site_action a);

struct site_decision {
  site_action action = site_action::not_found;
  int status = 404;
  std::string path;     // serve, rewrite, status_page: a path below the site root, starting with '/'
  std::string location; // redirect: the Location header value (a path or an http(s) URL)
  std::string message;  // error: for the response body and the log
  size_t rule_line = 0; // the _redirects line that decided, 0 when none did
};

// True when `path` (below the site root, starting with '/', no query) names a file or directory.
using path_exists_fn = std::function<bool(std::string_view path)>;

// `request_path` is the decoded URL path below the site root (a "?query" is ignored).
// `redirects_text` is the content of the root's `_redirects` file, nullopt when there is none.
// `exists` is called only for the request path and for a matching rule's target.
site_decision route_site_request(std::string_view request_path, const path_exists_fn& exists,
                                 const std::optional<std::string>& redirects_text);

// Percent-encodes what may not appear raw in a Location header (controls, space, non-ASCII).
std::string encode_location(std::string_view target);

} // namespace mantle::web
