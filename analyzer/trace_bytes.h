// trace_bytes.h — bounded reads from a trace file's bytes, for the trace reader's decoders.
//
// Every read from the file goes through Bytes::Load(), which refuses any read that is not
// entirely inside the bytes: no value from the file is trusted before it has been compared with
// the bytes that remain.

#ifndef LOCKSCOPE_ANALYZER_TRACE_BYTES_H_
#define LOCKSCOPE_ANALYZER_TRACE_BYTES_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace lockscope {
namespace analysis {
namespace internal {

// Bounded view of the file. Load() refuses any read that is not entirely inside the bytes.
class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  uint64_t size() const { return data_.size(); }
  template <typename T>
  bool Load(uint64_t offset, T* out) const {
    if (offset > data_.size() || data_.size() - offset < sizeof(T)) return false;
    std::memcpy(out, data_.data() + offset, sizeof(T));
    return true;
  }
  std::string_view Slice(uint64_t offset, uint64_t len) const {
    if (offset > data_.size()) return {};
    return data_.substr(offset, std::min<uint64_t>(len, data_.size() - offset));
  }
  bool AllZero(uint64_t offset, uint64_t len) const {
    std::string_view s = Slice(offset, len);
    return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
  }

 private:
  std::string_view data_;
};

// Fixed-size record of type T at `offset`, with h.size >= sizeof(T).
template <typename T>
bool LoadFixed(const Bytes& bytes, uint64_t offset, uint32_t size, T* out) {
  return size >= sizeof(T) && bytes.Load(offset, out);
}

// A trailing array of `n` elements of `elem` bytes after a `fixed` part must fill `size` exactly
// (up to the 8-byte record padding). Checked in 64 bits so `n` cannot overflow.
inline bool TrailingFits(uint32_t size, uint64_t fixed, uint64_t n, uint64_t elem) {
  uint64_t need = fixed + n * elem;
  return need <= size && size - need < 8;
}

}  // namespace internal
}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_TRACE_BYTES_H_
