// Layout of every on-disk structure in trace_format.h: sizes, offsets, alignment, RecordAlign.
// A failure here means the format changed: bump the version and tell the analyzer.

#include <cstddef>

#include <gtest/gtest.h>

#include <set>

#include "lockscope/trace_format.h"

namespace lockscope {
namespace trace {
namespace {

TEST(RtTraceFormat, FileHeaderLayout) {
  EXPECT_EQ(sizeof(FileHeader), 2224u);
  EXPECT_EQ(offsetof(FileHeader, magic), 0u);
  EXPECT_EQ(offsetof(FileHeader, version), 8u);
  EXPECT_EQ(offsetof(FileHeader, min_reader_version), 12u);
  EXPECT_EQ(offsetof(FileHeader, header_size), 16u);
  EXPECT_EQ(offsetof(FileHeader, endian_tag), 20u);
  EXPECT_EQ(offsetof(FileHeader, pointer_size), 24u);
  EXPECT_EQ(offsetof(FileHeader, feature_bits), 32u);
  EXPECT_EQ(offsetof(FileHeader, pid), 40u);
  EXPECT_EQ(offsetof(FileHeader, ppid), 44u);
  EXPECT_EQ(offsetof(FileHeader, start_monotonic_ns), 48u);
  EXPECT_EQ(offsetof(FileHeader, start_realtime_ns), 56u);
  EXPECT_EQ(offsetof(FileHeader, max_chunk_bytes), 64u);
  EXPECT_EQ(offsetof(FileHeader, slot_count), 68u);
  EXPECT_EQ(offsetof(FileHeader, slots_offset), 72u);
  EXPECT_EQ(offsetof(FileHeader, chunks_offset), 80u);
  EXPECT_EQ(offsetof(FileHeader, stack_depth), 88u);
  EXPECT_EQ(offsetof(FileHeader, status_flags), 92u);
  EXPECT_EQ(offsetof(FileHeader, end_monotonic_ns), 96u);
  EXPECT_EQ(offsetof(FileHeader, dropped_records), 104u);
  EXPECT_EQ(offsetof(FileHeader, dump_signal), 112u);
  EXPECT_EQ(offsetof(FileHeader, dumps_written), 116u);
  EXPECT_EQ(offsetof(FileHeader, threads_without_slot), 120u);
  EXPECT_EQ(offsetof(FileHeader, reserved1), 128u);
  EXPECT_EQ(offsetof(FileHeader, exe_path), 176u);
  EXPECT_EQ(offsetof(FileHeader, cmdline), 1200u);
  EXPECT_LE(sizeof(FileHeader), kHeaderBytes);
}

TEST(RtTraceFormat, SlotLayout) {
  EXPECT_EQ(sizeof(HeldEntry), 16u);
  EXPECT_EQ(offsetof(HeldEntry, lock_id), 0u);
  EXPECT_EQ(offsetof(HeldEntry, stack_id), 4u);
  EXPECT_EQ(offsetof(HeldEntry, mode), 8u);
  EXPECT_EQ(offsetof(HeldEntry, count), 12u);
  EXPECT_EQ(sizeof(ThreadSlot), kSlotBytes);
  EXPECT_EQ(offsetof(ThreadSlot, tid), 0u);
  EXPECT_EQ(offsetof(ThreadSlot, state), 4u);
  EXPECT_EQ(offsetof(ThreadSlot, pthread_self), 8u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_object), 16u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_since_ns), 24u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_lock_id), 32u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_stack_id), 36u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_kind), 40u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_mode), 41u);
  EXPECT_EQ(offsetof(ThreadSlot, held_overflow), 42u);
  EXPECT_EQ(offsetof(ThreadSlot, n_held), 44u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_object_epoch), 48u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_wake_epoch), 56u);
  EXPECT_EQ(offsetof(ThreadSlot, held), 64u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_lost_signal_ns), 960u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_lost_signal_tid), 968u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_lost_signal_stack_id), 972u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_fd), 976u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_channel), 980u);
  EXPECT_EQ(offsetof(ThreadSlot, wait_dir), 981u);
  EXPECT_EQ(alignof(ThreadSlot) <= 8, true);
  // State words are updated with atomics in a shared mapping: they must be naturally aligned.
  EXPECT_EQ(offsetof(ThreadSlot, state) % 4, 0u);
  EXPECT_EQ(offsetof(ThreadSlot, n_held) % 4, 0u);
}

