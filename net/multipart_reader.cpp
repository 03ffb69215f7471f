#include "net/multipart_reader.hpp"
#include <strings.h>
#include <algorithm>
#include <cctype>
#include "net/url_codec.hpp"

namespace mantle {
namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parameters of a header like `form-data; name="file"; filename="a%2Fb"` (RFC 2183/7578).
// Returns the disposition type and fills params (lower-cased keys).
result<std::string> parse_params(std::string_view v,
                                 std::vector<std::pair<std::string, std::string>>& params) {
  size_t semi = v.find(';');
  std::string type(trim(v.substr(0, semi)));
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  size_t i = semi == std::string_view::npos ? v.size() : semi + 1;
  while (i < v.size()) {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t' || v[i] == ';')) ++i;
    if (i >= v.size()) break;
    size_t eq = v.find('=', i);
    if (eq == std::string_view::npos)
      return error{errc::invalid_input, "malformed header parameter in '" + std::string(v) + "'"};
    std::string key(trim(v.substr(i, eq - i)));
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    i = eq + 1;
    std::string val;
    if (i < v.size() && v[i] == '"') {
      ++i;
      bool closed = false;
      while (i < v.size()) {
        char c = v[i++];
        if (c == '\\' && i < v.size()) {
          val.push_back(v[i++]);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          val.push_back(c);
        }
      }
      if (!closed)
        return error{errc::invalid_input, "unterminated quoted string in '" + std::string(v) + "'"};
    } else {
      size_t end = v.find(';', i);
      if (end == std::string_view::npos) end = v.size();
      val = std::string(trim(v.substr(i, end - i)));
      i = end;
    }
    params.emplace_back(std::move(key), std::move(val));
  }
  return type;
}
} // namespace

std::string multipart_part::header(std::string_view n) const {
  for (auto& kv : headers)
    if (iequals(kv.first, n)) return kv.second;
  return {};
}

result<std::string> multipart_reader::boundary_of(std::string_view content_type) {
  std::vector<std::pair<std::string, std::string>> params;
  auto type = parse_params(content_type, params);
  if (!type.ok()) return type.err();
  if (type.value().rfind("multipart/", 0) != 0)
    return error{errc::invalid_input,
                 "expected a multipart request body, got Content-Type '" + std::string(content_type) + "'"};
  for (auto& kv : params) {
    if (kv.first != "boundary") continue;
    if (kv.second.empty() || kv.second.size() > 200)
      return error{errc::invalid_input, "multipart boundary must be 1 to 200 characters"};
    return kv.second;
  }
  return error{errc::invalid_input, "multipart Content-Type has no boundary parameter"};
}

multipart_reader::multipart_reader(std::string boundary, multipart_callbacks cb,
                                   multipart_limits limits)
    : delim_("\r\n--" + boundary), cb_(std::move(cb)), lim_(limits) {
  // The first delimiter may start the body without a CRLF before it: pretend there was one.
  buf_ = "\r\n";
}

status multipart_reader::fail(std::string msg) {
  state_ = st::failed;
  err_ = error{errc::invalid_input, std::move(msg)};
  return err_;
}

status multipart_reader::parse_headers(std::string_view block) {
  multipart_part part;
  size_t i = 0;
  while (i < block.size()) {
    size_t eol = block.find("\r\n", i);
    if (eol == std::string_view::npos) eol = block.size();
    std::string_view line = block.substr(i, eol - i);
    i = eol + 2;
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0)
      return fail("malformed multipart header line '" + std::string(line.substr(0, 100)) + "'");
    part.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                              std::string(trim(line.substr(colon + 1))));
  }
  std::string disp = part.header("Content-Disposition");
  if (disp.empty()) return fail("multipart part " + std::to_string(parts_ + 1) + " has no Content-Disposition");
  std::vector<std::pair<std::string, std::string>> params;
  auto type = parse_params(disp, params);
  if (!type.ok()) return fail(type.err().message);
  for (auto& kv : params) {
    if (kv.first == "name") {
      part.name = kv.second;
    } else if (kv.first == "filename") {
      auto dec = percent_decode(kv.second, true);
      if (!dec.ok()) return fail("multipart filename: " + dec.err().message);
      part.filename = std::move(dec.value());
    }
  }
  part.content_type = part.header("Content-Type");
  {
    // Parameters after the media type (charset ...) do not change what the part is.
    auto semi = part.content_type.find(';');
    part.content_type = std::string(trim(std::string_view(part.content_type).substr(0, semi)));
    std::transform(part.content_type.begin(), part.content_type.end(), part.content_type.begin(),
                   [](unsigned char c) { return std::tolower(c); });
  }
  std::string abspath = part.header("Abspath");
  if (!abspath.empty()) {
    auto dec = percent_decode(abspath, false);
    part.abspath = dec.ok() ? dec.value() : abspath;
  }
  if (++parts_ > lim_.max_parts)
    return fail("multipart body has more than " + std::to_string(lim_.max_parts) + " parts");
  in_part_ = true;
  if (cb_.on_part_begin) {
    auto s = cb_.on_part_begin(part);
    if (!s.ok()) {
      state_ = st::failed;
      err_ = s.err();
      return s;
    }
  }
  return status::success();
}

