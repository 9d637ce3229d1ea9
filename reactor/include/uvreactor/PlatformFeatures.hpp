// PlatformFeatures: what the system this library was built for offers
// where systems differ, so an application can refuse a configuration up
// front instead of running it badly.
//
// Free functions, no state; any thread.
#pragma once

namespace uvreactor {

// Whether ListenerOptions::reusePort and UdpOptions::reusePort spread
// connections and datagrams among the sockets sharing a port (Linux
// SO_REUSEPORT, FreeBSD SO_REUSEPORT_LB). Where false, asking for them
// fails with UV_ENOTSUP: N processes would not share the load.
bool reusePortBalancesLoad();

// The same option on a socket the application made itself (a POSIX
// descriptor, before bind), e.g. a supervisor holding a port for its
// workers. 0, or a libuv error (UV_ENOTSUP where reusePortBalancesLoad()
// is false).
int allowReusePortOn(int fd);

}  // namespace uvreactor
