// DescriptorWriter on a real pipe: order kept, a reader that never reads
// never blocks write(), the backlog is bounded and drops are announced.
#include "uvreactor/DescriptorWriter.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

using namespace uvreactor;

namespace {

std::string notice(uint64_t n) {
  std::string text = "[";  // appended: GCC 12 -O3 misreads "[" + s + ... (-Wrestrict)
  return text.append(std::to_string(n)).append(" dropped]\n");
}

// Everything the pipe holds until `total` bytes came or 10 s passed.
std::string drain(int fd, std::size_t total) {
  std::string out;
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.size() < total && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

TEST(DescriptorWriter, WritesEverythingInOrder) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  std::string expected;
  {
    DescriptorWriter writer(p[1], 1 << 20, notice);
    std::vector<std::string> lines;
    std::string sent;
    for (int i = 0; i < 10000; ++i) {
      lines.push_back(std::to_string(1000000 + i).substr(1) + "-ab\n");
      sent += lines.back();
    }
    std::thread reader([&] { expected = drain(p[0], sent.size()); });
    for (const auto& line : lines) EXPECT_TRUE(writer.write(line));
    reader.join();
    EXPECT_EQ(expected, sent);
    EXPECT_EQ(writer.dropped(), 0u);
  }
  ::close(p[0]);
  ::close(p[1]);
}

TEST(DescriptorWriter, AReaderThatNeverReadsNeverBlocksAndDropsAreAnnounced) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  const std::size_t kBacklog = 16 * 1024;
  DescriptorWriter writer(p[1], kBacklog, notice, 100);
  std::string line(999, 'w');
  line += "\n";
  int accepted = 0;
  for (int i = 0; i < 1000; ++i) accepted += writer.write(line);  // 1 MB into a 64 KiB pipe
  EXPECT_GT(writer.dropped(), 900u);
  EXPECT_EQ(writer.dropped() + static_cast<uint64_t>(accepted), 1000u);
  EXPECT_LE(static_cast<std::size_t>(accepted) * line.size(), 64 * 1024 + 2 * kBacklog + 1000)
      << "what was kept is bounded by the pipe and two backlogs";
  std::string out = drain(p[0], static_cast<std::size_t>(accepted) * line.size() + 12);
  std::string expectedNotice = notice(writer.dropped());
  ASSERT_GE(out.size(), expectedNotice.size());
  EXPECT_EQ(out.substr(out.size() - expectedNotice.size()), expectedNotice)
      << "the notice comes once the reader caught up";
  for (std::size_t i = 0; i + expectedNotice.size() < out.size(); i += line.size())
    ASSERT_EQ(out.compare(i, line.size(), line), 0) << "whole lines only, at " << i;
  EXPECT_TRUE(writer.write("after\n"));
  EXPECT_EQ(drain(p[0], 6), "after\n");
  ::close(p[0]);
}

TEST(DescriptorWriter, DestructorDoesNotWaitForeverOnAStalledReader) {
  // The thread left behind ends when its write fails; as for any write to a
  // pipe whose reader is gone, that is SIGPIPE unless ignored (the server
  // ignores it).
  ::signal(SIGPIPE, SIG_IGN);
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  auto start = std::chrono::steady_clock::now();
  {
    DescriptorWriter writer(p[1], 1 << 20, notice, 200);
    std::string chunk(256 * 1024, 's');  // more than the pipe takes: the thread blocks
    EXPECT_TRUE(writer.write(chunk));
  }
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_LT(waited, std::chrono::seconds(5)) << "it left the blocked thread behind";
  ::close(p[0]);  // the blocked write fails now and the thread ends
  ::close(p[1]);
}

// A description someone else made nonblocking (a parent, or libuv reading
// stdin when stdin and stdout are one socket): a full pipe makes write()
// return EAGAIN, which means "wait for room", not "the reader is gone".
TEST(DescriptorWriter, ANonblockingDescriptorThatFillsUpLosesNothing) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_EQ(::fcntl(p[1], F_SETFL, ::fcntl(p[1], F_GETFL) | O_NONBLOCK), 0);
  std::string sent;
  std::string received;
  {
    DescriptorWriter writer(p[1], 4 << 20, notice);
    std::string block(1000, 'n');
    block += "\n";
    for (int i = 0; i < 1000; ++i) {  // 1 MB into a 64 KiB pipe nobody reads yet
      ASSERT_TRUE(writer.write(block)) << "block " << i;
      sent += block;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the pipe is full by now
    received = drain(p[0], sent.size());
    EXPECT_EQ(writer.dropped(), 0u);
  }
  EXPECT_EQ(received.size(), sent.size());
  EXPECT_TRUE(received == sent);
  ::close(p[0]);
  ::close(p[1]);
}
