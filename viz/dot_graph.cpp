// dot_graph.cpp — see dot_graph.h.

#include "dot_graph.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <utility>

#include "escape.h"
#include "frame_format.h"
#include "graph_fold.h"

namespace lockscope {
namespace viz {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::FindingKind;
using analysis::LockGraphEdge;
using analysis::LockRef;
using analysis::Report;

namespace {

using NodeKey = LockKey;  // (pid, lock id): one lock instance (or a group, graph_fold.h)

NodeKey KeyOf(const LockRef& lock) { return {lock.pid, lock.lock_id}; }

// Colours: red = reported cycle, orange = upgrade, purple = recursive read, grey = context.
struct EdgeStyle {
  const char* color;
  const char* fill;  // node fill for the locks of such a finding
};

EdgeStyle StyleFor(FindingKind kind) {
  switch (kind) {
    case FindingKind::kLockOrderCycle:
    case FindingKind::kActualDeadlock:
    case FindingKind::kCommDeadlock:
    case FindingKind::kLostWakeup: return {"#d62728", "#fde0dd"};
    case FindingKind::kLeakedThread: return {"#8c564b", "#f1e6e2"};
    case FindingKind::kRwlockUpgrade: return {"#e6550d", "#fee6ce"};
    case FindingKind::kRecursiveReadHazard: return {"#7b3294", "#eadcf0"};
    case FindingKind::kContention: return {"#b8860b", "#fff5cc"};
    default: return {"#1f77b4", "#deebf7"};
  }
}

// Wait time as a colour from yellow (short) to red (longest in the graph).
std::string HeatColor(uint64_t wait_ns, uint64_t max_wait_ns) {
  double t = max_wait_ns == 0 ? 0 : std::log1p(static_cast<double>(wait_ns)) /
                                         std::log1p(static_cast<double>(max_wait_ns));
  int green = static_cast<int>(200 * (1.0 - t));
  char buf[16];
  std::snprintf(buf, sizeof(buf), "#e6%02x00", green);
  return buf;
}

std::string WaitText(uint64_t wait_ns) {
  char buf[48];
  if (wait_ns >= 1000000000ull) {
    std::snprintf(buf, sizeof(buf), "waited %.2f s", wait_ns / 1e9);
  } else if (wait_ns >= 1000000ull) {
    std::snprintf(buf, sizeof(buf), "waited %.2f ms", wait_ns / 1e6);
  } else {
    std::snprintf(buf, sizeof(buf), "waited %.1f us", wait_ns / 1e3);
  }
  return buf;
}

class DotBuilder {
 public:
  DotBuilder(const Report& report, const DotOptions& options)
      : report_(report), options_(options) {}

  std::string Build() {
    CollectFindingNodes();
    std::vector<size_t> graph_edges = SelectGraphEdges();
    node_count_ = finding_nodes_.size() + suppressed_nodes_.size() + graph_nodes_.size();
    if (node_count_ > kMaxDrawnLocks) {  // too many to lay out one by one: fold (graph_fold.h)
      std::set<LockKey> keep;
      for (const auto& [key, kind] : finding_nodes_) keep.insert(key);
      keep.insert(suppressed_nodes_.begin(), suppressed_nodes_.end());
      folded_ = FoldLockGraph(report_.graph, keep);
      graph_ = &folded_.graph;
      graph_nodes_.clear();
      omitted_locks_ = 0;
      max_wait_ns_ = max_node_wait_ns_ = 0;
      graph_edges = SelectGraphEdges();
      node_count_ = finding_nodes_.size() + suppressed_nodes_.size() + graph_nodes_.size();
    }
    large_ = node_count_ > kLargeGraphNodes || graph_edges.size() > kLargeGraphEdges;
    EmitHeader();
    int finding_no = 0;
    for (const Finding& f : report_.findings) {
      ++finding_no;
      AddFindingEdges(f, finding_no);
    }
    for (const auto& s : report_.suppressed) AddSuppressed(s);
    for (size_t i : graph_edges) AddGraphEdge(graph().edges[i]);
    if (options_.legend && !large_) AddLegend();
    out_ << "}\n";
    return out_.str();
  }

