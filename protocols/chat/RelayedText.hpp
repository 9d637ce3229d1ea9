// RelayedText: what of a member's text reaches other members' terminals.
//
// Chat is read in terminals, where control characters act: an ESC starts a
// sequence that can clear the screen, move the cursor or retitle the window,
// and a CR or BS can overwrite what another member appears to have said. So
// text relayed to others (lines, /me, /msg) keeps tabs and every printable
// byte, including UTF-8 and bytes that are not valid UTF-8, and has each C0
// control character, DEL and each UTF-8-encoded C1 control (U+0080-U+009F)
// replaced by '?'. Pure; loop-thread agnostic.
#pragma once

#include <string>
#include <string_view>

namespace uvreactor::protocols::chat {

void appendRelayedText(std::string& out, std::string_view text);
// True if `text` holds any byte appendRelayedText would replace (a tab is
// not one): what text from another server must not hold (EventCodec).
bool holdsControl(std::string_view text);

}  // namespace uvreactor::protocols::chat
