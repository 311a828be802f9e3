#include "trace_writer.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "internal/raw_log.h"
#include "runtime.h"

namespace lockscope {
namespace rt {

using internal::ErrnoName;
using internal::RawFormat;
using internal::RawLog;

TraceWriter g_writer;

namespace {

uint64_t Clock(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t RoundUp(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }

// Reads a small /proc file into buf (NUL-terminated); returns the byte count.
size_t ReadProcFile(const char* path, char* buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t n = 0;
  while (n + 1 < size) {
    ssize_t r = read(fd, buf + n, size - 1 - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += static_cast<size_t>(r);
  }
  close(fd);
  buf[n] = '\0';
  return n;
}

void ReadExePath(char* buf, size_t size) {
  ssize_t n = readlink("/proc/self/exe", buf, size - 1);
  buf[n > 0 ? n : 0] = '\0';
}

}  // namespace

void ExpandTracePath(const char* tmpl, char* out, size_t size) {
  char exe[trace::kMaxPathBytes];
  ReadExePath(exe, sizeof(exe));
  const char* base = strrchr(exe, '/');
  base = base ? base + 1 : exe;
  if (!*base) base = "unknown";
  size_t n = 0;
  for (const char* p = tmpl; *p && n + 1 < size; ++p) {
    if (p[0] == '%' && p[1] == 'p') {
      n += RawFormat(out + n, size - n, "%d", static_cast<int>(getpid()));
      ++p;
    } else if (p[0] == '%' && p[1] == 'e') {
      n += RawFormat(out + n, size - n, "%s", base);
      ++p;
    } else {
      out[n++] = *p;
    }
  }
  out[n] = '\0';
}

bool TraceWriter::Reserve(uint64_t off, uint64_t len, int* err) {
  if (off + len > limit_) {
    *err = EFBIG;
    return false;
  }
  int rc;
  do {
    rc = fallocate(fd_, 0, static_cast<off_t>(off), static_cast<off_t>(len));
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return true;
  if (errno != EOPNOTSUPP) {
    *err = errno;
    return false;
  }
  // File systems without fallocate: extend by writing the region's last byte. This cannot shrink
  // the file under a concurrent claim (unlike ftruncate), but the blocks are not reserved.
  char zero = 0;
  if (pwrite(fd_, &zero, 1, static_cast<off_t>(off + len - 1)) == 1) return true;
  *err = errno;
  return false;
}

bool TraceWriter::Open(const ReentryGuard&, const Flags& flags, const char* path_template,
                       uint32_t status_bits) {
  char base_path[sizeof(path_) - 16];
  ExpandTracePath(path_template ? path_template : "lockscope.%e.%p.lstrace", base_path,
                  sizeof(base_path));
  int fd = -1;
  for (int attempt = 0; attempt < 1000 && fd < 0; ++attempt) {
    if (attempt == 0) {
      RawFormat(path_, sizeof(path_), "%s", base_path);
    } else {
      RawFormat(path_, sizeof(path_), "%s.%d", base_path, attempt);
    }
    fd = open(path_, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    RawLog("cannot create trace file '%s': %s; recording disabled, the program continues", path_,
           ErrnoName(errno));
    return false;
  }
  fd_ = fd;
  slot_count_ = static_cast<uint32_t>(flags.max_threads);
  const uint64_t slots_offset = trace::kHeaderBytes;
  const uint64_t chunks_offset =
      RoundUp(slots_offset + uint64_t{slot_count_} * trace::kSlotBytes, trace::kChunkAlign);
  limit_ = static_cast<uint64_t>(flags.max_trace_mb) << 20;
  limit_is_rlimit_ = false;
  rlimit rl;
  if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit_) {
    limit_ = rl.rlim_cur;
    limit_is_rlimit_ = true;
  }
  int err = 0;
  if (!Reserve(0, chunks_offset, &err)) {
    RawLog("cannot reserve the trace header in '%s': %s; recording disabled, the program continues",
           path_, ErrnoName(err));
    close(fd_);
    fd_ = -1;
    return false;
  }
  void* map = mmap(nullptr, chunks_offset, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (map == MAP_FAILED) {
    RawLog("cannot map the trace file: %s; recording disabled, the program continues",
           ErrnoName(errno));
    close(fd_);
    fd_ = -1;
    return false;
  }
  mapped_bytes_ = chunks_offset;
  auto* h = static_cast<trace::FileHeader*>(map);
  memcpy(h->magic, trace::kMagic, sizeof(h->magic));
  h->version = trace::kTraceFormatVersion;
  h->min_reader_version = trace::kMinReadableVersion;
  h->header_size = trace::kHeaderBytes;
  h->endian_tag = trace::kEndianTag;
  h->pointer_size = sizeof(void*);
  h->feature_bits = trace::kFeatureWakeTable;  // the table itself is zero (fresh file)
  h->pid = getpid();
  h->ppid = getppid();
  h->start_monotonic_ns = Clock(CLOCK_MONOTONIC);
  h->start_realtime_ns = Clock(CLOCK_REALTIME);
  h->max_chunk_bytes = kMaxChunkBytes;
  h->slot_count = slot_count_;
  h->slots_offset = slots_offset;
  h->chunks_offset = chunks_offset;
  h->stack_depth = static_cast<uint32_t>(flags.stack_depth);
  h->status_flags = status_bits;
  h->end_monotonic_ns = 0;
  h->dropped_records = 0;
  ReadExePath(h->exe_path, sizeof(h->exe_path));
  size_t n = ReadProcFile("/proc/self/cmdline", h->cmdline, sizeof(h->cmdline));
  while (n > 0 && h->cmdline[n - 1] == '\0') --n;  // trailing NUL of the last argument
  for (size_t i = 0; i < n; ++i) {
    if (h->cmdline[i] == '\0') h->cmdline[i] = ' ';
  }
  h->cmdline[n] = '\0';
  slots_ = reinterpret_cast<trace::ThreadSlot*>(static_cast<uint8_t*>(map) + slots_offset);
  next_offset_.store(chunks_offset, std::memory_order_relaxed);
  next_free_slot_.store(0, std::memory_order_relaxed);
  reuse_hint_.store(0, std::memory_order_relaxed);
  header_ = h;
  return true;
}

void TraceWriter::Abandon() {
  if (header_) munmap(header_, mapped_bytes_);
  if (fd_ >= 0) close(fd_);
  header_ = nullptr;
  slots_ = nullptr;
  fd_ = -1;
}

bool TraceWriter::ReserveChunk(const ReentryGuard&, uint32_t len, uint64_t* off) {
  if (!header_) return false;
  uint64_t o = next_offset_.fetch_add(len, std::memory_order_relaxed);
  int err = 0;
  if (Reserve(o, len, &err)) {
    *off = o;
    return true;
  }
  if (DisableRuntime(trace::DisableReason::kTraceFull)) {
    if (err == EFBIG && o + len > limit_) {
      RawLog("trace file '%s' reached its size limit (%s, %lu MiB); recording stopped, the "
             "program continues",
             path_, limit_is_rlimit_ ? "RLIMIT_FSIZE" : "max_trace_mb",
             static_cast<unsigned long>(limit_ >> 20));
    } else {
      RawLog("cannot reserve trace space in '%s': %s; recording stopped, the program continues",
             path_, ErrnoName(err));
    }
  }
  return false;
}

uint8_t* TraceWriter::MapChunk(const ReentryGuard&, uint64_t off, uint32_t len) {
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(off));
  if (p == MAP_FAILED) {
    if (DisableRuntime(trace::DisableReason::kInternal)) {
      RawLog("cannot map trace chunk: %s; recording stopped, the program continues",
             ErrnoName(errno));
    }
    return nullptr;
  }
  return static_cast<uint8_t*>(p);
}

trace::ThreadSlot* TraceWriter::ClaimSlot(uint32_t tid, uint64_t pthread_self) {
  if (!slots_) return nullptr;
  trace::ThreadSlot* slot = nullptr;
  // Never-used slots first: they are handed out in order, so a counter is enough.
  uint32_t i = next_free_slot_.load(std::memory_order_relaxed);
  while (i < slot_count_) {
    if (next_free_slot_.compare_exchange_weak(i, i + 1, std::memory_order_relaxed)) {
      slot = &slots_[i];
      break;
    }
  }
  if (!slot) {
    // Reuse the slot of an exited thread (its ThreadExit record keeps the history).
    uint32_t start = reuse_hint_.load(std::memory_order_relaxed);
    for (uint32_t k = 0; k < slot_count_ && !slot; ++k) {
      trace::ThreadSlot* s = &slots_[(start + k) % slot_count_];
      uint32_t expected = static_cast<uint32_t>(trace::ThreadState::kExited);
      if (__atomic_compare_exchange_n(&s->state, &expected,
                                      static_cast<uint32_t>(trace::ThreadState::kFree), false,
                                      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
        slot = s;
        reuse_hint_.store((start + k + 1) % slot_count_, std::memory_order_relaxed);
      }
    }
  }
  if (!slot) {
    // Not a give-up (records still flow), but the watchdog and thread dumps cannot see this
    // thread: count it for the report and say it once.
    if (header_ && __atomic_fetch_add(&header_->threads_without_slot, 1, __ATOMIC_RELAXED) == 0) {
      RawLog("more than %u threads alive at once (max_threads): the others are traced without "
             "live state, so hang detection and thread dumps do not see them; raise it with "
             "LOCKSCOPE_OPTIONS=max_threads=N",
             slot_count_);
    }
    return nullptr;
  }
  slot->n_held = 0;
  slot->held_overflow = 0;
  slot->wait_kind = static_cast<uint8_t>(trace::WaitKind::kNone);
  slot->wait_lock_id = 0;
  slot->wait_object = 0;
  slot->wait_since_ns = 0;
  slot->wait_stack_id = 0;
  slot->wait_mode = 0;
  slot->pthread_self = pthread_self;
  slot->tid = tid;
  __atomic_store_n(&slot->state, static_cast<uint32_t>(trace::ThreadState::kRunning),
                   __ATOMIC_RELEASE);
  return slot;
}

void TraceWriter::AddDropped(uint64_t n) {
  if (header_) __atomic_fetch_add(&header_->dropped_records, n, __ATOMIC_RELAXED);
}

void TraceWriter::SetStatus(uint32_t bits) {
  if (header_) __atomic_fetch_or(&header_->status_flags, bits, __ATOMIC_RELEASE);
}

void TraceWriter::SetEndTime(uint64_t ns) {
  if (header_) __atomic_store_n(&header_->end_monotonic_ns, ns, __ATOMIC_RELEASE);
}

}  // namespace rt
}  // namespace lockscope