// One state transition over buf_[pos_..]; sets progressed if it consumed input.
status multipart_reader::step(bool& progressed) {
  progressed = false;
  std::string_view in = src_;
  in.remove_prefix(pos_);
  switch (state_) {
  case st::preamble: {
    size_t at = in.find(delim_);
    if (at == std::string_view::npos) {
      size_t keep = std::min(in.size(), delim_.size() - 1);
      preamble_seen_ += in.size() - keep;
      pos_ += in.size() - keep;
      progressed = in.size() > keep;
      if (preamble_seen_ > lim_.max_preamble_bytes)
        return fail("multipart body does not start with its boundary");
      return status::success();
    }
    // The same limit when the boundary arrives in the same read as the preamble: whether a
    // body parses must not depend on how the network cut it.
    if (preamble_seen_ + at > lim_.max_preamble_bytes)
      return fail("multipart body does not start with its boundary");
    pos_ += at + delim_.size();
    state_ = st::after_delim;
    progressed = true;
    return status::success();
  }
  case st::after_delim: {
    if (in.size() < 2) return status::success();
    if (in.substr(0, 2) == "--") {
      pos_ += 2;
      state_ = st::epilogue;
      progressed = true;
      return status::success();
    }
    // Transport padding (spaces/tabs) may precede the CRLF.
    size_t i = 0;
    while (i < in.size() && (in[i] == ' ' || in[i] == '\t')) ++i;
    if (i > 256) return fail("malformed multipart delimiter line");
    if (in.size() - i < 2) return status::success();
    if (in.substr(i, 2) != "\r\n") return fail("malformed multipart delimiter line");
    pos_ += i + 2;
    state_ = st::headers;
    progressed = true;
    return status::success();
  }
  case st::headers: {
    // A part with no headers at all starts with the blank line right away.
    size_t end;
    size_t skip;
    if (in.substr(0, 2) == "\r\n") {
      end = 0;
      skip = 2;
    } else {
      end = in.find("\r\n\r\n");
      skip = 4;
    }
    if (end == std::string_view::npos) {
      // Up to 3 bytes of the blank line may already be here: fail only once no header within
      // the limit can still end, so the verdict never depends on where the body was cut.
      if (in.size() > lim_.max_header_bytes + 3)
        return fail("multipart part header larger than " + std::to_string(lim_.max_header_bytes) + " bytes");
      return status::success();
    }
    if (end > lim_.max_header_bytes)
      return fail("multipart part header larger than " + std::to_string(lim_.max_header_bytes) + " bytes");
    auto s = parse_headers(in.substr(0, end));
    if (!s.ok()) return s;
    pos_ += end + skip;
    // The part's data ends at the next delimiter, which starts with its own CRLF; an empty
    // part is "\r\n--boundary" right after the blank line.
    state_ = st::body;
    progressed = true;
    return status::success();
  }
  case st::body: {
    size_t at = in.find(delim_);
    size_t emit = at == std::string_view::npos
                      ? (in.size() >= delim_.size() ? in.size() - (delim_.size() - 1) : 0)
                      : at;
    // Hold back only a tail that could be the start of a delimiter.
    if (at == std::string_view::npos) {
      size_t tail_start = emit;
      size_t cr = in.find('\r', tail_start);
      emit = cr == std::string_view::npos ? in.size() : cr;
      if (emit < tail_start) emit = tail_start;
    }
    if (emit > 0 && cb_.on_part_data) {
      auto s = cb_.on_part_data(in.substr(0, emit));
      if (!s.ok()) {
        state_ = st::failed;
        err_ = s.err();
        return s;
      }
    }
    pos_ += emit;
    progressed = emit > 0;
    if (at != std::string_view::npos) {
      pos_ += delim_.size();
      in_part_ = false;
      state_ = st::after_delim;
      progressed = true;
      if (cb_.on_part_end) {
        auto s = cb_.on_part_end();
        if (!s.ok()) {
          state_ = st::failed;
          err_ = s.err();
          return s;
        }
      }
    }
    return status::success();
  }
  case st::epilogue:
    pos_ = src_.size();
    return status::success();
  case st::failed:
    return err_;
  }
  return status::success();
}

status multipart_reader::feed(std::string_view data) {
  if (state_ == st::failed) return err_;
  if (state_ == st::epilogue) return status::success();
  // Parse straight from the caller's bytes when nothing is carried over (the common case in a
  // large part): only a possible partial delimiter at the end gets copied.
  bool direct = pos_ == buf_.size();
  if (direct) {
    buf_.clear();
    pos_ = 0;
    src_ = data;
  } else {
    buf_.append(data.data(), data.size());
    src_ = buf_;
  }
  status result = status::success();
  for (;;) {
    bool progressed = false;
    auto s = step(progressed);
    if (!s.ok()) {
      result = s;
      break;
    }
    if (!progressed || state_ == st::epilogue) break;
  }
  if (direct)
    buf_.assign(src_.substr(std::min(pos_, src_.size())));
  else
    buf_.erase(0, std::min(pos_, buf_.size()));
  pos_ = 0;
  src_ = buf_;
  return result;
}

status multipart_reader::finish() {
  if (state_ == st::failed) return err_;
  if (state_ == st::epilogue) return status::success();
  if (state_ == st::preamble) return fail("multipart body has no boundary line");
  return fail(in_part_ ? "multipart body ended in the middle of a part"
                       : "multipart body ended before its closing boundary");
}

status read_multipart(http_request& req, multipart_callbacks cb, multipart_limits limits) {
  auto boundary = multipart_reader::boundary_of(req.header("Content-Type"));
  if (!boundary.ok()) return boundary.err();
  multipart_reader reader(boundary.value(), std::move(cb), limits);
  std::vector<char> buf(1024 * 1024);
  for (;;) {
    auto n = req.read_body(buf.data(), buf.size());
    if (!n.ok()) return n.err();
    if (n.value() == 0) break;
    auto s = reader.feed(std::string_view(buf.data(), n.value()));
    if (!s.ok()) return s;
  }
  return reader.finish();
}

} // namespace mantle
