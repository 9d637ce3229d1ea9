// Teardown in any order C++ allows. Destroying a listener or connector ends
// every handler's life before the destructor returns (onClose exactly once,
// then the handler is destroyed), so an application may destroy the
// services its handlers use right after; Loop::close() never waits on a
// handle left open, names it, and the objects that owned such handles may
// still be destroyed afterwards. These are use-after-free and hang
// reproductions: they matter most under ASan+UBSan, where CI runs them.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "support/Journal.hpp"
#include "support/LoopThread.hpp"
#include "support/SocketClient.hpp"
#include "uvreactor/TcpConnector.hpp"
#include "uvreactor/TcpListener.hpp"
#include "uvreactor/Timer.hpp"

using namespace uvreactor;
using namespace uvreactor::test;
using namespace std::chrono_literals;

namespace {

// What a chat room is to its members: handlers register on open and
// unregister in onClose, so onClose after the service is gone is a
// use-after-free.
struct Service {
  explicit Service(Journal& j) : journal(j) {}
  ~Service() { journal.add("service destroyed with " + std::to_string(members.size())); }
  Journal& journal;
  std::set<const void*> members;
};

class MemberHandler final : public ConnectionHandler {
 public:
  MemberHandler(Service& service, Journal& journal) : service_(service), journal_(journal) {}
  ~MemberHandler() override { journal_.add("handler destroyed"); }
  void onOpen(Connection& c) override {
    service_.members.insert(this);
    journal_.add("open");
    c.send("welcome\n");
  }
  void onData(Connection&, std::string_view) override {}
  void onClose(Connection&, const Error& reason) override {
    service_.members.erase(this);
    journal_.add("close: " + reason.message());
  }

 private:
  Service& service_;
  Journal& journal_;
};

HandlerFactory memberFactory(Service& service, Journal& journal) {
  return [&service, &journal](Connection&) {
    return std::make_unique<MemberHandler>(service, journal);
  };
}

std::unique_ptr<TcpListener> listenOn(Loop& loop, HandlerFactory factory) {
  return std::move(*TcpListener::listen(loop, *Endpoint::parse("127.0.0.1:0"), std::move(factory)));
}

}  // namespace

TEST(TeardownOrder, ListenerThenTheServiceItsHandlersUse) {
  LoopThread loop;
  Journal journal;
  auto service = std::make_unique<Service>(journal);
  auto listener =
      loop.call([&] { return listenOn(loop.loop(), memberFactory(*service, journal)); });
  SocketClient a(listener->localEndpoint()), b(listener->localEndpoint());
  ASSERT_EQ(a.recvLine(), "welcome");
  ASSERT_EQ(b.recvLine(), "welcome");
  loop.call([&] {
    listener.reset();
    service.reset();  // legal: the listener, and so every handler, is gone
  });
  EXPECT_EQ(journal.snapshot(),
            (std::vector<std::string>{"open", "open", "close: listener destroyed",
                                      "handler destroyed", "close: listener destroyed",
                                      "handler destroyed", "service destroyed with 0"}));
  EXPECT_TRUE(a.waitClosed());
  Error closed = loop.shutdown();
  EXPECT_TRUE(closed.ok()) << closed.message();
}

TEST(TeardownOrder, ConnectorThenTheServiceItsHandlerUses) {
  LoopThread loop;
  Journal journal;
  Service serverSide(journal);
  auto server =
      loop.call([&] { return listenOn(loop.loop(), memberFactory(serverSide, journal)); });
  auto service = std::make_unique<Service>(journal);
  auto connector = loop.call([&] {
    auto c = std::make_unique<TcpConnector>(loop.loop(), server->localEndpoint(),
                                            memberFactory(*service, journal));
    c->start();
    return c;
  });
  ASSERT_TRUE(journal.waitFor("open", 2));
  loop.call([&] {
    connector.reset();
    journal.add("connector destroyed");
    service.reset();
    server.reset();
  });
  auto events = journal.snapshot();
  auto at = [&](const std::string& e) { return std::find(events.begin(), events.end(), e); };
  ASSERT_NE(at("close: connector destroyed"), events.end());
  EXPECT_LT(at("close: connector destroyed"), at("connector destroyed"));
  EXPECT_EQ(journal.count("handler destroyed"), 2u);
  Error closed = loop.shutdown();
  EXPECT_TRUE(closed.ok()) << closed.message();
}

