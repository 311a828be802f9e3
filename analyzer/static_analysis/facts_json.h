// facts_json.h — ProgramFacts to and from a compact binary form (MessagePack through
// nlohmann_json), for the per-file fact cache (fact_cache.h). Every field of static_facts.h is
// written; a field added there must be added to facts_json.cpp too (the cache test compares the
// findings of a cold and a cached run over every static sample).
// Failure semantics: FactsFromBytes returns false on bytes it cannot read (never throws).

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FACTS_JSON_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FACTS_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "static_facts.h"

namespace lockscope {
namespace static_analysis {

std::vector<std::uint8_t> FactsToBytes(const ProgramFacts& facts);
bool FactsFromBytes(const std::vector<std::uint8_t>& bytes, ProgramFacts* facts);

}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FACTS_JSON_H_
