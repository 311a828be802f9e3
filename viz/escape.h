// escape.h — making strings from the traced program safe for each output format.
//
// Every string that comes from the program under test (symbols, file names, thread names, lock
// names) may hold any byte: markup (`<script>`), quotes, `&`, newlines, control bytes and invalid
// UTF-8. Each renderer passes such strings through exactly one function here before emitting
// them. Invalid UTF-8 bytes become U+FFFD (never an exception); control bytes other than newline
// and tab become U+FFFD in markup, where they are not allowed (XML 1.0 forbids most of them).
// Pure functions, thread-safe.

#ifndef LOCKSCOPE_VIZ_ESCAPE_H_
#define LOCKSCOPE_VIZ_ESCAPE_H_

#include <cstddef>
#include <string>

namespace lockscope {
namespace viz {

// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 if it is not valid there
// (bad lead byte, truncated sequence, bad continuation byte).
size_t Utf8SequenceLength(const std::string& s, size_t i);

// `s` with every byte that is not part of a valid UTF-8 sequence replaced with U+FFFD.
std::string SanitizeUtf8(const std::string& s);

// For XML/HTML text and attribute values (double- or single-quoted): & < > " ' become entities;
// control bytes except \n and \t become U+FFFD; invalid UTF-8 becomes U+FFFD.
std::string EscapeXml(const std::string& s);

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_ESCAPE_H_