 private:
  // The locks that findings and suppressed candidates name; with the finding that colours them.
  void CollectFindingNodes() {
    for (const Finding& f : report_.findings) {
      for (const LockRef& l : f.locks) finding_nodes_.emplace(KeyOf(l), f.kind);
    }
    for (const auto& s : report_.suppressed) {
      for (const LockRef& l : s.locks) suppressed_nodes_.insert(KeyOf(l));
    }
  }

  bool IsDrawnLock(const NodeKey& key) const {
    return finding_nodes_.count(key) != 0 || suppressed_nodes_.count(key) != 0;
  }

  // Report::graph edges to draw: all with full_graph, else those touching a finding's lock.
  std::vector<size_t> SelectGraphEdges() {
    const auto& g = graph();
    std::vector<size_t> picked;
    std::set<size_t> locks_shown;
    for (size_t i = 0; i < g.edges.size(); ++i) {
      const LockGraphEdge& e = g.edges[i];
      if (!GraphEdgeInRange(e)) continue;
      bool near = IsDrawnLock(KeyOf(g.locks[e.from])) || IsDrawnLock(KeyOf(g.locks[e.to]));
      // Static-only edges are findings of the source: always drawn.
      if (!options_.full_graph && !near && !e.static_only) continue;
      picked.push_back(i);
      max_wait_ns_ = std::max(max_wait_ns_, e.wait_ns);
      max_node_wait_ns_ = std::max({max_node_wait_ns_, NodeWait(e.from), NodeWait(e.to)});
      for (int end : {e.from, e.to}) {
        if (!IsDrawnLock(KeyOf(g.locks[end]))) graph_nodes_.insert(KeyOf(g.locks[end]));
      }
    }
    for (size_t i = 0; i < g.locks.size(); ++i) {
      const LockRef& l = g.locks[i];
      if (IsDrawnLock(KeyOf(l)) || graph_nodes_.count(KeyOf(l)) != 0) continue;
      omitted_locks_ += i < g.instances.size() && g.instances[i] > 1 ? g.instances[i] : 1;
    }
    return picked;
  }

  uint64_t NodeWait(int i) const {
    const auto& w = graph().wait_ns;
    return i >= 0 && static_cast<size_t>(i) < w.size() ? w[i] : 0;
  }

  bool GraphEdgeInRange(const LockGraphEdge& e) const {
    const size_t n = graph().locks.size();
    return e.from >= 0 && e.to >= 0 && static_cast<size_t>(e.from) < n &&
           static_cast<size_t>(e.to) < n;
  }

  void EmitHeader() {
    std::string title = "lockscope lock-order graph";
    if (omitted_locks_ > 0) {
      title += "\n(" + std::to_string(omitted_locks_) +
               " locks far from every finding not shown; --full-graph draws them)";
    }
    if (graph_ != &report_.graph) {
      title += "\n(" + std::to_string(folded_.folded_locks) + " locks drawn as " +
               std::to_string(folded_.groups) +
               (folded_.by_kind ? " groups, one per kind" : " groups of locks named alike") +
               ": too many to draw one by one)";
    }
    out_ << "digraph lockscope {\n"
         << "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, labelloc=t, nodesep=0.5, "
         << "ranksep=0.9, label=\"" << EscapeDot(title) << "\"";
    // Overlap removal (prism) costs more than the layout itself beyond a few thousand nodes.
    if (large_) {
      out_ << ", layout=sfdp, quadtree=fast, splines=false, outputorder=edgesfirst, overlap="
           << (node_count_ < 4 * kLargeGraphNodes ? "false" : "true");
    }
    out_ << "];\n"
         << "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f6fa\", "
         << "color=\"#5a6270\", fontname=\"Helvetica\", fontsize=11];\n"
         << "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#8a8f98\"];\n";
  }

