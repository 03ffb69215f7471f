#include "net/multipart_pull.hpp"

#include <cstring>

namespace mantle {

multipart_pull::multipart_pull(http_request& req, multipart_limits limits) : req_(req) {
  auto boundary = multipart_reader::boundary_of(req.header("Content-Type"));
  if (!boundary) {
    init_error_ = boundary.err();
    return;
  }
  multipart_callbacks cb;
  cb.on_part_begin = [this](const multipart_part& p) -> status {
    parts_.push_back(part_buffer{p, {}, 0, false});
    return {};
  };
  cb.on_part_data = [this](std::string_view d) -> status {
    parts_.back().data.append(d);
    return {};
  };
  cb.on_part_end = [this]() -> status {
    parts_.back().ended = true;
    return {};
  };
  reader_ = std::make_unique<multipart_reader>(*boundary, std::move(cb), limits);
  chunk_.resize(1 << 20);
}

multipart_pull::~multipart_pull() = default;

status multipart_pull::pump() {
  if (body_done_)
    return make_error(errc::invalid_input, "multipart body ended early");
  auto n = req_.read_body(chunk_.data(), chunk_.size());
  if (!n)
    return n.err();
  if (*n == 0) {
    body_done_ = true;
    return reader_->finish();
  }
  return reader_->feed(std::string_view(chunk_.data(), *n));
}

result<std::optional<multipart_part>> multipart_pull::next_part() {
  if (init_error_)
    return *init_error_;
  if (current_taken_) {
    // Skip what is left of the current part.
    while (!parts_.empty() && !parts_.front().ended) {
      parts_.front().data.clear();
      parts_.front().pos = 0;
      if (auto s = pump(); !s)
        return s.err();
    }
    if (!parts_.empty())
      parts_.pop_front();
    current_taken_ = false;
  }
  while (parts_.empty()) {
    if (body_done_)
      return std::optional<multipart_part>{};
    if (auto s = pump(); !s)
      return s.err();
  }
  current_taken_ = true;
  return std::optional<multipart_part>{parts_.front().head};
}

result<size_t> multipart_pull::read(char* buf, size_t max) {
  if (!current_taken_ || parts_.empty())
    return make_error(errc::internal, "multipart read without a current part");
  for (;;) {
    auto& p = parts_.front();
    if (p.pos < p.data.size()) {
      size_t n = std::min(max, p.data.size() - p.pos);
      std::memcpy(buf, p.data.data() + p.pos, n);
      p.pos += n;
      if (p.pos == p.data.size()) {
        p.data.clear();
        p.pos = 0;
      }
      return n;
    }
    if (p.ended)
      return size_t{0};
    if (auto s = pump(); !s)
      return s.err();
  }
}

} // namespace mantle
