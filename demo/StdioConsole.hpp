// StdioConsole: --protocol console's operator side, on this process's
// standard descriptors: the ConsoleService, stdin read by the loop
// (DescriptorReader: terminal, pipe, file or /dev/null alike), and stdout
// and stderr written by threads of their own (DescriptorWriter), so neither
// an operator who types nothing nor one whose stdout nobody reads holds up
// a client. stdout keeps up to 4 MiB unwritten, stderr 256 KiB; past that
// lines are dropped and a "* N lines dropped" notice follows once the
// reader catches up. At the end of stdin the console says so on stderr and
// the clients go on being served. Owned by the Server, before its
// listeners (their handlers use the service). Loop-thread only.
#pragma once

#include <cstddef>
#include <memory>

#include "console/ConsoleService.hpp"
#include "uvreactor/DescriptorReader.hpp"
#include "uvreactor/DescriptorWriter.hpp"
#include "uvreactor/Loop.hpp"

namespace uvreactor::demo {

class StdioConsole final : public protocols::console::ConsoleOutput {
 public:
  explicit StdioConsole(Loop& loop);
  ~StdioConsole() override;

  protocols::console::ConsoleService& service() { return service_; }

  void show(std::string_view line) override;
  void complain(std::string_view line) override;

 private:
  DescriptorWriter out_;
  DescriptorWriter err_;
  protocols::console::ConsoleService service_;
  std::unique_ptr<DescriptorReader> input_;
  std::string scratch_;
};

}  // namespace uvreactor::demo
