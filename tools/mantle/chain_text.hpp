// Human-readable text of the node's chain answers (RPC mantle/chain/*, mantle/account/*,
// mantle/order/*):
// aligned "label  value" lines for one object, tables for lists. Amounts are shown in tokens
// (tools/mantle/amount.hpp), times in UTC; keys stay whole so they can be copied. Fields the
// node does not send are left out rather than shown as zero.
#pragma once
#include <string>
#include <nlohmann/json.hpp>

namespace mantle::cli {

std::string format_head(const nlohmann::json& head);           // mantle/chain/head
std::string format_block(const nlohmann::json& block);         // mantle/chain/block
std::string format_tx(const nlohmann::json& tx);               // mantle/chain/tx
std::string format_validators(const nlohmann::json& vals);     // mantle/chain/validators
std::string format_era(const nlohmann::json& era);             // mantle/chain/era
std::string format_accounts(const nlohmann::json& list);       // mantle/account/list
// mantle/account/show; `name` is the keystore name when known ("" otherwise).
std::string format_account(const nlohmann::json& account, const std::string& name);

// mantle/order/status: the order's fields, then its replicas as a table.
std::string format_order(const nlohmann::json& order);
// mantle/order/list: one line per order ("" when there are none).
std::string format_orders(const nlohmann::json& list);

// Milliseconds since the epoch as "2026-11-30 06:30:00.123 UTC".
std::string format_time_ms(uint64_t ms);

} // namespace mantle::cli
