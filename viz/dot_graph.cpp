#include "dot_graph.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

namespace lockscope {
namespace viz {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::FindingKind;
using analysis::LockRef;
using analysis::Report;

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
size_t Utf8SequenceLength(const std::string& s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  return n;
}

std::string FrameText(const analysis::Frame& f) {
  std::ostringstream os;
  if (!f.function.empty()) {
    os << f.function;
  } else {
    os << (f.module.empty() ? "?" : f.module) << "+0x" << std::hex << f.module_offset << std::dec;
  }
  if (!f.file.empty()) {
    auto slash = f.file.rfind('/');
    os << " " << (slash == std::string::npos ? f.file : f.file.substr(slash + 1)) << ":" << f.line;
  }
  return os.str();
}

std::string StackText(const analysis::Stack& stack, size_t max_frames) {
  std::string out;
  for (size_t i = 0; i < stack.size() && i < max_frames; ++i) {
    out += "#" + std::to_string(i) + " " + FrameText(stack[i]) + "\n";
  }
  return out;
}

// The first frame that has a source line: the acquisition "site" shown on an edge label.
std::string SiteText(const analysis::Stack& stack) {
  for (const auto& f : stack) {
    if (!f.file.empty()) return FrameText(f);
  }
  return stack.empty() ? std::string() : FrameText(stack.front());
}

class DotBuilder {
 public:
  explicit DotBuilder(const Report& report) : report_(report) {}

  std::string Build() {
    out_ << "digraph lockscope {\n"
         << "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, labelloc=t, "
         << "label=\"lockscope lock-order graph\"];\n"
         << "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f6fa\", "
         << "fontname=\"Helvetica\", fontsize=11];\n"
         << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    int finding_no = 0;
    for (const Finding& f : report_.findings) {
      ++finding_no;
      if (!f.edges.empty()) AddFindingEdges(f, finding_no);
    }
    for (const auto& s : report_.suppressed) AddSuppressed(s);
    AddLegend();
    out_ << "}\n";
    return out_.str();
  }

 private:
  std::string NodeFor(const LockRef& lock) {
    auto key = std::make_pair(lock.pid, lock.lock_id);
    auto it = nodes_.find(key);
    if (it != nodes_.end()) return it->second;
    std::string id = "L" + std::to_string(nodes_.size());
    nodes_.emplace(key, id);
    std::string label = lock.name + "\n" + lock.kind;
    if (report_.traces.size() > 1) label += " (pid " + std::to_string(lock.pid) + ")";
    std::string tooltip = lock.name + "\nfirst locked at:\n" + StackText(lock.first_stack, 16);
    out_ << "  " << id << " [label=\"" << EscapeDot(label) << "\", tooltip=\""
         << EscapeDot(tooltip) << "\"];\n";
    return id;
  }

  void AddFindingEdges(const Finding& f, int finding_no) {
    const bool cycle = f.kind == FindingKind::kLockOrderCycle;
    const size_t n = f.edges.size();
    for (size_t i = 0; i < n; ++i) {
      const EdgeEvidence& e = f.edges[i];
      if (e.from < 0 || e.to < 0 || static_cast<size_t>(e.from) >= f.locks.size() ||
          static_cast<size_t>(e.to) >= f.locks.size()) {
        continue;  // malformed evidence: draw nothing rather than a wrong edge
      }
      std::string from = NodeFor(f.locks[e.from]);
      std::string to = NodeFor(f.locks[e.to]);
      std::string thread = ThreadName(f, e.tid);
      std::string label = (cycle ? "#" + std::to_string(finding_no) + " " +
                                       std::to_string(i + 1) + "/" + std::to_string(n) + "  "
                                 : std::string()) +
                          thread + (e.to_mode == "shared" ? " rlock" : " lock") + "\n" +
                          SiteText(e.acquire_stack);
      if (e.count > 1) label += "\n×" + std::to_string(e.count);
      std::string tooltip = f.locks[e.to].name + " acquired while holding " +
                            f.locks[e.from].name + " in " + thread + ":\n" +
                            StackText(e.acquire_stack, 32) + f.locks[e.from].name +
                            " acquired at:\n" + StackText(e.held_stack, 32);
      out_ << "  " << from << " -> " << to << " [label=\"" << EscapeDot(label)
           << "\", tooltip=\"" << EscapeDot(tooltip) << "\", labeltooltip=\""
           << EscapeDot(tooltip) << "\", color=\"" << (cycle ? "#d62728" : "#ff7f0e")
           << "\", fontcolor=\"" << (cycle ? "#d62728" : "#b35900")
           << "\", penwidth=2.5, style=bold];\n";
    }
  }

