#include "messages/node_types.hpp"

#include <caf/actor_system_config.hpp>

#include <map>
#include <string>

#include "messages/block_store.hpp"
#include "messages/exchange.hpp"
#include "messages/credit.hpp"
#include "messages/supervisor.hpp"
#include "messages/peer.hpp"
#include "messages/validator.hpp"
#include "messages/events.hpp"
#include "messages/market.hpp"
#include "messages/console.hpp"
#include "messages/plugin.hpp"

namespace mantle {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<child_status>("mantle::child_status");
  cfg.add_message_type<std::vector<child_status>>("std::vector<mantle::child_status>");
  cfg.add_message_type<supervisor_stats>("mantle::supervisor_stats");
  // block-store interface
  cfg.add_message_type<cid>("mantle::cid");
  cfg.add_message_type<std::vector<cid>>("std::vector<mantle::cid>");
  cfg.add_message_type<block>("mantle::block");
  cfg.add_message_type<put_blocks>("mantle::put_blocks");
  cfg.add_message_type<pin_request>("mantle::pin_request");
  cfg.add_message_type<pin_query>("mantle::pin_query");
  cfg.add_message_type<pin_entry>("mantle::pin_entry");
  cfg.add_message_type<std::vector<pin_entry>>("std::vector<mantle::pin_entry>");
  cfg.add_message_type<repo_stat>("mantle::repo_stat");
  cfg.add_message_type<gc_result>("mantle::gc_result");
  // block exchange (messages/exchange.hpp)
  cfg.add_message_type<want_have>("mantle::want_have");
  cfg.add_message_type<want_block>("mantle::want_block");
  cfg.add_message_type<have>("mantle::have");
  cfg.add_message_type<dont_have>("mantle::dont_have");
  cfg.add_message_type<not_now>("mantle::not_now");
  cfg.add_message_type<block_msg>("mantle::block_msg");
  cfg.add_message_type<cancel>("mantle::cancel");
  cfg.add_message_type<exchange_stats>("mantle::exchange_stats");
  cfg.add_message_type<exchange_status>("mantle::exchange_status");
  // peer transport
  cfg.add_message_type<peer_up>("mantle::peer_up");
  cfg.add_message_type<peer_down>("mantle::peer_down");
  cfg.add_message_type<peer_entry>("mantle::peer_entry");
  cfg.add_message_type<std::vector<peer_entry>>("std::vector<mantle::peer_entry>");
  cfg.add_message_type<chain_proposal>("mantle::chain_proposal");
  cfg.add_message_type<chain_vote>("mantle::chain_vote");
  cfg.add_message_type<chain_txs>("mantle::chain_txs");
  cfg.add_message_type<chain_status>("mantle::chain_status");
  cfg.add_message_type<chain_block_batch>("mantle::chain_block_batch");
  cfg.add_message_type<sign_request>("mantle::sign_request");
  cfg.add_message_type<node_event>("mantle::node_event");
  // market and prover
  cfg.add_message_type<chain_read_reply>("mantle::chain_read_reply");
  cfg.add_message_type<chain_scan_reply>("mantle::chain_scan_reply");
  cfg.add_message_type<order_request>("mantle::order_request");
  cfg.add_message_type<prepaid_request>("mantle::prepaid_request");
  // console and plugins
  cfg.add_message_type<console_reply>("mantle::console_reply");
  cfg.add_message_type<plugin_info>("mantle::plugin_info");
  cfg.add_message_type<std::vector<plugin_info>>("std::vector<mantle::plugin_info>");
  cfg.add_message_type<order_offer>("mantle::order_offer");
  cfg.add_message_type<order_decision>("mantle::order_decision");
  // plugin host: plg_load's config section
  cfg.add_message_type<std::map<std::string, std::string>>("std::map<std::string,std::string>");
  // credit ledger
  cfg.add_message_type<ledger_entry>("mantle::ledger_entry");
  cfg.add_message_type<std::vector<ledger_entry>>("std::vector<mantle::ledger_entry>");
}

} // namespace mantle
