// The `_redirects` file of a web site hosted on a subdomain or DNSLink gateway (IPFS "Web
// _redirects File" spec): one rule per line, `from to [status]`, `#` comments, `:name`
// placeholders and a trailing `*` splat in `from` that are substituted into `to`.
// The file is untrusted input from whoever published the site, so parsing is strict: anything
// the spec does not define is an error naming its line, which the gateway shows with a 500.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "storage/result.hpp"

namespace mantle::web {

// The spec caps the file at 64 KiB so that evaluating it stays cheap on every 404.
constexpr size_t max_redirects_file_size = 64 * 1024;
constexpr int default_redirect_status = 301;

struct redirect_rule {
  std::string from; // starts with '/', trailing '/' removed (except for "/" itself)
  std::string to;   // a path starting with '/', or an http(s) URL for 3xx redirects
  int status = default_redirect_status;
  size_t line = 0; // 1-based line in the file, for messages
};

// 200 rewrites and the 4xx statuses serve content from the site; 3xx send a Location.
bool is_redirect_status(int status);     // 301 302 303 307 308
bool is_served_status(int status);       // 200 404 410 451
bool is_supported_status(int status);    // either of the above

// Whole file -> rules in file order. errc::invalid_input with "line N: ..." for a bad line,
// or for a file above max_redirects_file_size. Lines end with "\n" or "\r\n".
result<std::vector<redirect_rule>> parse_redirects(std::string_view text);

struct redirect_match {
  std::string to; // rule.to with placeholders and :splat substituted
  int status = default_redirect_status;
  size_t line = 0; // the rule that matched
};

// First rule matching `request_path` (the decoded URL path below the site root, starting with
// '/'). Matching uses the path alone: a "?query" or "#fragment" is cut off first, and a trailing
// '/' is ignored, so "/a/" and "/a?x=1" both match a rule for "/a". nullopt when none matches.
// A path target never starts with more than one '/' after substitution, so captured text
// cannot turn it into a protocol-relative URL to another host.
std::optional<redirect_match> match_redirects(const std::vector<redirect_rule>& rules,
                                              std::string_view request_path);

} // namespace mantle::web