  std::string NodeFor(const LockRef& lock, uint32_t instances = 0, uint64_t wait_ns = 0) {
    auto key = KeyOf(lock);
    auto it = nodes_.find(key);
    if (it != nodes_.end()) return it->second;
    std::string id = "L" + std::to_string(nodes_.size());
    nodes_.emplace(key, id);
    std::string label = lock.name + "\n" + lock.kind;
    if (instances > 1) label += " \xC3\x97" + std::to_string(instances) + " instances";
    if (report_.traces.size() > 1) label += " (pid " + std::to_string(lock.pid) + ")";
    if (wait_ns > 0) label += "\n" + WaitText(wait_ns) + " in all";
    std::string tooltip = lock.name + " (" + lock.kind + ")" +
                          (wait_ns > 0 ? ": threads " + WaitText(wait_ns) + " for it in all" : "") +
                          "\nfirst locked at:\n" + StackText(lock.first_stack, 32);
    out_ << "  " << id << " [label=\"" << EscapeDot(large_ ? lock.name : label)
         << "\", tooltip=\"" << EscapeDot(tooltip) << "\"";
    auto kind = finding_nodes_.find(key);
    if (kind != finding_nodes_.end()) {
      EdgeStyle style = StyleFor(kind->second);
      out_ << ", fillcolor=\"" << style.fill << "\", color=\"" << style.color
           << "\", penwidth=2";
    } else if (wait_ns > 0) {  // a hot lock: yellow (little wait) to red (the most in the graph)
      out_ << ", fillcolor=\"" << HeatColor(wait_ns, max_node_wait_ns_) << "\"";
    }
    out_ << "];\n";
    return id;
  }

  static std::string EdgeCaption(const Finding& f, int finding_no, size_t i, size_t n,
                                 const EdgeEvidence& e) {
    if (IsCycleKind(f.kind)) {
      return "cycle " + std::to_string(finding_no) + " \xC2\xB7 " + std::to_string(i + 1) + "/" +
             std::to_string(n) + (f.hung ? " (hung)" : "");
    }
    std::string modes = ModesText(e);
    if (f.kind == FindingKind::kRwlockUpgrade) {
      return "upgrade " + (modes.empty() ? std::string("read \xE2\x86\x92 write") : modes);
    }
    if (f.kind == FindingKind::kRecursiveReadHazard) return "recursive read \xE2\x86\x92 read";
    return analysis::FindingKindName(f.kind);
  }

  // Findings about threads rather than lock order (leaked threads, lost wake-ups, communication
  // deadlocks) have no lock-order edges: draw each thread as a node (what it was doing, where it
  // was created) with a "waits" arrow to the lock it waits for or released while waiting.
  void AddThreadNodes(const Finding& f, int finding_no) {
    if (f.kind != FindingKind::kLeakedThread && f.kind != FindingKind::kLostWakeup &&
        f.kind != FindingKind::kCommDeadlock) {
      return;
    }
    const EdgeStyle style = StyleFor(f.kind);
    std::string what = analysis::FindingKindName(f.kind);
    if (!f.subkind.empty()) what += " (" + f.subkind + ")";
    const size_t shown = std::min<size_t>(f.threads.size(), 16);
    for (size_t i = 0; i < shown; ++i) {
      const auto& t = f.threads[i];
      std::string id = "F" + std::to_string(finding_no) + "T" + std::to_string(t.tid);
      std::string created = SiteText(t.create_stack);
      std::string label = (t.name.empty() ? "thread " + std::to_string(t.tid) : t.name) + "\n" +
                          what + (created.empty() ? "" : "\ncreated at " + created);
      std::string tooltip = label + "\n" + StackText(t.create_stack, 32);
      if (i < f.extra_stack_titles.size() && i < f.extra_stacks.size()) {
        tooltip += "\n" + f.extra_stack_titles[i] + ":\n" + StackText(f.extra_stacks[i], 32);
      }
      out_ << "  " << id << " [shape=box, style=\"filled\", label=\"" << EscapeDot(label)
           << "\", tooltip=\"" << EscapeDot(tooltip) << "\", fillcolor=\"" << style.fill
           << "\", color=\"" << style.color << "\", fontcolor=\"" << style.color << "\"];\n";
      if (f.locks.empty() || (f.kind == FindingKind::kLeakedThread && f.subkind != "blocked")) {
        continue;
      }
      std::string lock = NodeFor(f.locks[0]);  // emits the node first when it is new
      out_ << "  " << id << " -> " << lock << " [style=dashed, color=\""
           << style.color << "\", fontcolor=\"" << style.color << "\", label=\""
           << EscapeDot(f.kind == FindingKind::kLeakedThread ? "blocked at exit" : "waits")
           << "\"];\n";
    }
    if (f.threads.size() > shown) {
      out_ << "  F" << finding_no << "more [shape=plaintext, label=\"+"
           << f.threads.size() - shown << " more threads\"];\n";
    }
  }

