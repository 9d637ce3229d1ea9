// The public headers stand alone and keep libuv out of a handler's
// namespace: no libuv type is part of the API except the embedding
// constructor's uv_loop_t, which Loop.hpp declares without <uv.h>. A
// handler tells the common errors apart by ErrorKind, not libuv's codes.
#include "uvreactor/Connection.hpp"
#include "uvreactor/ConnectionHandler.hpp"
#include "uvreactor/ConnectionOptions.hpp"
#include "uvreactor/DescriptorReader.hpp"
#include "uvreactor/DescriptorWriter.hpp"
#include "uvreactor/Endpoint.hpp"
#include "uvreactor/Error.hpp"
#include "uvreactor/LengthPrefixCodec.hpp"
#include "uvreactor/LineCodec.hpp"
#include "uvreactor/Log.hpp"
#include "uvreactor/LogRateLimit.hpp"
#include "uvreactor/Loop.hpp"
#include "uvreactor/Payload.hpp"
#include "uvreactor/PlatformFeatures.hpp"
#include "uvreactor/SignalWatch.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/Timer.hpp"
#include "uvreactor/TlsContext.hpp"
#include "uvreactor/TlsInfo.hpp"
#include "uvreactor/UdpSocket.hpp"
#include "uvreactor/testing/FakeConnection.hpp"
#include "uvreactor/testing/ManualClock.hpp"

#ifdef UV_VERSION_MAJOR
#error "a public header includes <uv.h>"
#endif
#ifdef HEADER_SSL_H
#error "a public header includes OpenSSL's headers"
#endif
#ifdef OPENSSL_SSL_H
#error "a public header includes OpenSSL's headers"
#endif

#include <gtest/gtest.h>

using namespace uvreactor;

TEST(PublicHeaders, CodecErrorsHaveAKindAHandlerCanTest) {
  LineCodec lines(4);
  Error e = lines.feed("too long\n", [](std::string_view) {});
  EXPECT_EQ(e.kind(), ErrorKind::TooLong) << e.message();
  EXPECT_EQ(Error().kind(), ErrorKind::None);
}

TEST(PublicHeaders, ConnectionCutoffsHaveKinds) {
  uvreactor::testing::ManualClock clock;
  ConnectionOptions options;
  options.idleTimeoutMs = 10;
  uvreactor::testing::FakeConnection c(options, &clock);
  struct Quiet final : ConnectionHandler {
    void onData(Connection&, std::string_view) override {}
  };
  c.open(std::make_unique<Quiet>());
  clock.advance(10);
  EXPECT_EQ(c.closeReason().kind(), ErrorKind::TimedOut) << c.closeReason().message();
}
