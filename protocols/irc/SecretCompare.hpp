// SecretCompare: comparing a password a client sent with the configured
// one in time that does not depend on where they first differ, so a client
// cannot find the password byte by byte by timing the replies. Only the
// lengths may show (as in most implementations). Pure, any thread.
#pragma once

#include <cstddef>
#include <string_view>

namespace uvreactor::protocols::irc {

inline bool secretsEqual(std::string_view given, std::string_view expected) {
  // volatile: the compiler may not end the loop at the first difference.
  volatile unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    unsigned char e = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
    difference = difference | (static_cast<unsigned char>(given[i]) ^ e);
  }
  return difference == 0;
}

}  // namespace uvreactor::protocols::irc