  void AddFindingEdges(const Finding& f, int finding_no) {
    AddThreadNodes(f, finding_no);
    const size_t n = f.edges.size();
    const EdgeStyle style = StyleFor(f.kind);
    for (size_t i = 0; i < n; ++i) {
      const EdgeEvidence& e = f.edges[i];
      if (!EdgeInRange(f, e)) continue;  // malformed evidence: draw nothing rather than a wrong edge
      std::string from = NodeFor(f.locks[e.from]);
      std::string to = NodeFor(f.locks[e.to]);
      drawn_pairs_.insert({KeyOf(f.locks[e.from]), KeyOf(f.locks[e.to])});
      std::string thread = ThreadName(f, e.tid);
      std::string modes = ModesText(e);
      std::string label = EdgeCaption(f, finding_no, i, n, e) + "\n" + thread +
                          (e.to_mode == "shared" ? ": rlock " : ": lock ") + f.locks[e.to].name +
                          "\nholding " + f.locks[e.from].name + "\nat " + SiteText(e.acquire_stack);
      if (e.count > 1) label += "\n\xC3\x97" + std::to_string(e.count);
      std::string tooltip = f.locks[e.to].name + " acquired" + (modes.empty() ? "" : " (" + modes + ")") +
                            " while holding " + f.locks[e.from].name + " in " + thread + ":\n" +
                            StackText(e.acquire_stack, 64) + f.locks[e.from].name +
                            " acquired at:\n" + StackText(e.held_stack, 64);
      out_ << "  " << from << " -> " << to << " [label=\"" << EscapeDot(label)
           << "\", tooltip=\"" << EscapeDot(tooltip) << "\", labeltooltip=\""
           << EscapeDot(tooltip) << "\", color=\"" << style.color << "\", fontcolor=\""
           << style.color << "\", penwidth=2.5, style=bold, arrowsize=1.1";
      if (e.try_acquire) out_ << ", arrowhead=empty";
      out_ << "];\n";
    }
  }

  void AddSuppressed(const analysis::SuppressedCandidate& s) {
    if (s.locks.size() < 2) return;
    for (size_t i = 0; i < s.locks.size(); ++i) {
      const LockRef& a = s.locks[i];
      const LockRef& b = s.locks[(i + 1) % s.locks.size()];
      std::string from = NodeFor(a);
      std::string to = NodeFor(b);
      drawn_pairs_.insert({KeyOf(a), KeyOf(b)});
      out_ << "  " << from << " -> " << to << " [style=dashed, color=\"#9a9a9a\", "
           << "fontcolor=\"#7a7a7a\", label=\"suppressed: " << EscapeDot(s.reason_id)
           << "\", tooltip=\"" << EscapeDot("not reported: " + s.reason) << "\"];\n";
    }
  }

