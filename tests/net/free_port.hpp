// A loopback port nobody listens on right now (bind port 0, read it back, release it).
#pragma once
#include <cstdint>
#include <boost/asio/ip/tcp.hpp>

namespace mantle::test {

inline uint16_t free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acc(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acc.local_endpoint().port();
}

} // namespace mantle::test