TEST(RtTraceFormat, ChunkHeaderLayout) {
  EXPECT_EQ(sizeof(ChunkHeader), 32u);
  EXPECT_EQ(offsetof(ChunkHeader, magic), 0u);
  EXPECT_EQ(offsetof(ChunkHeader, tid), 4u);
  EXPECT_EQ(offsetof(ChunkHeader, seq), 8u);
  EXPECT_EQ(offsetof(ChunkHeader, used_bytes), 12u);
  EXPECT_EQ(offsetof(ChunkHeader, capacity_bytes), 16u);
  EXPECT_EQ(offsetof(ChunkHeader, dropped), 24u);
  EXPECT_EQ(kChunkAlign, 4096u);
  EXPECT_EQ(kHeaderBytes % kChunkAlign, 0u);
}

TEST(RtTraceFormat, RecordSizesAndOffsets) {
  EXPECT_EQ(sizeof(RecordHeader), 8u);
  EXPECT_EQ(offsetof(RecordHeader, kind), 0u);
  EXPECT_EQ(offsetof(RecordHeader, flags), 1u);
  EXPECT_EQ(offsetof(RecordHeader, size), 4u);

  EXPECT_EQ(sizeof(Module), 40u);
  EXPECT_EQ(offsetof(Module, load_bias), 8u);
  EXPECT_EQ(offsetof(Module, start), 16u);
  EXPECT_EQ(offsetof(Module, end), 24u);
  EXPECT_EQ(offsetof(Module, path_len), 32u);

  EXPECT_EQ(sizeof(StackDef), 16u);
  EXPECT_EQ(offsetof(StackDef, stack_id), 8u);
  EXPECT_EQ(offsetof(StackDef, depth), 12u);

  EXPECT_EQ(sizeof(LockDef), 40u);
  EXPECT_EQ(offsetof(LockDef, seq), 8u);
  EXPECT_EQ(offsetof(LockDef, address), 16u);
  EXPECT_EQ(offsetof(LockDef, lock_id), 24u);
  EXPECT_EQ(offsetof(LockDef, generation), 28u);
  EXPECT_EQ(offsetof(LockDef, stack_id), 32u);
  EXPECT_EQ(offsetof(LockDef, attrs), 36u);
  EXPECT_EQ(offsetof(LockDef, lock_kind), 38u);

  EXPECT_EQ(sizeof(LockDestroy), 24u);
  EXPECT_EQ(offsetof(LockDestroy, lock_id), 16u);
  EXPECT_EQ(offsetof(LockDestroy, stack_id), 20u);

  EXPECT_EQ(sizeof(Acquire), 48u);
  EXPECT_EQ(offsetof(Acquire, seq), 8u);
  EXPECT_EQ(offsetof(Acquire, time_ns), 16u);
  EXPECT_EQ(offsetof(Acquire, lock_id), 24u);
  EXPECT_EQ(offsetof(Acquire, stack_id), 28u);
  EXPECT_EQ(offsetof(Acquire, epoch), 32u);
  EXPECT_EQ(offsetof(Acquire, n_held), 36u);
  EXPECT_EQ(offsetof(Acquire, mode), 40u);

  EXPECT_EQ(sizeof(Release), 24u);
  EXPECT_EQ(offsetof(Release, time_ns), 8u);
  EXPECT_EQ(offsetof(Release, lock_id), 16u);

  EXPECT_EQ(sizeof(ThreadStart), 56u);
  EXPECT_EQ(offsetof(ThreadStart, seq), 8u);
  EXPECT_EQ(offsetof(ThreadStart, time_ns), 16u);
  EXPECT_EQ(offsetof(ThreadStart, pthread_self), 24u);
  EXPECT_EQ(offsetof(ThreadStart, start_routine), 32u);
  EXPECT_EQ(offsetof(ThreadStart, parent_tid), 40u);
  EXPECT_EQ(offsetof(ThreadStart, create_stack_id), 44u);
  EXPECT_EQ(offsetof(ThreadStart, parent_epoch), 48u);

  EXPECT_EQ(sizeof(ThreadExit), 32u);
  EXPECT_EQ(offsetof(ThreadExit, n_held), 24u);
  EXPECT_EQ(offsetof(ThreadExit, via_pthread_exit), 28u);

  EXPECT_EQ(sizeof(ThreadJoin), 40u);
  EXPECT_EQ(offsetof(ThreadJoin, joined_tid), 24u);
  EXPECT_EQ(offsetof(ThreadJoin, stack_id), 28u);
  EXPECT_EQ(offsetof(ThreadJoin, epoch_after), 32u);

  EXPECT_EQ(sizeof(ThreadDetach), 24u);
  EXPECT_EQ(offsetof(ThreadDetach, detached_tid), 16u);

  EXPECT_EQ(sizeof(ThreadDetached), 32u);
  EXPECT_EQ(offsetof(ThreadDetached, seq), 8u);
  EXPECT_EQ(offsetof(ThreadDetached, target_self), 16u);
  EXPECT_EQ(offsetof(ThreadDetached, target_tid), 24u);
  EXPECT_EQ(offsetof(ThreadDetached, stack_id), 28u);

  EXPECT_EQ(sizeof(Misuse), 56u);
  EXPECT_EQ(offsetof(Misuse, object), 24u);
  EXPECT_EQ(offsetof(Misuse, lock_id), 32u);
  EXPECT_EQ(offsetof(Misuse, stack_id), 36u);
  EXPECT_EQ(offsetof(Misuse, other_tid), 40u);
  EXPECT_EQ(offsetof(Misuse, other_id), 44u);
  EXPECT_EQ(offsetof(Misuse, misuse_kind), 48u);

  EXPECT_EQ(sizeof(Fork), 24u);
  EXPECT_EQ(offsetof(Fork, child_pid), 16u);
  EXPECT_EQ(sizeof(Disabled), 24u);
  EXPECT_EQ(offsetof(Disabled, reason), 16u);
  EXPECT_EQ(sizeof(ThreadName), 16u);
  EXPECT_EQ(offsetof(ThreadName, tid), 8u);
  EXPECT_EQ(offsetof(ThreadName, len), 12u);
}