  void AddGraphEdge(const LockGraphEdge& e) {
    const auto& g = graph();
    const LockRef& a = g.locks[e.from];
    const LockRef& b = g.locks[e.to];
    if (drawn_pairs_.count({KeyOf(a), KeyOf(b)}) != 0) return;  // already drawn as evidence
    auto instances = [&](int i) {
      return static_cast<size_t>(i) < g.instances.size() ? g.instances[i] : 0u;
    };
    std::string from = NodeFor(a, instances(e.from), NodeWait(e.from));
    std::string to = NodeFor(b, instances(e.to), NodeWait(e.to));
    std::string threads;
    for (uint32_t tid : e.tids) {
      if (!threads.empty()) threads += ", ";
      threads += GraphThreadName(tid);
    }
    if (e.static_only) {
      AddStaticEdge(e, from, to, a, b);
      return;
    }
    std::string label = threads + (e.count > 1 ? " \xC3\x97" + std::to_string(e.count) : "");
    if (e.wait_ns > 0) label += "\n" + WaitText(e.wait_ns);
    std::string tooltip = b.name + " acquired while holding " + a.name + " by " + threads +
                          ":\n" + StackText(e.acquire_stack, 64);
    out_ << "  " << from << " -> " << to << " [tooltip=\"" << EscapeDot(tooltip) << "\"";
    if (!large_) out_ << ", label=\"" << EscapeDot(label) << "\"";
    if (e.wait_ns > 0) {
      double width = 1.0 + 4.0 * std::log1p(static_cast<double>(e.wait_ns)) /
                               std::log1p(static_cast<double>(std::max<uint64_t>(max_wait_ns_, 1)));
      out_ << ", color=\"" << HeatColor(e.wait_ns, max_wait_ns_) << "\", penwidth=" << width;
    }
    out_ << "];\n";
  }

  // An edge `lockscope static` found and the run did not: dashed purple, labelled with the
  // acquisition in the source.
  void AddStaticEdge(const LockGraphEdge& e, const std::string& from, const std::string& to,
                     const LockRef& a, const LockRef& b) {
    std::string site = e.acquire_stack.empty() ? "" : SiteText(e.acquire_stack);
    std::string label = std::string("static only") +
                        (e.to_mode == "shared" ? ": rlock " : ": lock ") + b.name +
                        (site.empty() ? "" : "\nat " + site);
    std::string tooltip = "found in the source (lockscope static), not seen in this run: " +
                          b.name + " acquired while holding " + a.name + ":\n" +
                          StackText(e.acquire_stack, 64);
    out_ << "  " << from << " -> " << to << " [style=dashed, color=\"#6a51a3\", "
         << "fontcolor=\"#6a51a3\", penwidth=1.8, tooltip=\"" << EscapeDot(tooltip) << "\"";
    if (!large_) out_ << ", label=\"" << EscapeDot(label) << "\"";
    out_ << "];\n";
  }

  std::string GraphThreadName(uint32_t tid) const {
    for (const auto& t : graph().threads) {
      if (t.tid == tid && !t.name.empty()) return t.name;
    }
    return "thread " + std::to_string(tid);
  }

