// graph_render_bench.cpp — how long the lock-graph SVG takes for a big synthetic Report.
// Usage: graph_render_bench [NODES] [--full-graph]. Prints DOT/SVG times and sizes; asserts
// nothing (bench/graph_render.sh runs it at several sizes; people read the numbers).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "dot_graph.h"
#include "findings.h"

namespace {

using lockscope::analysis::LockGraphEdge;
using lockscope::analysis::Report;

lockscope::analysis::LockRef Lock(uint32_t id) {
  lockscope::analysis::LockRef l;
  l.lock_id = id;
  l.kind = "mutex";
  l.name = "g_lock_" + std::to_string(id);
  return l;
}

// NODES locks, 2*NODES random edges, plus one ABBA finding on locks 0 and 1.
Report Synthetic(int nodes) {
  Report r;
  r.traces.emplace_back();
  std::mt19937 rng(42);
  for (int i = 0; i < nodes; ++i) r.graph.locks.push_back(Lock(i));
  for (int i = 0; i < 2 * nodes; ++i) {
    LockGraphEdge e;
    e.from = static_cast<int>(rng() % nodes);
    e.to = static_cast<int>(rng() % nodes);
    e.tids = {static_cast<uint32_t>(rng() % 16)};
    e.wait_ns = rng() % 1000000;
    r.graph.edges.push_back(e);
  }
  lockscope::analysis::Finding f;
  f.locks = {Lock(0), Lock(1)};
  f.edges.resize(2);
  f.edges[0].from = 0;
  f.edges[0].to = 1;
  f.edges[1].from = 1;
  f.edges[1].to = 0;
  r.findings.push_back(f);
  return r;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = argc > 1 ? std::atoi(argv[1]) : 10000;
  lockscope::viz::DotOptions options;
  options.full_graph = argc > 2 && std::strcmp(argv[2], "--full-graph") == 0;
  Report report = Synthetic(nodes);
  auto start = std::chrono::steady_clock::now();
  std::string dot = lockscope::viz::RenderDot(report, options);
  double dot_s = Seconds(start);
  start = std::chrono::steady_clock::now();
  std::string svg, error;
  bool ok = lockscope::viz::RenderSvg(dot, &svg, &error);
  double svg_s = Seconds(start);
  std::printf("nodes=%d full_graph=%d dot=%.3fs (%zu bytes) svg=%.3fs (%zu bytes)%s%s\n", nodes,
              options.full_graph ? 1 : 0, dot_s, dot.size(), svg_s, svg.size(), ok ? "" : " ERROR ",
              error.c_str());
  return ok ? 0 : 1;
}
