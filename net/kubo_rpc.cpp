#include "net/kubo_rpc.hpp"

namespace mantle::kubo {

error_type error_type_of(errc c) {
  switch (c) {
  case errc::invalid_input:
    return err_client;
  default:
    return err_normal;
  }
}

std::string error_json(std::string_view message, error_type code) {
  nlohmann::json j = {{"Message", std::string(message)}, {"Code", static_cast<int>(code)},
                      {"Type", "error"}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void set_common_headers(response_writer& w) {
  static const char* exposed = "X-Stream-Output, X-Chunked-Output, X-Content-Length";
  w.header("Access-Control-Allow-Headers", exposed);
  w.header("Access-Control-Expose-Headers", exposed);
  w.header("Trailer", "X-Stream-Error");
}

status send_error(response_writer& w, std::string_view message, error_type code) {
  if (w.started()) return w.finish_with_error(message);
  set_common_headers(w);
  w.status(code == err_client ? 400 : 500);
  return w.send(error_json(message, code), "application/json");
}

status send_error(response_writer& w, const error& e) {
  return send_error(w, e.message, error_type_of(e.code));
}

status send_json(response_writer& w, const nlohmann::json& value) {
  set_common_headers(w);
  w.status(200);
  return w.send(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                "application/json");
}

status begin_value_stream(response_writer& w) {
  set_common_headers(w);
  w.status(200).header("X-Chunked-Output", "1").header("Content-Type", "application/json");
  return w.begin_chunked();
}

status emit(response_writer& w, const nlohmann::json& value) {
  return w.write(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

status begin_byte_stream(response_writer& w, std::optional<uint64_t> length,
                         std::string content_type) {
  set_common_headers(w);
  w.status(200).header("X-Stream-Output", "1").header("Content-Type", std::move(content_type));
  if (length) w.header("X-Content-Length", std::to_string(*length));
  return w.begin_chunked();
}

} // namespace mantle::kubo
