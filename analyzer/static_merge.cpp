// static_merge.cpp — see static_merge.h.

#include "static_merge.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "analyze.h"

namespace lockscope {
namespace analysis {
namespace {

using nlohmann::json;

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A site as a match key: file name without directories (the static pass may have read the file
// through another path than the debug info names) and line.
using SiteKey = std::pair<std::string, int>;

SiteKey KeyOf(const std::string& file, int line) { return {Basename(file), line}; }

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int Int(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::vector<StaticSite> Sites(const json& stack) {
  std::vector<StaticSite> out;
  if (!stack.is_array()) return out;
  for (const json& frame : stack) {
    if (!frame.is_object()) continue;
    out.push_back({Str(frame, "file"), Int(frame, "line"), Str(frame, "function")});
  }
  return out;
}

bool ParseFinding(const json& f, StaticFinding* out) {
  if (!f.is_object()) return false;
  out->kind = Str(f, "kind");
  out->summary = Str(f, "summary");
  auto locks = f.find("locks");
  if (locks != f.end() && locks->is_array()) {
    for (const json& l : *locks) {
      out->locks.push_back(l.is_object() ? Str(l, "name") : std::string());
      out->lock_kinds.push_back(l.is_object() ? Str(l, "kind") : std::string());
    }
  }
  auto edges = f.find("edges");
  if (edges != f.end() && edges->is_array()) {
    for (const json& e : *edges) {
      if (!e.is_object()) continue;
      int from = Int(e, "from"), to = Int(e, "to");
      if (from < 0 || to < 0 || static_cast<size_t>(from) >= out->locks.size() ||
          static_cast<size_t>(to) >= out->locks.size()) {
        continue;  // malformed evidence: no edge rather than a wrong one
      }
      StaticEdge se;
      se.from_lock = out->locks[from];
      se.to_lock = out->locks[to];
      se.from_mode = Str(e, "from_mode");
      se.to_mode = Str(e, "to_mode");
      se.chain = Sites(e.value("acquire_stack", json::array()));
      if (se.chain.empty() || se.chain.front().line <= 0) continue;
      se.acquire = se.chain.front();
      out->edges.push_back(std::move(se));
    }
  }
  return !out->kind.empty();
}

// Every file:line among the frames of a dynamic finding's evidence.
std::set<SiteKey> DynamicSites(const Finding& f) {
  std::set<SiteKey> sites;
  auto add = [&](const Stack& stack) {
    for (const Frame& frame : stack) {
      if (!frame.file.empty() && frame.line > 0) sites.insert(KeyOf(frame.file, frame.line));
    }
  };
  for (const EdgeEvidence& e : f.edges) {
    add(e.acquire_stack);
    add(e.held_stack);
  }
  for (const Stack& s : f.extra_stacks) add(s);
  return sites;
}

bool Confirms(const StaticFinding& s, const Finding& f, const std::set<SiteKey>& sites) {
  if (s.kind != FindingKindName(f.kind) || s.edges.empty()) return false;
  return std::all_of(s.edges.begin(), s.edges.end(), [&](const StaticEdge& e) {
    return sites.count(KeyOf(e.acquire.file, e.acquire.line)) != 0;
  });
}

std::string Describe(const StaticFinding& s) {
  std::string places;
  for (const StaticEdge& e : s.edges) {
    places += fmt::format("{}{} {}:{}", places.empty() ? "" : "; ", e.acquire.function,
                          Basename(e.acquire.file), e.acquire.line);
  }
  std::string locks;
  for (const std::string& l : s.locks) locks += (locks.empty() ? "" : ", ") + l;
  return fmt::format("{} on {} (acquired at {})", s.kind, locks, places);
}

}  // namespace

bool LoadStaticFindings(const std::string& path, std::vector<StaticFinding>* out,
                        std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot read the static findings file";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  json doc = json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    *error = path + ": not JSON (write it with `lockscope static --format json -o FILE`)";
    return false;
  }
  auto findings = doc.is_object() ? doc.find("findings") : doc.end();
  if (!doc.is_object() || findings == doc.end() || !findings->is_array()) {
    *error = path + ": not a lockscope JSON report (no \"findings\" array)";
    return false;
  }
  for (const json& f : *findings) {
    StaticFinding s;
    if (ParseFinding(f, &s)) out->push_back(std::move(s));
  }
  return true;
}

void MergeStaticFindings(const std::vector<StaticFinding>& statics, Report* report) {
  report->static_merged = true;
  std::vector<std::set<SiteKey>> sites;
  for (const Finding& f : report->findings) sites.push_back(DynamicSites(f));
  LockGraphView& graph = report->graph;
  std::map<std::string, int> static_nodes;  // source name -> index into graph.locks
  for (const StaticFinding& s : statics) {
    bool confirmed = false;
    for (size_t i = 0; i < report->findings.size(); ++i) {
      Finding& f = report->findings[i];
      if (!Confirms(s, f, sites[i])) continue;
      confirmed = true;
      if (f.confirmed_by_source.empty()) f.confirmed_by_source = Describe(s);
    }
    if (confirmed) continue;
    report->static_only.push_back(Describe(s));
    auto node = [&](const std::string& name, const std::string& kind) {
      auto [it, fresh] = static_nodes.emplace(name, static_cast<int>(graph.locks.size()));
      if (fresh) {
        LockRef ref;
        ref.name = name;
        ref.kind = kind.empty() ? "lock" : kind;
        ref.name_from_symbol = true;
        ref.pid = -1;  // from the source: no process
        ref.lock_id = 0xF0000000u + static_cast<uint32_t>(static_nodes.size());
        graph.locks.push_back(ref);
        if (!graph.wait_ns.empty()) graph.wait_ns.push_back(0);
        if (!graph.instances.empty()) graph.instances.push_back(0);
      }
      return it->second;
    };
    auto kind_of = [&](const std::string& name) {
      for (size_t i = 0; i < s.locks.size(); ++i) {
        if (s.locks[i] == name && i < s.lock_kinds.size()) return s.lock_kinds[i];
      }
      return std::string();
    };
    for (const StaticEdge& e : s.edges) {
      LockGraphEdge edge;
      edge.from = node(e.from_lock, kind_of(e.from_lock));
      edge.to = node(e.to_lock, kind_of(e.to_lock));
      edge.from_mode = e.from_mode;
      edge.to_mode = e.to_mode;
      edge.static_only = true;
      for (const StaticSite& site : e.chain) {
        Frame frame;
        frame.function = site.function;
        frame.file = site.file;
        frame.line = site.line;
        edge.acquire_stack.push_back(frame);
      }
      graph.edges.push_back(std::move(edge));
    }
  }
}

}  // namespace analysis
}  // namespace lockscope
