// PortReservation: the supervisor's hold on a --listen (or --tls-listen,
// --irc-listen, --irc-tls-listen) address for its workers.
//
// One bound, never listening, SO_REUSEPORT socket per address and protocol,
// held for the supervisor's whole life: it keeps the port for the workers
// and for their replacements, so no other local user can bind it even in
// the moment when every worker has died, and it receives nothing. The TCP
// reserve never listens, so the kernel gives it no connection; the UDP
// reserve is connected to its own address (loopback for a wildcard one),
// and the kernel spreads a shared port's datagrams over the unconnected
// sockets only (Linux since 5.4; WorkersTest checks that every sender is
// answered). For a wildcard address that connect narrows the hold to
// the wildcard and loopback: while no worker lives, a bind to one other
// specific local address of the host is not prevented.
#pragma once

#include "uvreactor/Endpoint.hpp"
#include "uvreactor/Error.hpp"

namespace uvreactor::demo {

// Which flag an address came from, so it is passed on to the workers as such.
enum class ListenKind { Plain, Tls, Irc, IrcTls };  // --listen, --tls-listen, --irc-*

struct Reservation {
  Endpoint at;  // with the real port
  int tcp = -1;
  int udp = -1;
  ListenKind kind = ListenKind::Plain;
};

// Binds TCP (and, when `udp`, UDP on the same port) with SO_REUSEPORT. With
// port 0, tries other ports until one is free for both.
Result<Reservation> reserve(const Endpoint& wanted, bool udp);

}  // namespace uvreactor::demo
