// DescriptorReader on real descriptors: a pipe, a regular file, /dev/null, a
// pseudo-terminal; what arrives is handed over as it arrives, the end is
// told once, the loop is never held, and teardown from inside a callback is
// safe.
#include "uvreactor/DescriptorReader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>

#include "uvreactor/Timer.hpp"

using namespace uvreactor;

namespace {

struct Received {
  std::string bytes;
  int ends = 0;
  Error endError;
};

std::unique_ptr<DescriptorReader> startReader(Loop& loop, int fd, Received& into) {
  auto reader = DescriptorReader::start(
      loop, fd, [&into](std::string_view b) { into.bytes.append(b); },
      [&into](const Error& e) {
        ++into.ends;
        into.endError = e;
      });
  EXPECT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().message());
  return reader.ok() ? std::move(*reader) : nullptr;
}

// Runs the loop (a 5 ms timer keeps it turning) until `done` or 10 s.
template <class Done>
bool runUntil(Loop& loop, Done done) {
  Timer tick(loop);
  tick.start(5, 5, [] {});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) loop.runOnce(true);
  return done();
}

}  // namespace

TEST(DescriptorReader, PipeHandsOverWhatArrivesAsItArrivesAndEndsOnce) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  Loop loop;
  Received got;
  auto reader = startReader(loop, p[0], got);
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->kind(), DescriptorReader::Kind::Pipe);
  EXPECT_EQ(::fcntl(p[0], F_GETFL) & O_NONBLOCK, 0)
      << "the description others may share is left blocking";
  int ticks = 0;
  auto timer = std::make_unique<Timer>(loop);
  timer->start(1, 1, [&] { ++ticks; });
  EXPECT_TRUE(runUntil(loop, [&] { return ticks >= 20; })) << "nothing typed holds the loop";
  ASSERT_EQ(::write(p[1], "half a li", 9), 9);
  EXPECT_TRUE(runUntil(loop, [&] { return got.bytes == "half a li"; })) << got.bytes;
  ASSERT_EQ(::write(p[1], "ne\nmore", 7), 7);
  EXPECT_TRUE(runUntil(loop, [&] { return got.bytes == "half a line\nmore"; }));
  ::close(p[1]);
  EXPECT_TRUE(runUntil(loop, [&] { return got.ends > 0; }));
  EXPECT_EQ(got.ends, 1);
  EXPECT_TRUE(got.endError.ok()) << got.endError.message();
  timer.reset();
  reader.reset();
  ::close(p[0]);
  EXPECT_FALSE(loop.close());
}

TEST(DescriptorReader, AnIdleReaderDoesNotKeepTheLoopAlive) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  Loop loop;
  Received got;
  auto reader = startReader(loop, p[0], got);
  ASSERT_TRUE(reader);
  loop.run();  // returns: nothing but the reader is active
  EXPECT_EQ(got.ends, 0);
  reader.reset();
  ::close(p[0]);
  ::close(p[1]);
  EXPECT_FALSE(loop.close());
}

TEST(DescriptorReader, RegularFileIsReadWholeThenEnds) {
  char path[] = "/tmp/uvr-reader-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string content;
  for (int i = 0; content.size() < 300000; ++i) content += "line " + std::to_string(i) + "\n";
  ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  Loop loop;
  Received got;
  auto reader = startReader(loop, fd, got);
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->kind(), DescriptorReader::Kind::File);
  EXPECT_TRUE(runUntil(loop, [&] { return got.ends > 0; }));
  EXPECT_EQ(got.bytes, content);
  EXPECT_EQ(got.ends, 1);
  EXPECT_TRUE(got.endError.ok());
  reader.reset();
  ::close(fd);
  ::unlink(path);
  EXPECT_FALSE(loop.close());
}

TEST(DescriptorReader, DevNullEndsAtOnce) {
  int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  Loop loop;
  Received got;
  auto reader = startReader(loop, fd, got);
  ASSERT_TRUE(reader);
  EXPECT_TRUE(runUntil(loop, [&] { return got.ends > 0; }));
  EXPECT_EQ(got.bytes, "");
  EXPECT_TRUE(got.endError.ok());
  reader.reset();
  ::close(fd);
  EXPECT_FALSE(loop.close());
}

TEST(DescriptorReader, TerminalDeliversEachLineWhenEnterIsPressed) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) GTEST_SKIP() << "no pseudo-terminals here (posix_openpt failed)";
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  ASSERT_GE(slave, 0);
  termios mode{};
  ASSERT_EQ(::tcgetattr(slave, &mode), 0);
  mode.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ASSERT_EQ(::tcsetattr(slave, TCSANOW, &mode), 0);
  Loop loop;
  Received got;
  auto reader = startReader(loop, slave, got);
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->kind(), DescriptorReader::Kind::Terminal);
  ASSERT_EQ(::write(master, "typed", 5), 5);
  int ticks = 0;
  auto timer = std::make_unique<Timer>(loop);
  timer->start(1, 1, [&] { ++ticks; });
  EXPECT_TRUE(runUntil(loop, [&] { return ticks >= 20; })) << "half a line holds up nothing";
  EXPECT_EQ(got.bytes, "") << "the terminal's line editing keeps it until Enter";
  ASSERT_EQ(::write(master, " line\n\x04", 7), 7);
  EXPECT_TRUE(runUntil(loop, [&] { return got.ends > 0; }));
  EXPECT_EQ(got.bytes, "typed line\n");
  EXPECT_TRUE(got.endError.ok()) << "^D is the end of input";
  timer.reset();
  reader.reset();
  ::close(slave);
  ::close(master);
  EXPECT_FALSE(loop.close());
}

TEST(DescriptorReader, DestroyedInsideItsOwnCallbackCallsNothingMore) {
  char path[] = "/tmp/uvr-reader-XXXXXX";
  int file = ::mkstemp(path);
  ASSERT_GE(file, 0);
  std::string big(200000, 'f');
  ASSERT_EQ(::write(file, big.data(), big.size()), static_cast<ssize_t>(big.size()));
  ASSERT_EQ(::lseek(file, 0, SEEK_SET), 0);
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_EQ(::write(p[1], "x", 1), 1);
  Loop loop;
  for (int fd : {file, p[0]}) {
    std::unique_ptr<DescriptorReader> reader;
    int calls = 0;
    auto r = DescriptorReader::start(
        loop, fd,
        [&](std::string_view) {
          ++calls;
          reader.reset();
        },
        [&](const Error&) { ++calls; });
    ASSERT_TRUE(r.ok());
    reader = std::move(*r);
    EXPECT_TRUE(runUntil(loop, [&] { return calls > 0; }));
    Timer settle(loop);
    bool settled = false;
    settle.start(50, 0, [&] { settled = true; });
    runUntil(loop, [&] { return settled; });
    EXPECT_EQ(calls, 1) << "fd " << fd;
    EXPECT_FALSE(reader);
  }
  ::close(p[0]);
  ::close(p[1]);
  ::close(file);
  ::unlink(path);
  EXPECT_FALSE(loop.close());
}

TEST(DescriptorReader, UdpSocketAndClosedDescriptorAreRefusedByName) {
  int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(udp, 0);
  Loop loop;
  auto r = DescriptorReader::start(
      loop, udp, [](std::string_view) {}, [](const Error&) {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("descriptor " + std::to_string(udp)), std::string::npos);
  ::close(udp);
  auto closed = DescriptorReader::start(
      loop, udp, [](std::string_view) {}, [](const Error&) {});
  EXPECT_FALSE(closed.ok());
  EXPECT_FALSE(loop.close());
}