TEST(RtTraceFormat, EveryFixedRecordIsRecordAligned) {
  for (size_t s : {sizeof(Module), sizeof(StackDef), sizeof(LockDef), sizeof(LockDestroy),
                   sizeof(Acquire), sizeof(Release), sizeof(ThreadStart), sizeof(ThreadExit),
                   sizeof(ThreadJoin), sizeof(ThreadDetach), sizeof(ThreadDetached), sizeof(Misuse), sizeof(Fork),
                   sizeof(Disabled), sizeof(ThreadName), sizeof(HeldEntry), sizeof(ChannelDef),
                   sizeof(ChannelUse)}) {
    EXPECT_EQ(s % 8, 0u) << s;
    EXPECT_EQ(RecordAlign(static_cast<uint32_t>(s)), s);
  }
}

// Issue #9 records: unit-test markers and the creator's side of pthread_create.
TEST(RtTraceFormat, EcosystemRecordLayout) {
  EXPECT_EQ(static_cast<int>(RecordKind::kTestBegin), 32);
  EXPECT_EQ(static_cast<int>(RecordKind::kTestEnd), 33);
  EXPECT_EQ(static_cast<int>(RecordKind::kThreadCreated), 34);
  EXPECT_EQ(sizeof(TestMarker), 32u);
  EXPECT_EQ(offsetof(TestMarker, seq), 8u);
  EXPECT_EQ(offsetof(TestMarker, time_ns), 16u);
  EXPECT_EQ(offsetof(TestMarker, name_len), 24u);
  EXPECT_EQ(sizeof(ThreadCreated), 32u);
  EXPECT_EQ(offsetof(ThreadCreated, seq), 8u);
  EXPECT_EQ(offsetof(ThreadCreated, pthread_self), 16u);
  EXPECT_EQ(offsetof(ThreadCreated, parent_epoch), 24u);
  EXPECT_EQ(offsetof(ThreadCreated, create_stack_id), 28u);
  EXPECT_EQ(RecordAlign(sizeof(TestMarker) + kMaxTestNameBytes), 544u);
}

