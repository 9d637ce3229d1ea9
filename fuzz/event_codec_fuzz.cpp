// libFuzzer target for the backplane's event codec: any message another
// program publishes on a room channel. A message that decodes must encode
// back to the same bytes (the codec neither loses nor invents a field),
// every view must lie inside the message, and no field may hold a control
// character (Redis is untrusted input).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backplane/EventCodec.hpp"
#include "chat/RelayedText.hpp"

using namespace uvreactor::protocols;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view message(reinterpret_cast<const char*>(data), size);
  auto decoded = backplane::decodeEvent(message);
  if (!decoded) return 0;
  const chat::RoomEvent& e = decoded->event;
  for (std::string_view part : {decoded->server, e.room, e.nick, e.text, e.target}) {
    if (!part.empty() && (part.data() < message.data() ||
                          part.data() + part.size() > message.data() + message.size())) {
      std::abort();
    }
    if (chat::holdsControl(part)) {
      std::abort();
    }
  }
  std::string again;
  backplane::encodeEvent(again, decoded->server, e);
  if (again != message) std::abort();
  return 0;
}
