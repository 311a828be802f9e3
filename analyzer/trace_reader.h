// trace_reader.h — decode a trace file into a Trace, trusting nothing in it.
//
// What: validates the file header (magic, endianness, pointer size, version range, header size,
// offsets), then walks the thread-slot table and every chunk, checking each record's kind and
// size against the bytes that remain. Damage stops the read of that chunk only; everything
// readable before it is kept and ReadStats says what was lost (one line per problem in
// `warnings`). Counts in the file are never used to size an allocation before being checked
// against the file size, so a hostile trace cannot make the reader allocate without bound.
// Failure semantics: returns false with `error` set (one line, naming the file and the problem)
// only when nothing can be read: missing/unreadable file, a directory, an empty file, wrong magic,
// foreign endianness, a version newer than this reader (the message names both versions) or older
// than kMinReadableVersion. Otherwise returns true, possibly with warnings.
// Thread-safety: reentrant; no shared state.
// Complexity: O(file size) time; memory O(distinct records): identical kAcquire records (the
// repeats of a full-event trace) are kept once.

#ifndef LOCKSCOPE_ANALYZER_TRACE_READER_H_
#define LOCKSCOPE_ANALYZER_TRACE_READER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "trace_model.h"

namespace lockscope {
namespace analysis {

bool ReadTrace(const std::string& path, Trace* out, std::string* error);

// Same, from bytes already in memory (`name` is used in messages). For tests and the fuzzer.
bool ReadTraceFromBytes(std::string_view bytes, const std::string& name, Trace* out,
                        std::string* error);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_TRACE_READER_H_