// Issue #4 thread dumps (kinds 20..21).
TEST(RtTraceFormat, ThreadDumpRecordLayout) {
  EXPECT_EQ(static_cast<int>(RecordKind::kThreadDump), 20);
  EXPECT_EQ(static_cast<int>(RecordKind::kThreadDumpThread), 21);
  EXPECT_EQ(sizeof(ThreadDump), 40u);
  EXPECT_EQ(offsetof(ThreadDump, seq), 8u);
  EXPECT_EQ(offsetof(ThreadDump, time_ns), 16u);
  EXPECT_EQ(offsetof(ThreadDump, dump_id), 24u);
  EXPECT_EQ(offsetof(ThreadDump, n_threads), 28u);
  EXPECT_EQ(offsetof(ThreadDump, reason), 32u);
  EXPECT_EQ(sizeof(ThreadDumpThread), 64u);
  EXPECT_EQ(offsetof(ThreadDumpThread, dump_id), 8u);
  EXPECT_EQ(offsetof(ThreadDumpThread, tid), 12u);
  EXPECT_EQ(offsetof(ThreadDumpThread, state), 16u);
  EXPECT_EQ(offsetof(ThreadDumpThread, stack_id), 20u);
  EXPECT_EQ(offsetof(ThreadDumpThread, wait_object), 24u);
  EXPECT_EQ(offsetof(ThreadDumpThread, wait_since_ns), 32u);
  EXPECT_EQ(offsetof(ThreadDumpThread, wait_lock_id), 40u);
  EXPECT_EQ(offsetof(ThreadDumpThread, wait_stack_id), 44u);
  EXPECT_EQ(offsetof(ThreadDumpThread, wait_kind), 48u);
  EXPECT_EQ(offsetof(ThreadDumpThread, syscall_nr), 52u);
  EXPECT_EQ(offsetof(ThreadDumpThread, n_held), 56u);
  EXPECT_EQ(RecordAlign(sizeof(ThreadDumpThread) + kSlotHeld * sizeof(HeldEntry)),
            sizeof(ThreadDumpThread) + kSlotHeld * sizeof(HeldEntry));
}

TEST(RtTraceFormat, WakeTableFitsTheHeaderPageAndSpreadsAddresses) {
  EXPECT_GE(kWakeTableOffset, sizeof(FileHeader));
  EXPECT_LE(kWakeTableOffset + kWakeBuckets * 8, kHeaderBytes);
  EXPECT_EQ(kWakeTableOffset % 8, 0u);
  // Condvars (48 bytes) within 1 KiB of each other never share a bucket, wherever they start.
  for (uint64_t base : {uint64_t{0x7ffd7f6e7308}, uint64_t{0x55aa06e410c0}, uint64_t{0x1000}}) {
    std::set<uint32_t> buckets;
    for (uint64_t a = base; a + 48 <= base + 1024; a += 48) {
      EXPECT_LT(WakeBucket(a), kWakeBuckets);
      EXPECT_TRUE(buckets.insert(WakeBucket(a)).second) << std::hex << a;
    }
  }
}

