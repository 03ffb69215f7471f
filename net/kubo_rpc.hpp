// Response conventions of Kubo's RPC API (go-ipfs-cmds), so real Kubo clients read ours:
// - errors before any output: JSON {"Message","Code","Type":"error"}, HTTP 500 for Code 0
//   (ErrNormal) and 400 for Code 1 (ErrClient);
// - a single value: 200 application/json, one JSON document and a newline;
// - a value stream (add, pin ls --stream, ...): X-Chunked-Output: 1, NDJSON, chunked;
// - a byte stream (cat, get, dag export): X-Stream-Output: 1, chunked, X-Content-Length
//   when the size is known;
// - an error after output started: the X-Stream-Error trailer (announced by Trailer:).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <nlohmann/json.hpp>
#include "net/response_writer.hpp"
#include "storage/result.hpp"

namespace mantle::kubo {

enum error_type : int { err_normal = 0, err_client = 1, err_implementation = 2,
                        err_rate_limited = 3, err_forbidden = 4 };

// Which Kubo error type a mantle error maps to: bad input is the client's fault.
error_type error_type_of(errc c);
std::string error_json(std::string_view message, error_type code);

// The headers every go-ipfs-cmds response carries.
void set_common_headers(response_writer& w);

// Error: as a JSON response if nothing was sent yet, else as the X-Stream-Error trailer.
status send_error(response_writer& w, std::string_view message, error_type code = err_normal);
status send_error(response_writer& w, const error& e);
// One JSON value.
status send_json(response_writer& w, const nlohmann::json& value);

status begin_value_stream(response_writer& w);
// One NDJSON line of a value stream.
status emit(response_writer& w, const nlohmann::json& value);
status begin_byte_stream(response_writer& w, std::optional<uint64_t> length = std::nullopt,
                         std::string content_type = "text/plain");

} // namespace mantle::kubo
