// cond_waits.cpp — the part of the function walk that records condition-variable waits and
// notifications (pthread_cond_*, std::condition_variable[_any]): which mutex a wait releases and
// which shared variables its predicate reads. The static rules use them to recognise a wait for
// worker threads to park (thread_order.h), which orders what follows it like a join.

#include <clang-c/Index.h>

#include <string>
#include <vector>

#include "clang_util.h"
#include "function_walker.h"

namespace lockscope {
namespace static_analysis {
namespace internal {

std::vector<std::string> FunctionWalker::PredicateVariables(CXCursor cond) {
  std::vector<std::string> vars;
  ForEachRef(cond, [&](CXCursor ref) {
    CXCursor decl = clang_getCursorReferenced(ref);
    CXCursorKind k = clang_getCursorKind(decl);
    if ((k == CXCursor_FieldDecl || k == CXCursor_VarDecl) && IsSharedVariable(decl)) {
      vars.push_back(QualifiedName(decl));
    }
  });
  return vars;
}

void FunctionWalker::WalkPredicateLoop(CXCursor loop) {
  // `while (P) wait(cv, mu);` and `do wait(cv, mu); while (P);`: P is what the wait waits for.
  std::vector<CXCursor> kids = Children(loop);
  const bool is_do = clang_getCursorKind(loop) == CXCursor_DoStmt;
  std::vector<std::string> predicate;
  for (size_t i = 0; i < kids.size(); ++i) {
    bool body = is_do ? i == 0 : i + 1 == kids.size();
    if (!body) {
      std::vector<std::string> vars = PredicateVariables(kids[i]);
      predicate.insert(predicate.end(), vars.begin(), vars.end());
    }
  }
  loop_predicates_.push_back(predicate);
  WalkChildren(loop, false);
  loop_predicates_.pop_back();
}

void FunctionWalker::RecordCondOp(CXCursor call, CXCursor callee, const std::string& cv_method,
                                  size_t accesses_before) {
  const bool std_cv = !cv_method.empty();
  const bool pthread = clang_getCursorKind(callee) == CXCursor_FunctionDecl;
  const std::string name = std_cv ? cv_method : pthread ? Spelling(callee) : std::string();
  const int line = Location(call, facts_->name).line;
  if ((pthread && (name == "pthread_cond_signal" || name == "pthread_cond_broadcast")) ||
      (std_cv && (name == "notify_one" || name == "notify_all"))) {
    facts_->wake_lines.push_back(line);
    return;
  }
  std::vector<CXCursor> args = CallArguments(call);
  CondWaitFact w;
  w.line = line;
  if (pthread && (name == "pthread_cond_wait" || name == "pthread_cond_timedwait" ||
                  name == "pthread_cond_clockwait")) {
    if (args.size() < 2) return;
    w.mutex = ResolveLock(args[1]).id;
  } else if (std_cv && (name == "wait" || name == "wait_for" || name == "wait_until")) {
    if (args.empty()) return;
    // The unique_lock guard it is given (condition_variable_any may get the mutex itself).
    CXCursor ref = FirstRef(args[0]);
    auto g = clang_Cursor_isNull(ref) ? state_.guards.end()
                                      : state_.guards.find(Usr(clang_getCursorReferenced(ref)));
    w.mutex = g != state_.guards.end() && !g->second.locks.empty() ? g->second.locks.front()
                                                                   : ResolveLock(args[0]).id;
    // wait(lk, pred), wait_for(lk, d, pred): the predicate lambda was walked in place.
    if (args.size() == (name == "wait" ? 2u : 3u)) {
      for (size_t i = accesses_before; i < facts_->accesses.size(); ++i) {
        w.predicate.push_back(facts_->accesses[i].variable);
      }
    }
  } else {
    return;
  }
  if (w.mutex.empty() || w.mutex == kUnnamedLock) return;
  if (w.predicate.empty() && !loop_predicates_.empty()) w.predicate = loop_predicates_.back();
  facts_->cond_waits.push_back(w);
}

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope
