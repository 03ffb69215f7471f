// Pull-style access to a streamed multipart body: next_part() then read() until 0. For
// consumers that pull their input (the CAR reader), on top of the push-style
// multipart_reader; memory stays at one body read plus what the consumer has not taken yet.
#pragma once
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "net/multipart_reader.hpp"

namespace mantle {

class multipart_pull {
public:
  explicit multipart_pull(http_request& req, multipart_limits limits = {});
  ~multipart_pull();

  // The next part's headers, nullopt at the end of the body. Unread bytes of the current part
  // are skipped.
  result<std::optional<multipart_part>> next_part();
  // Bytes of the current part; 0 at its end.
  result<size_t> read(char* buf, size_t max);

private:
  struct part_buffer {
    multipart_part head;
    std::string data;
    size_t pos = 0;
    bool ended = false;
  };
  status pump(); // reads one piece of the HTTP body into the multipart reader

  http_request& req_;
  std::unique_ptr<multipart_reader> reader_;
  std::optional<error> init_error_;
  std::deque<part_buffer> parts_;
  bool current_taken_ = false; // the front part was handed out by next_part()
  bool body_done_ = false;
  std::string chunk_;
};

} // namespace mantle
