// json_report.h — the machine report: one JSON document with a versioned schema.
//
// Schema (schema_version 1; bump it when a field changes meaning or disappears, not when one is
// added):
//   {"tool":"lockscope","version":..,"schema_version":1,
//    "traces":[{"path","pid","exe","cmdline","clean_exit","threads","locks","records","warnings"}],
//    "findings":[{"kind","subkind","severity","summary","story","hung","pid","trace","test",
//                 "locks":[{"id","name","kind","address":"0x..","name_from_symbol","first_stack"}],
//                 "edges":[{"from","to","from_mode","to_mode","tid","thread","count","try",
//                           "acquire_stack","held_stack","also_held"}],
//                 "threads":[{"tid","name","parent_tid","create_stack"}],
//                 "scenario":[{"tid","thread","action"}],
//                 "extra_stacks":[{"title","stack"}]}],
//    "suppressed":[{"kind","reason_id","reason","locks","tids"}],
//    "suppressed_by_rules":[{...every field of a finding..., "rule":{"text","file","line"},
//                            "matched"}],          (--suppressions FILE)
//    "summary":{"findings":N,"by_kind":{"lock-order-cycle":N,..},"suppressed":M,
//               "suppressed_by_rules":K}}
//   frame: {"pc":"0x..","function","file","line","column","module","offset":"0x.."}
// Strings from the traced program (names, paths) may hold invalid UTF-8: they are replaced with
// U+FFFD, never thrown on. Pure and thread-safe.

#ifndef LOCKSCOPE_VIZ_JSON_REPORT_H_
#define LOCKSCOPE_VIZ_JSON_REPORT_H_

#include <string>

#include "findings.h"

namespace lockscope {
namespace viz {

inline constexpr int kJsonSchemaVersion = 1;

// The document, pretty-printed with two-space indentation and a trailing newline.
std::string RenderJson(const analysis::Report& report);

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_JSON_REPORT_H_
