#include "net/gateway_ops.hpp"

#include "net/cors.hpp"
#include "net/http_metrics.hpp"

namespace mantle {

http_handler wrap_gateway_ops(http_handler inner, std::vector<std::string> cors_origins,
                              std::shared_ptr<access_log> log) {
  // The log is outermost so its duration covers the other wrappers too.
  return with_access_log(std::move(log),
                         instrument(global_metrics(), "gateway", constant_route("gateway"),
                                    with_gateway_cors(std::move(cors_origins), std::move(inner))));
}

} // namespace mantle