// Issue #4 channel records and the channel wait keys.
TEST(RtTraceFormat, ChannelRecordLayout) {
  EXPECT_EQ(static_cast<int>(RecordKind::kChannel), 18);
  EXPECT_EQ(static_cast<int>(RecordKind::kChannelUse), 19);
  EXPECT_EQ(static_cast<int>(WaitKind::kFd), 6);
  EXPECT_EQ(sizeof(ChannelDef), 48u);
  EXPECT_EQ(offsetof(ChannelDef, seq), 8u);
  EXPECT_EQ(offsetof(ChannelDef, ident), 16u);
  EXPECT_EQ(offsetof(ChannelDef, fds), 24u);
  EXPECT_EQ(offsetof(ChannelDef, stack_id), 32u);
  EXPECT_EQ(offsetof(ChannelDef, channel_kind), 36u);
  EXPECT_EQ(offsetof(ChannelDef, name_len), 40u);
  EXPECT_EQ(sizeof(ChannelUse), 32u);
  EXPECT_EQ(offsetof(ChannelUse, seq), 8u);
  EXPECT_EQ(offsetof(ChannelUse, ident), 16u);
  EXPECT_EQ(offsetof(ChannelUse, fd), 24u);
  EXPECT_EQ(offsetof(ChannelUse, stack_id), 28u);
  // The two directions of one channel, and consecutive pipe inodes, use different buckets.
  for (uint64_t ino : {uint64_t{92952}, uint64_t{92953}, uint64_t{1} << 63 | 5}) {
    EXPECT_NE(WakeBucket(ChannelWakeKey(ino, 0)), WakeBucket(ChannelWakeKey(ino, 1)));
    EXPECT_NE(WakeBucket(ChannelWakeKey(ino, 0)), WakeBucket(ChannelWakeKey(ino + 1, 0)));
  }
}

// Issue #7: an init site past max_lock_instances.
TEST(RtTraceFormat, LockInstancesCappedLayout) {
  EXPECT_EQ(static_cast<int>(RecordKind::kLockInstancesCapped), 30);
  EXPECT_EQ(sizeof(LockInstancesCapped), 40u);
  EXPECT_EQ(offsetof(LockInstancesCapped, seq), 8u);
  EXPECT_EQ(offsetof(LockInstancesCapped, site), 16u);
  EXPECT_EQ(offsetof(LockInstancesCapped, stack_id), 24u);
  EXPECT_EQ(offsetof(LockInstancesCapped, cap), 28u);
  EXPECT_EQ(offsetof(LockInstancesCapped, lock_kind), 32u);
  EXPECT_EQ(RecordAlign(sizeof(LockInstancesCapped)), sizeof(LockInstancesCapped));
}

TEST(RtTraceFormat, RecordAlign) {
  EXPECT_EQ(RecordAlign(0), 0u);
  EXPECT_EQ(RecordAlign(1), 8u);
  EXPECT_EQ(RecordAlign(7), 8u);
  EXPECT_EQ(RecordAlign(8), 8u);
  EXPECT_EQ(RecordAlign(9), 16u);
  EXPECT_EQ(RecordAlign(sizeof(Module) + 13), 56u);
  EXPECT_EQ(RecordAlign(sizeof(ThreadName) + 3), 24u);
}

TEST(RtTraceFormat, ConstantsAndMagic) {
  EXPECT_EQ(kTraceFormatVersion, static_cast<uint32_t>(LOCKSCOPE_TRACE_FORMAT_VERSION));
  EXPECT_GE(kTraceFormatVersion, kMinReadableVersion);
  EXPECT_EQ(std::string(kMagic, 7), "LKSCOPE");
  EXPECT_EQ(kMagic[7], '\0');
  EXPECT_EQ(kChunkMagic, 0x4b4e4843u);
  EXPECT_EQ(kSlotHeld * sizeof(HeldEntry) + 64, 960u);
  EXPECT_LE(kMaxStackDepth, 64u);
}

}  // namespace
}  // namespace trace
}  // namespace lockscope
