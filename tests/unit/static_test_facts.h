// static_test_facts.h — builders of hand-made static facts shared by the static-pass unit tests.
#ifndef LOCKSCOPE_TESTS_UNIT_STATIC_TEST_FACTS_H_
#define LOCKSCOPE_TESTS_UNIT_STATIC_TEST_FACTS_H_

#include <string>

#include "static_facts.h"

namespace lockscope {
namespace static_analysis {

// A function keyed "usr:NAME" (so that CallFact{"usr:NAME", ...} reaches it), defined at `loc`.
inline FunctionFacts& AddFunction(ProgramFacts& p, const std::string& name, const SourceLoc& loc) {
  FunctionFacts& f = p.functions["usr:" + name];
  f.usr = "usr:" + name;
  f.name = name;
  f.loc = loc;
  return f;
}

}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_TESTS_UNIT_STATIC_TEST_FACTS_H_
