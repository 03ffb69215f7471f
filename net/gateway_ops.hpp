// The operations wrappers a gateway server needs, in one call: CORS (with OPTIONS preflight),
// metrics in global_metrics() with server="gateway", and the access log. Kept apart from the
// gateway itself so the gateway handler stays about content.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "net/access_log.hpp"
#include "net/http_server.hpp"

namespace mantle {

// with_access_log(log, instrument(global_metrics(), "gateway", constant_route("gateway"),
//                                 with_gateway_cors(cors_origins, inner)))
// `cors_origins` is node_options::gateway_cors_origins; `log` may be null (no access log).
http_handler wrap_gateway_ops(http_handler inner, std::vector<std::string> cors_origins,
                              std::shared_ptr<access_log> log);

} // namespace mantle
