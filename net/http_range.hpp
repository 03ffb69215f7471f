// Single byte-range requests (RFC 9110 §14): what a gateway does with a Range header for a
// body of known size. Multi-range requests are answered with the whole body, which the RFC
// allows and which keeps seeking simple; a range past the end is 416.
#pragma once
#include <cstdint>
#include <string_view>

namespace mantle {

struct byte_range {
  uint64_t first = 0; // inclusive
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

struct range_decision {
  enum kind { whole, partial, unsatisfiable } what = whole;
  byte_range range; // for partial
};

// `header` is the Range value ("" when absent). Other units, several ranges or an unparsable
// value give `whole`; a syntactically valid range that misses the body gives `unsatisfiable`,
// and so do numbers too large for 64 bits (no client asks that in good faith).
// Strips HTTP optional whitespace (spaces and tabs) from both ends.
std::string_view trim_ows(std::string_view s);

range_decision decide_range(std::string_view header, uint64_t size);

} // namespace mantle
