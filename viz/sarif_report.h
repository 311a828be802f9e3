// sarif_report.h — the report as SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format),
// for CI code scanning (GitHub code scanning, VS Code SARIF viewer, ...).
//
// Shape: one run; tool.driver.rules has one rule per FindingKind (id = FindingKindName, e.g.
// "lock-order-cycle", with short/full description and help text), in enum order, so ruleIndex is
// stable. One result per Finding: ruleId, level (error|warning|note from Finding::severity),
// message = summary (+ story), locations = the acquisition site of the first edge (else the first
// frame with a source file), relatedLocations = every other edge's sites, and for findings with
// edges one codeFlow whose threadFlows are one per edge: "A held" then "B acquired while holding
// A", in the thread that did it. Suppressed candidates are results with kind "informational",
// level "none" and a suppressions entry carrying the reason (SARIF's way to say "not reported").
// Frames with a file become physicalLocation {artifactLocation {uri: file:///abs/path
// (percent-encoded), uriBaseId when relative}, region {startLine[, startColumn]}}; frames without
// one are skipped. All program strings go through nlohmann::json escaping; invalid UTF-8 becomes
// U+FFFD. Pure and thread-safe.

#ifndef LOCKSCOPE_VIZ_SARIF_REPORT_H_
#define LOCKSCOPE_VIZ_SARIF_REPORT_H_

#include <string>

#include "findings.h"

namespace lockscope {
namespace viz {

// The SARIF log, pretty-printed, with a trailing newline.
std::string RenderSarif(const analysis::Report& report);

// A file path as a URI: "file:///abs/p%20ath.cc" for absolute paths, the percent-encoded relative
// path otherwise. Every byte outside RFC 3986 unreserved characters and '/' is %XX-encoded.
std::string FileUri(const std::string& path);

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_SARIF_REPORT_H_
