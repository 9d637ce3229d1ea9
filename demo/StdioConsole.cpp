#include "StdioConsole.hpp"

#include <unistd.h>

#include <string>

namespace uvreactor::demo {
namespace {

constexpr std::size_t kStdoutBacklog = 4 << 20;
constexpr std::size_t kStderrBacklog = 256 << 10;

std::string droppedNotice(uint64_t count) {
  return "* " + std::to_string(count) + " line" + (count == 1 ? "" : "s") +
         " dropped here: the output was not keeping up\n";
}

}  // namespace

StdioConsole::StdioConsole(Loop& loop)
    : out_(STDOUT_FILENO, kStdoutBacklog, droppedNotice),
      err_(STDERR_FILENO, kStderrBacklog, droppedNotice),
      service_(*this) {
  auto reader = DescriptorReader::start(
      loop, STDIN_FILENO, [this](std::string_view bytes) { service_.operatorInput(bytes); },
      [this](const Error& error) { service_.operatorInputEnded(error); });
  if (!reader) {
    service_.operatorInputEnded(reader.error());
    return;
  }
  input_ = std::move(*reader);
}

// The reader first: no input reaches a service being destroyed.
StdioConsole::~StdioConsole() {
  input_.reset();
}

void StdioConsole::show(std::string_view line) {
  scratch_.assign(line);
  scratch_.push_back('\n');
  out_.write(scratch_);
}

void StdioConsole::complain(std::string_view line) {
  scratch_.assign("uvreactor-server: ");
  scratch_.append(line);
  scratch_.push_back('\n');
  err_.write(scratch_);
}

}  // namespace uvreactor::demo
