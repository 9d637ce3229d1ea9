// PortReservation: the supervisor's hold on a --listen address for its
// workers.
//
// One bound, never listening, SO_REUSEPORT socket per address and protocol:
// it holds the port for the workers (and for their replacements) without
// receiving anything. UDP reserves would receive datagrams, so they are
// released once every worker has bound.
#pragma once

#include "uvreactor/Endpoint.hpp"
#include "uvreactor/Error.hpp"

namespace uvreactor::demo {

struct Reservation {
  Endpoint at;  // with the real port
  int tcp = -1;
  int udp = -1;
  bool irc = false;  // an --irc-listen address (chat), passed on as such
};

// Binds TCP (and, when `udp`, UDP on the same port) with SO_REUSEPORT. With
// port 0, tries other ports until one is free for both.
Result<Reservation> reserve(const Endpoint& wanted, bool udp);

}  // namespace uvreactor::demo
