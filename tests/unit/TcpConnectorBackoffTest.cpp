#include <gtest/gtest.h>

#include "uvreactor/TcpConnector.hpp"

using uvreactor::ConnectorOptions;
using uvreactor::TcpConnector;

TEST(TcpConnectorBackoff, DoublesUpToTheCapWithFullJitter) {
  ConnectorOptions o;
  o.initialBackoffMs = 100;
  o.maxBackoffMs = 1000;
  // The top of the jitter range: the deterministic envelope.
  EXPECT_EQ(TcpConnector::backoffDelayMs(o, 1, 0.999999), 100u);
  EXPECT_EQ(TcpConnector::backoffDelayMs(o, 2, 0.999999), 200u);
  EXPECT_EQ(TcpConnector::backoffDelayMs(o, 4, 0.999999), 800u);
  EXPECT_EQ(TcpConnector::backoffDelayMs(o, 5, 0.999999), 1000u);
  EXPECT_EQ(TcpConnector::backoffDelayMs(o, 60, 0.999999), 1000u) << "no overflow";
  EXPECT_EQ(TcpConnector::backoffDelayMs(o, 3, 0.0), 0u);
  EXPECT_EQ(TcpConnector::backoffDelayMs(o, 3, 0.5), 200u);
}