  void AddLegend() {
    const char* kArrow = "\xE2\x86\x92";
    out_ << "  subgraph cluster_legend {\n"
         << "    label=\"legend\"; fontsize=10; style=dashed; color=\"#bbbbbb\";\n"
         << "    node [shape=plaintext, style=\"\", fontsize=9, color=\"#ffffff\"];\n"
         << "    legend_a [label=\"lock A\"]; legend_b [label=\"lock B\"];\n"
         << "    legend_a -> legend_b [label=\"B taken while A held: edge of a reported\\n"
         << "cycle, numbered in cycle order\", color=\"#d62728\", fontcolor=\"#d62728\", "
         << "penwidth=2.5];\n"
         << "    legend_r [label=\"rwlock R\"];\n"
         << "    legend_r -> legend_r [label=\"read " << kArrow << " write: upgrade "
         << "(self-deadlock)\", color=\"#e6550d\", fontcolor=\"#e6550d\", penwidth=2.5];\n"
         << "    legend_q [label=\"rwlock Q\"];\n"
         << "    legend_q -> legend_q [label=\"read " << kArrow << " read: recursive read\", "
         << "color=\"#7b3294\", fontcolor=\"#7b3294\", penwidth=2.5];\n"
         << "    legend_c [label=\"lock C\"]; legend_d [label=\"lock D\"];\n"
         << "    legend_c -> legend_d [label=\"suppressed candidate (reason)\", style=dashed, "
         << "color=\"#9a9a9a\", fontcolor=\"#7a7a7a\"];\n"
         << "    legend_e [label=\"lock E\"]; legend_f [label=\"lock F\"];\n"
         << "    legend_e -> legend_f [label=\"other order seen (threads, count);\\n"
         << "thicker and redder = longer waits\", color=\"#e66400\", penwidth=3];\n"
         << "    legend_note [label=\"hover a lock or an edge for its full stacks\"];\n"
         << "  }\n";
  }

  const analysis::LockGraphView& graph() const { return *graph_; }

  const Report& report_;
  const DotOptions& options_;
  const analysis::LockGraphView* graph_ = &report_.graph;  // or &folded_.graph
  FoldedGraph folded_;
  std::ostringstream out_;
  std::map<NodeKey, std::string> nodes_;
  std::map<NodeKey, FindingKind> finding_nodes_;
  std::set<NodeKey> suppressed_nodes_;
  std::set<NodeKey> graph_nodes_;
  std::set<std::pair<NodeKey, NodeKey>> drawn_pairs_;
  size_t omitted_locks_ = 0;
  uint64_t max_wait_ns_ = 0;
  uint64_t max_node_wait_ns_ = 0;  // the most any drawn lock was waited for (hot locks)
  size_t node_count_ = 0;
  bool large_ = false;
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

std::string RenderDot(const Report& report, const DotOptions& options) {
  return DotBuilder(report, options).Build();
}

std::string RenderDot(const Report& report) { return RenderDot(report, DotOptions()); }

namespace {

// One Graphviz context for the whole process, as `dot` has. Graphviz's pango text-layout plugin
// remembers the last font it measured in a static pointer to the font's name, and that name lives
// in the context's font dictionary: after gvFreeContext the next context's first label compares
// against freed memory (heap-use-after-free inside libgvplugin_pango's textspan_size, seen under
// ASan when a report rendered two SVGs). Keeping the context alive keeps the name alive.
// Graphviz keeps other global state too (agseterr, the plugin's caches) and is not thread-safe,
// so every render holds this mutex.
std::mutex g_graphviz_mu;

GVC_t* SharedContext() {
  static GVC_t* const gvc = gvContext();  // never freed: see above
  return gvc;
}

}  // namespace

bool RenderSvg(const std::string& dot, std::string* svg, std::string* error) {
  std::lock_guard<std::mutex> lock(g_graphviz_mu);
  GVC_t* gvc = SharedContext();
  if (gvc == nullptr) {
    *error = "Graphviz: cannot create a context";
    return false;
  }
  agseterr(AGMAX);  // keep libcgraph from printing to stderr; we report one line ourselves
  Agraph_t* graph = agmemread(dot.c_str());
  if (graph == nullptr) {
    *error = "Graphviz: cannot parse the generated DOT graph";
    return false;
  }
  // `dot -Tsvg` honours the graph's `layout` attribute; so do we (large graphs ask for sfdp).
  const char* layout = agget(graph, const_cast<char*>("layout"));
  std::string engine = layout != nullptr && *layout != '\0' ? layout : "dot";
  bool ok = false;
  if (gvLayout(gvc, graph, engine.c_str()) != 0) {
    *error = "Graphviz: layout '" + engine + "' failed (is its plugin installed? package graphviz)";
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
  return ok;
}

}  // namespace viz
}  // namespace lockscope
