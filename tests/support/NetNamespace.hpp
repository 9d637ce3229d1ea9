// NetNamespace: runs part of a test in a network namespace of its own, so it
// may add addresses and queueing disciplines without touching the machine's
// network.
//
// The body runs in a forked child that unshares its network namespace
// (needs CAP_SYS_ADMIN), brings lo up and runs the setup commands (ip, tc)
// there; the namespace goes away with the child, whatever happens. Programs
// the body starts (the server) run in the namespace too. The body answers
// with "" for success or what went wrong; a namespace that cannot be made
// is a skip, never a pass.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace uvreactor::test {

struct NamespaceOutcome {
  std::string skip;     // non-empty: the namespace could not be made (why)
  std::string failure;  // non-empty: what the body found wrong
};

NamespaceOutcome inNewNetNamespace(const std::vector<std::string>& setup,
                                   const std::function<std::string()>& body,
                                   std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace uvreactor::test
