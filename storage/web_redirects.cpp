#include "storage/web_redirects.hpp"

#include <utility>

namespace mantle::web {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i]))
      ++i;
    size_t start = i;
    while (i < line.size() && !is_space(line[i]))
      ++i;
    if (i > start)
      out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::vector<std::string_view> split_segments(std::string_view path) {
  // path starts with '/'; "/a/b" -> {"a", "b"}, "/" -> {}
  std::vector<std::string_view> out;
  size_t i = 1;
  while (i <= path.size() && path.size() > 1) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos)
      j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string_view strip_trailing_slashes(std::string_view p) {
  while (p.size() > 1 && p.back() == '/')
    p.remove_suffix(1);
  return p;
}

error line_error(size_t line, const std::string& what) {
  return make_error(errc::invalid_input, "_redirects line " + std::to_string(line) + ": " + what);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Checks the shape of `from`: placeholders name whole segments, a splat only as the last one.
std::optional<std::string> check_from(std::string_view from) {
  if (from.empty() || from[0] != '/')
    return std::string("'from' must start with '/': ") + std::string(from);
  auto segs = split_segments(from);
  for (size_t i = 0; i < segs.size(); ++i) {
    auto s = segs[i];
    if (s.find('*') != std::string_view::npos && (s != "*" || i + 1 != segs.size()))
      return "'*' (splat) may only be the whole last segment of 'from': " + std::string(from);
    if (!s.empty() && s[0] == ':') {
      if (s.size() == 1)
        return "placeholder without a name in 'from': " + std::string(from);
      for (char c : s.substr(1))
        if (!is_name_char(c))
          return "placeholder names use letters, digits and '_': " + std::string(s);
      if (s == ":splat")
        return "':splat' is reserved for the trailing '*': " + std::string(from);
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_to(std::string_view to, int status) {
  if (!to.empty() && to[0] == '/')
    return std::nullopt;
  bool url = starts_with(to, "http://") || starts_with(to, "https://");
  if (!url)
    return "'to' must be a path starting with '/' or an http(s) URL: " + std::string(to);
  if (is_served_status(status))
    return "status " + std::to_string(status) + " serves a file of this site, so 'to' must be a path: " +
           std::string(to);
  return std::nullopt;
}

struct param {
  std::string_view name;
  std::string_view value;
};

// Replaces every ":name" in `to` that names a captured placeholder (longest name wins, so
// ":year" never eats the start of ":yearly"); other text, unknown names included, stays.
std::string substitute(std::string_view to, const std::vector<param>& params) {
  std::string out;
  out.reserve(to.size());
  size_t i = 0;
  while (i < to.size()) {
    if (to[i] == ':') {
      size_t j = i + 1;
      while (j < to.size() && is_name_char(to[j]))
        ++j;
      auto name = to.substr(i + 1, j - i - 1);
      const param* hit = nullptr;
      for (auto& p : params)
        if (p.name == name)
          hit = &p;
      if (hit && !name.empty()) {
        out.append(hit->value);
        i = j;
        continue;
      }
    }
    out.push_back(to[i]);
    ++i;
  }
  return out;
}

// Segment-wise match of a normalized path against a rule's `from`.
bool match_rule(const redirect_rule& r, std::string_view path, std::vector<param>& params) {
  params.clear();
  auto pat = split_segments(r.from);
  auto segs = split_segments(path);
  bool splat = !pat.empty() && pat.back() == "*";
  size_t fixed = splat ? pat.size() - 1 : pat.size();
  if (splat ? segs.size() < fixed : segs.size() != fixed)
    return false;
  for (size_t i = 0; i < fixed; ++i) {
    if (pat[i].size() > 1 && pat[i][0] == ':') {
      if (segs[i].empty())
        return false;
      params.push_back({pat[i].substr(1), segs[i]});
    } else if (pat[i] != segs[i]) {
      return false;
    }
  }
  if (splat) {
    // The rest of the path after the fixed segments, without its leading '/'.
    size_t pos = 0;
    for (size_t i = 0; i < fixed; ++i)
      pos += 1 + segs[i].size();
    auto rest = path.substr(std::min(pos, path.size()));
    if (!rest.empty() && rest[0] == '/')
      rest.remove_prefix(1);
    params.push_back({"splat", rest});
  }
  return true;
}

} // namespace

bool is_redirect_status(int s) {
  return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

bool is_served_status(int s) {
  return s == 200 || s == 404 || s == 410 || s == 451;
}

bool is_supported_status(int s) {
  return is_redirect_status(s) || is_served_status(s);
}

result<std::vector<redirect_rule>> parse_redirects(std::string_view text) {
  if (text.size() > max_redirects_file_size)
    return make_error(errc::invalid_input, "_redirects is " + std::to_string(text.size()) +
                                               " bytes; the limit is " +
                                               std::to_string(max_redirects_file_size));
  std::vector<redirect_rule> rules;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos)
      nl = text.size();
    auto line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    for (char c : line) {
      auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f)
        return line_error(line_no, "control character in line");
    }
    auto fields = split_fields(line);
    if (fields.empty() || fields[0][0] == '#')
      continue;
    if (fields.size() < 2)
      return line_error(line_no, "missing 'to': expected 'from to [status]'");
    if (fields.size() > 3)
      return line_error(line_no, "too many fields: expected 'from to [status]'");
    redirect_rule r;
    r.line = line_no;
    if (fields.size() == 3) {
      auto s = fields[2];
      if (s.back() == '!')
        return line_error(line_no, "forced rules ('" + std::string(s) +
                                       "') are not supported: rules apply only to missing paths");
      if (s.size() != 3 || s.find_first_not_of("0123456789") != std::string_view::npos)
        return line_error(line_no, "status must be a 3-digit number: " + std::string(s));
      r.status = std::stoi(std::string(s));
      if (!is_supported_status(r.status))
        return line_error(line_no, "unsupported status " + std::string(s) +
                                       " (use 200, 301, 302, 303, 307, 308, 404, 410 or 451)");
    }
    if (auto bad = check_from(fields[0]))
      return line_error(line_no, *bad);
    if (auto bad = check_to(fields[1], r.status))
      return line_error(line_no, *bad);
    r.from = std::string(strip_trailing_slashes(fields[0]));
    r.to = std::string(fields[1]);
    rules.push_back(std::move(r));
  }
  return rules;
}

std::optional<redirect_match> match_redirects(const std::vector<redirect_rule>& rules,
                                              std::string_view request_path) {
  auto cut = request_path.find_first_of("?#");
  if (cut != std::string_view::npos)
    request_path = request_path.substr(0, cut);
  std::string path = request_path.empty() || request_path[0] != '/' ? "/" + std::string(request_path)
                                                                      : std::string(request_path);
  auto norm = strip_trailing_slashes(path);
  std::vector<param> params;
  for (auto& r : rules) {
    if (!match_rule(r, norm, params))
      continue;
    std::string to = substitute(r.to, params);
    if (r.to[0] == '/') {
      // A captured segment may start with '/' or '\' ("/go//evil.example"); a Location of
      // "//evil.example" would leave the site, so a path target keeps exactly one leading '/'.
      size_t lead = to.find_first_not_of("/\\");
      to = "/" + (lead == std::string::npos ? std::string() : to.substr(lead));
    }
    return redirect_match{std::move(to), r.status, r.line};
  }
  return std::nullopt;
}

} // namespace mantle::web