  void AddSuppressed(const analysis::SuppressedCandidate& s) {
    if (s.locks.size() < 2) return;
    for (size_t i = 0; i < s.locks.size(); ++i) {
      std::string from = NodeFor(s.locks[i]);
      std::string to = NodeFor(s.locks[(i + 1) % s.locks.size()]);
      out_ << "  " << from << " -> " << to << " [style=dashed, color=\"#9a9a9a\", "
           << "fontcolor=\"#7a7a7a\", label=\"suppressed: " << EscapeDot(s.reason_id)
           << "\", tooltip=\"" << EscapeDot(s.reason) << "\"];\n";
    }
  }

  void AddLegend() {
    out_ << "  subgraph cluster_legend {\n"
         << "    label=\"legend\"; fontsize=10; style=dashed; color=\"#bbbbbb\";\n"
         << "    node [shape=plaintext, style=\"\", fontsize=9];\n"
         << "    legend_a [label=\"lock A\"]; legend_b [label=\"lock B\"];\n"
         << "    legend_c [label=\"lock C\"]; legend_d [label=\"lock D\"];\n"
         << "    legend_a -> legend_b [label=\"B taken while A held\\n(part of a reported "
         << "cycle, numbered)\", color=\"#d62728\", fontcolor=\"#d62728\", penwidth=2.5];\n"
         << "    legend_c -> legend_d [label=\"suppressed candidate\\n(reason)\", "
         << "style=dashed, color=\"#9a9a9a\", fontcolor=\"#7a7a7a\"];\n"
         << "  }\n";
  }

  static std::string ThreadName(const Finding& f, uint32_t tid) {
    for (const auto& t : f.threads) {
      if (t.tid == tid) return t.name;
    }
    return "tid " + std::to_string(tid);
  }

  const Report& report_;
  std::ostringstream out_;
  std::map<std::pair<int32_t, uint32_t>, std::string> nodes_;
};

}  // namespace

std::string EscapeDot(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not valid UTF-8
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s, i, n);
      i += n;
      continue;
    }
    char c = s[i++];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      case '\t': out += ' '; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string RenderDot(const Report& report) { return DotBuilder(report).Build(); }

bool RenderSvg(const std::string& dot, std::string* svg, std::string* error) {
  GVC_t* gvc = gvContext();
  if (gvc == nullptr) {
    *error = "Graphviz: cannot create a context";
    return false;
  }
  agseterr(AGMAX);  // keep libcgraph from printing to stderr; we report one line ourselves
  Agraph_t* graph = agmemread(dot.c_str());
  if (graph == nullptr) {
    *error = "Graphviz: cannot parse the generated DOT graph";
    gvFreeContext(gvc);
    return false;
  }
  bool ok = false;
  if (gvLayout(gvc, graph, "dot") != 0) {
    *error = "Graphviz: layout failed (is the dot layout plugin installed? package graphviz)";
  } else {
    char* data = nullptr;
    unsigned int length = 0;
    if (gvRenderData(gvc, graph, "svg", &data, &length) != 0 || data == nullptr) {
      *error = "Graphviz: no SVG renderer (package graphviz provides libgvplugin_core)";
    } else {
      svg->assign(data, length);
      ok = true;
    }
    if (data != nullptr) gvFreeRenderData(data);
    gvFreeLayout(gvc, graph);
  }
  agclose(graph);
  gvFreeContext(gvc);
  return ok;
}

}  // namespace viz
}  // namespace lockscope
