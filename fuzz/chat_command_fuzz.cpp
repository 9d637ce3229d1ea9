// Arbitrary lines through the chat command parser, and through a whole chat
// session on a FakeConnection: no crash, and every reply line is a notice,
// an error, or a chat line.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "chat/ChatCommand.hpp"
#include "chat/ChatHandler.hpp"
#include "uvreactor/testing/FakeConnection.hpp"

using namespace uvreactor::protocols::chat;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ChatCommand c = parseChatCommand(input);
  for (std::string_view part : {c.argument, c.target}) {
    if (!part.empty() &&
        (part.data() < input.data() || part.data() + part.size() > input.data() + input.size())) {
      std::abort();  // views must point into the line
    }
  }
  if ((c.kind == CommandKind::Nick || c.kind == CommandKind::Join) && c.argument.empty()) {
    std::abort();
  }
  ChatRoomService service;
  uvreactor::testing::FakeConnection a, b;
  a.open(makeChatFactory(service, 256));
  b.open(makeChatFactory(service, 256));
  a.deliver(input);
  b.deliver("\n");
  for (auto* conn : {&a, &b}) {
    std::string out = conn->takeOutput();
    std::size_t start = 0;
    while (start < out.size()) {
      std::size_t nl = out.find('\n', start);
      if (nl == std::string::npos) std::abort();  // every reply is a whole line
      start = nl + 1;
    }
  }
  return 0;
}
