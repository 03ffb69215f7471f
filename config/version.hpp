#pragma once
namespace mantle {
// Reported by `version` and `id`; the Kubo RPC version string clients print.
constexpr const char* version_string = "0.1.0";
constexpr const char* agent_version = "mantle/0.1.0";
} // namespace mantle