// A handler destroys the listener that owns its own connection from inside
// onData: it is not destroyed under its own feet; onClose and destruction
// follow as soon as onData returns.
TEST(TeardownOrder, ListenerDestroyedFromInsideAHandlerCallback) {
  LoopThread loop;
  Journal journal;
  std::unique_ptr<TcpListener> listener;
  class Stopper final : public ConnectionHandler {
   public:
    Stopper(std::unique_ptr<TcpListener>& l, Journal& j) : listener_(l), journal_(j) {}
    ~Stopper() override { journal_.add("destroyed"); }
    void onData(Connection&, std::string_view) override {
      journal_.add("data begins");
      listener_.reset();
      journal_.add("data ends, handler still alive");
    }
    void onClose(Connection&, const Error&) override { journal_.add("close"); }

   private:
    std::unique_ptr<TcpListener>& listener_;
    Journal& journal_;
  };
  listener = loop.call([&] {
    return listenOn(loop.loop(),
                    [&](Connection&) { return std::make_unique<Stopper>(listener, journal); });
  });
  SocketClient c(listener->localEndpoint());
  c.sendAll("stop\n");
  ASSERT_TRUE(journal.waitFor("destroyed"));
  EXPECT_EQ(journal.snapshot(),
            (std::vector<std::string>{"data begins", "data ends, handler still alive", "close",
                                      "destroyed"}));
  EXPECT_TRUE(c.waitClosed());
  Error closed = loop.shutdown();
  EXPECT_TRUE(closed.ok()) << closed.message();
}

TEST(TeardownOrder, LoopCloseWithActiveHandlesLeftReturnsAtOnceNamingThem) {
  Loop loop;
  Journal journal;
  Service service(journal);
  auto timer = std::make_unique<Timer>(loop);
  timer->start(60000, 60000, [] {});
  auto listener = listenOn(loop, memberFactory(service, journal));
  SocketClient client(listener->localEndpoint());
  for (int i = 0; i < 100 && journal.count("open") == 0; ++i) loop.runOnce(false);
  ASSERT_EQ(journal.count("open"), 1u);

  auto start = std::chrono::steady_clock::now();
  Error e = loop.close();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  ASSERT_TRUE(e);
  EXPECT_NE(e.message().find("timer"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("tcp"), std::string::npos) << e.message();
  // The owners may still be destroyed after the loop closed: they free
  // their memory without touching libuv, and the handler hears onClose.
  listener.reset();
  timer.reset();
  EXPECT_EQ(journal.count("close"), 1u);
  EXPECT_EQ(journal.count("handler destroyed"), 1u);
  EXPECT_TRUE(service.members.empty());
}

TEST(TeardownOrder, LoopDestroyedBeforeTheObjectsCreatedOnIt) {
  Journal journal;
  Service service(journal);
  auto loop = std::make_unique<Loop>();
  auto timer = std::make_unique<Timer>(*loop);
  timer->start(60000, 0, [] {});
  auto listener = listenOn(*loop, memberFactory(service, journal));
  SocketClient client(listener->localEndpoint());
  for (int i = 0; i < 100 && journal.count("open") == 0; ++i) loop->runOnce(false);
  ASSERT_EQ(journal.count("open"), 1u);
  loop.reset();  // logs the handles it had to close
  listener.reset();
  timer.reset();
  EXPECT_EQ(journal.count("handler destroyed"), 1u);
}
