// ConsoleProcess: uvreactor-server --protocol console with the operator's
// side under the test's control: stdin a pipe the test types into, a
// pseudo-terminal (typed into through its master side, in the terminal's
// normal line-edited mode, echo off), a regular file, or /dev/null; stdout
// read line by line by a thread (or, on request, left unread so it fills);
// stderr kept in a file.
//
// ChildProgram: any other program (python3, nc) started beside it, with a
// pipe for stdin and its output kept, for clients that run at the same time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "uvreactor/Endpoint.hpp"

namespace uvreactor::test {

enum class ConsoleStdin { Pipe, Terminal, File, DevNull };

class ConsoleProcess {
 public:
  struct Options {
    ConsoleStdin in = ConsoleStdin::Pipe;
    std::string fileContent;  // ConsoleStdin::File
    bool readStdout = true;   // false: nobody reads stdout until readStdoutNow()
  };
  ConsoleProcess(const std::vector<std::string>& args, Options options);
  ~ConsoleProcess();

  bool ready() const { return endpoint.has_value(); }
  pid_t pid() const { return pid_; }

  // The operator types (pipe or terminal).
  bool type(const std::string& bytes);
  void closeStdin();

  // The first stdout line (after `from`, an index into lines) containing
  // `text`; nullopt on timeout. Returns its index through `at`.
  std::optional<std::string> waitForLine(
      const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10),
      std::size_t from = 0, std::size_t* at = nullptr);
  std::vector<std::string> lines();
  // Waits until stderr contains `text`.
  bool waitForStderr(const std::string& text,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string stderrText() const;
  void readStdoutNow();

  void signal(int signum);
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  long rssKiB() const;
  // User + system CPU time used so far, in clock ticks.
  long cpuTicks() const;

  std::optional<Endpoint> endpoint;

 private:
  void readLoop();

  pid_t pid_ = -1;
  int stdinFd_ = -1;  // pipe write end or terminal master
  int stdoutFd_ = -1;
  std::string stderrPath_;
  std::string filePath_;
  std::optional<int> exitCode_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool stdoutEnded_ = false;
  bool reading_ = false;
  std::thread reader_;
};

class ChildProgram {
 public:
  explicit ChildProgram(const std::vector<std::string>& argv);
  ~ChildProgram();
  bool started() const { return pid_ > 0; }
  bool type(const std::string& bytes);
  void closeStdin();
  // Exit code, or -1 on timeout (then killed).
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  int stdinFd_ = -1;
  std::string outPath_, errPath_;
  std::optional<int> exitCode_;
};

}  // namespace uvreactor::test
