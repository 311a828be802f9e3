// findings.h — the only type viz/ consumes: what the analyzer found, with its evidence, already
// symbolized and named. viz/ renders a Report to bytes and never looks at a Trace.
//
// Vocabulary (lockdep): a *lock* here is an instance (one object at one address and generation);
// an *edge* A -> B means "B was acquired while A was held"; a *cycle* is a closed path of edges
// taken by at least two threads, a potential deadlock even when the run did not hang.
//
// Every Finding carries its evidence: the locks by name, one EdgeEvidence per edge with the thread
// and both stacks (where the second lock was taken while holding the first, and where the first
// was taken). A candidate the analyzer chose not to report goes to Report::suppressed with the
// reason, so "why did lockscope stay silent?" always has an answer.
// Plain data, copyable, no invariants beyond the index ranges documented per field.

#ifndef LOCKSCOPE_ANALYZER_FINDINGS_H_
#define LOCKSCOPE_ANALYZER_FINDINGS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace lockscope {
namespace analysis {

// The finding kinds shared by every issue; the strings are the JSON/SARIF rule ids.
enum class FindingKind {
  kLockOrderCycle,       // "lock-order-cycle"
  kActualDeadlock,       // "actual-deadlock"
  kRwlockUpgrade,        // "rwlock-upgrade"
  kRecursiveReadHazard,  // "recursive-read-hazard"
  kCommDeadlock,         // "comm-deadlock"
  kLostWakeup,           // "lost-wakeup"
  kLeakedThread,         // "leaked-thread"
  kApiMisuse,            // "api-misuse"
  kDataRace,             // "data-race"
  kContention,           // "contention"
};
const char* FindingKindName(FindingKind kind);

// One symbolized frame. Fields that could not be resolved are empty / 0.
struct Frame {
  uint64_t pc = 0;         // return address as recorded (runtime address)
  std::string module;      // path of the ELF object, "" if the pc is in no known module
  uint64_t module_offset = 0;
  std::string function;    // demangled; "" if unknown
  std::string file;        // source file, "" if no debug info
  int line = 0;
  int column = 0;
};
using Stack = std::vector<Frame>;  // innermost first

struct LockRef {
  uint32_t lock_id = 0;        // runtime id (unique within one trace)
  int32_t pid = 0;             // process the lock lives in
  uint64_t address = 0;
  std::string kind;            // "mutex", "rwlock", "spin", "semaphore", "annotated", "unknown"
  std::string name;            // human name: "g_accounts_mu", "Bank::mu_ (0x55..)", or
                               // "mutex 0x7ffd.. first locked at Transfer bank.cc:42"
  bool name_from_symbol = false;  // true when `name` came from ELF/DWARF (a global or static)
  Stack first_stack;           // where it was created or first locked
};

struct ThreadRef {
  uint32_t tid = 0;
  std::string name;      // "T1 (main)", or the pthread name if set; stable per report
  uint32_t parent_tid = 0;
  Stack create_stack;    // where pthread_create was called; empty for main
};

// One edge of a cycle (or the single dependency behind an upgrade/recursive-read finding).
struct EdgeEvidence {
  int from = 0;               // index into Finding::locks: the lock held
  int to = 0;                 // index into Finding::locks: the lock acquired
  std::string from_mode;      // "exclusive" | "shared"
  std::string to_mode;
  uint32_t tid = 0;           // thread that created the edge
  uint64_t count = 1;         // how many distinct records support it
  bool try_acquire = false;
  Stack acquire_stack;        // where `to` was acquired while holding `from`
  Stack held_stack;           // where `from` had been acquired
  std::vector<int> also_held; // other locks held at that moment (indices into Finding::locks)
};

// One row of a lockdep "possible unsafe locking scenario" table.
struct ScenarioStep {
  uint32_t tid = 0;
  std::string action;  // "lock(A)", "rlock(A)", "lock(B) <- blocks"
};

struct Finding {
  FindingKind kind = FindingKind::kLockOrderCycle;
  std::string subkind;       // api-misuse etc.: "unlock-not-held", ...
  std::string severity;      // "error" | "warning" | "note"
  std::string summary;       // one line: "potential deadlock: lock-order cycle M1 => M2 => M1"
  std::string story;         // a few sentences a person can act on
  std::vector<LockRef> locks;
  // kLockOrderCycle: locks[0, cycle_locks) are the cycle, in cycle order (edges[i].from == i);
  // later entries are other locks held at the time, referenced only by EdgeEvidence::also_held.
  int cycle_locks = 0;
  std::vector<EdgeEvidence> edges;  // for cycles: in cycle order, edges[i].to == edges[i+1].from
  std::vector<ThreadRef> threads;
  std::vector<ScenarioStep> scenario;
  std::vector<Stack> extra_stacks;  // kind-specific (e.g. misuse site)
  std::vector<std::string> extra_stack_titles;
  bool hung = false;         // the process was observed blocked in this state
  int32_t pid = 0;
  std::string trace_path;
  // When the evidence became complete, in the trace's seq order (cycles: the first record of
  // their newest edge; leaks: the thread's start); 0 = unknown. Used to attribute it to a test.
  uint64_t seq = 0;
  std::string test;          // the unit test it belongs to ("Suite.Test"), "" if none
  // `analyze --static FINDINGS.json` (static_merge.h): the static finding that names the same
  // places, as one line ("rwlock-upgrade on chat::Hub::mu_ at hub.cc:31 -> hub.cc:37"); "" = not
  // confirmed, or no static findings were given.
  std::string confirmed_by_source;
};

// A candidate that a filter removed; rendered in JSON always, in text with --verbose.
struct SuppressedCandidate {
  FindingKind kind = FindingKind::kLockOrderCycle;
  std::string reason_id;  // "single-thread", "gate-lock", "happens-before", "try-lock",
                          // "shared-locks" (readers do not block readers),
                          // "after-foreign-unlock" (api-misuse), ...; analyze.h lists them all
  std::string reason;     // human sentence naming the evidence
  std::vector<LockRef> locks;
  std::vector<uint32_t> tids;
};

// A finding a user suppression rule (--suppressions FILE, suppressions.h) removed from the report.
// Counted in the summary, listed in JSON (and SARIF, as a suppressed result), in text with -v.
struct SuppressedFinding {
  Finding finding;
  std::string rule;       // the rule as written: "lock-order-inversion:fun:*Backend::*"
  std::string rule_file;  // the suppression file
  int rule_line = 0;
  std::string matched;    // what the rule matched: "function Backend::Flush()", "lock g_audit_mu"
};

// One thread's state when the trace ended, from its live slot (a jstack-style dump): after a hang
// killed by `lockscope run --timeout`, what every thread was doing at the moment of death.
struct ThreadAtEnd {
  ThreadRef thread;
  std::string state;               // "running" | "blocked"
  std::string waiting;             // blocked: "acquiring g_mu, held by thread T2", ...
  std::string since;               // blocked: "+1.234 s" after the trace started, or ""
  Stack wait_stack;                // blocked: where the wait began
  std::vector<LockRef> held;       // locks it held
  std::vector<Stack> held_stacks;  // parallel to `held`: where each was acquired
  // Thread dumps only (ThreadDump below):
  Stack stack;                     // running: its own stack when the dump was taken
  std::string note;                // why it has no stack ("sleeping in the kernel in nanosleep ...")
};

// One thread dump (the dump signal, or `lockscope run --timeout` just before its kill): every
// live thread as ThreadAtEnd, plus its own stack when it was running (thread_dumps.h).
struct ThreadDump {
  uint32_t number = 0;    // 1, 2, ... within the process
  std::string at;         // "+1.234 s" after the trace started
  std::string reason;     // "signal" | "timeout"
  bool incomplete = false;  // fewer threads read than the dump announced (killed mid-dump)
  std::vector<ThreadAtEnd> threads;  // in T<n> order
};

struct TraceSummary {
  std::string path;
  int32_t pid = 0;
  std::string exe;
  std::string cmdline;
  bool clean_exit = false;
  uint64_t threads = 0;
  uint64_t locks = 0;
  uint64_t records = 0;
  std::vector<std::string> warnings;  // partial read, dropped records, missing debug info, ...
  std::vector<ThreadAtEnd> threads_at_end;  // threads not exited at the end, in T<n> order
  std::vector<ThreadDump> thread_dumps;     // by number
  uint32_t dump_signal = 0;  // the signal that takes a thread dump in this process (0 = none)
  bool dump_stood_down = false;  // the program handles that signal itself: lockscope stood down
};

// The whole lock-order graph, beyond the edges that findings cite. Optional and additive: an
// analyzer that does not fill it leaves it empty, and viz then draws only the findings' evidence.
// viz draws the neighbourhood of the findings by default and all of it with --full-graph.
struct LockGraphEdge {
  int from = 0;                // index into LockGraphView::locks: the lock held
  int to = 0;                  // index into LockGraphView::locks: the lock acquired
  std::string from_mode;       // "exclusive" | "shared"
  std::string to_mode;
  std::vector<uint32_t> tids;  // threads that took this edge
  uint64_t count = 1;          // distinct records supporting it
  uint64_t wait_ns = 0;        // total time spent waiting for `to` on this edge; 0 = unknown
  Stack acquire_stack;         // one witness: where `to` was acquired while holding `from`
  bool static_only = false;    // read from the source (`--static`), not seen in the run
};

struct LockGraphView {
  std::vector<LockRef> locks;
  std::vector<uint32_t> instances;  // parallel to locks when grouped by class: instance count;
                                    // empty (or 0) = one instance
  std::vector<uint64_t> wait_ns;    // parallel to locks: total time threads waited for it
                                    // (kLockStats); empty (or 0) = none recorded
  uint64_t omitted_edges = 0;       // edges left out beyond AnalyzeOptions' cap
  std::vector<LockGraphEdge> edges;
  std::vector<ThreadRef> threads;   // names for LockGraphEdge::tids
};

// One lock's contention profile (`--contention`, issue #7): every thread's counters summed.
// Hold times are sampled (one acquisition in 64 per thread, fewer after 16 384), so
// hold_total_ns covers hold_samples holds; wait times are exact.
struct ContentionRow {
  LockRef lock;
  std::string first_used_at;  // "Fn file.cc:42" of LockRef::first_stack, "" if unknown
  uint64_t acquisitions = 0;
  uint64_t contended = 0;     // acquisitions that had to wait
  uint64_t wait_total_ns = 0;
  uint64_t wait_max_ns = 0;
  uint64_t hold_samples = 0;
  uint64_t hold_total_ns = 0;
  uint64_t hold_max_ns = 0;
  uint64_t owner_changes = 0;  // exclusive acquisitions that took the lock from another thread
  bool hot = false;            // also reported as a kContention finding
};

struct Report {
  std::string tool_version;
  std::vector<TraceSummary> traces;
  std::vector<Finding> findings;             // most important first (shortest cycles first)
  std::vector<SuppressedCandidate> suppressed;
  std::vector<SuppressedFinding> suppressed_findings;  // by user rules, in report order
  LockGraphView graph;                       // optional, see LockGraphView
  // Filled only when the contention profile was asked for: most contended first (contended
  // acquisitions, then total wait), every lock with at least one acquisition.
  std::vector<ContentionRow> contention;
  // `analyze --static`: static findings no dynamic finding confirms, one line each (their edges
  // are in `graph`, static_only); `static_merged` says the merge ran at all.
  std::vector<std::string> static_only;
  bool static_merged = false;
};

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_FINDINGS_H_
