// AddressKey: the key under which TcpListener counts a peer against
// maxPerAddress: the network its address is in, not the address itself.
//
// IPv4 addresses are cut to `v4Prefix` bits, IPv6 to `v6Prefix` (one home
// line or one host holds a whole /64, so keying by the /128 would leave it
// unlimited). An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack
// socket reports for an IPv4 peer) is keyed as the IPv4 address it is.
// Pure; any thread.
#pragma once

#include <sys/socket.h>

#include <string>

namespace uvreactor::detail {

// Bytes that compare equal for two peers in the same network (family and
// prefix length included); empty for a family other than IPv4 and IPv6.
// Prefixes are clamped to the family's width.
std::string addressKey(const sockaddr* address, unsigned v4Prefix, unsigned v6Prefix);

}  // namespace uvreactor::detail
