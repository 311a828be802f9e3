// text_input.h — helpers for the analyzer's small line-based input formats (suppression files,
// the STD text trace): trimming, and showing a hostile token inside a one-line error message.

#ifndef LOCKSCOPE_ANALYZER_TEXT_INPUT_H_
#define LOCKSCOPE_ANALYZER_TEXT_INPUT_H_

#include <string>
#include <string_view>

namespace lockscope {
namespace analysis {

// `s` without leading and trailing blanks (space, tab, CR).
std::string_view TrimBlanks(std::string_view s);

// `s` made safe for a one-line error message: control bytes (a terminal escape in a hostile
// file) print as \xNN, and a token longer than 60 bytes is cut with "...".
std::string ShownInError(std::string_view s);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_TEXT_INPUT_H_
