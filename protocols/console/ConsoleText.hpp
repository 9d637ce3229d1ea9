// ConsoleText: a client's bytes made safe to show on the operator's terminal.
//
// The operator reads clients' text in a terminal, where control characters
// act: ESC starts sequences that move the cursor, clear the screen or
// retitle the window, CR and BS overwrite what is shown, and bidirectional
// overrides (U+202A-U+202E, U+2066-U+2069) reorder it. So the text is shown
// as sent, UTF-8 and tabs kept, with each C0 control shown as its Unicode
// control picture (ESC as U+241B, CR as U+240D, ...), DEL as U+2421, and
// each C1 control, bidi override and byte that is not valid UTF-8 as
// U+FFFD. Nothing it writes is a control character or invalid UTF-8.
// Pure; any thread.
#pragma once

#include <string>
#include <string_view>

namespace uvreactor::protocols::console {

void appendShownText(std::string& out, std::string_view text);

// True for text made only of whitespace (ASCII, U+00A0 and the ideographic
// space U+3000), the empty text included.
bool isBlank(std::string_view text);

}  // namespace uvreactor::protocols::console
