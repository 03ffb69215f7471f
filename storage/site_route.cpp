#include "storage/site_route.hpp"

#include "storage/web_redirects.hpp"

namespace mantle::web {

namespace {

std::string_view without_query(std::string_view p) {
  auto cut = p.find_first_of("?#");
  return cut == std::string_view::npos ? p : p.substr(0, cut);
}

std::string rooted(std::string_view p) {
  if (p.empty() || p[0] != '/')
    return "/" + std::string(p);
  return std::string(p);
}

site_decision failure(std::string message, size_t line) {
  site_decision d;
  d.action = site_action::error;
  d.status = 500;
  d.message = std::move(message);
  d.rule_line = line;
  return d;
}

} // namespace

const char* action_name(site_action a) {
  switch (a) {
    case site_action::serve: return "serve";
    case site_action::rewrite: return "rewrite";
    case site_action::redirect: return "redirect";
    case site_action::status_page: return "status_page";
    case site_action::not_found: return "not_found";
    case site_action::error: return "error";
  }
  return "?";
}

std::string encode_location(std::string_view target) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(target.size());
  for (char c : target) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
        c == '`' || c == '{' || c == '|' || c == '}') {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

site_decision route_site_request(std::string_view request_path, const path_exists_fn& exists,
                                 const std::optional<std::string>& redirects_text) {
  std::string path = rooted(without_query(request_path));
  site_decision d;
  // The spec forbids forced rules: whatever exists in the DAG wins over every rule.
  if (exists(path)) {
    d.action = site_action::serve;
    d.status = 200;
    d.path = path;
    return d;
  }
  if (!redirects_text)
    return d; // not_found
  auto rules = parse_redirects(*redirects_text);
  if (!rules)
    return failure(rules.err().message, 0);
  auto m = match_redirects(*rules, path);
  if (!m)
    return d; // not_found
  d.rule_line = m->line;
  if (is_redirect_status(m->status)) {
    d.action = site_action::redirect;
    d.status = m->status;
    d.location = encode_location(m->to);
    return d;
  }
  // 200 and 4xx serve a file of this site; rules are applied once, so no rewrite loops.
  std::string target = rooted(without_query(m->to));
  if (!exists(target))
    return failure("_redirects line " + std::to_string(m->line) + ": " + target +
                       " (the target for status " + std::to_string(m->status) + ") does not exist",
                   m->line);
  d.action = m->status == 200 ? site_action::rewrite : site_action::status_page;
  d.status = m->status;
  d.path = std::move(target);
  return d;
}

} // namespace mantle::web
