// Process-wide allocator settings for programs that move many 16 KB messages per second.
//
// Every SMP message passes through several 16 KB buffers (block, transmission, sealed body),
// allocated and freed on the io threads. With glibc's defaults a thread's heap gives its freed
// top back to the kernel as soon as it exceeds 128 KB, and the next message faults the same
// pages in again: about a tenth of the agent's CPU per message (BENCHMARKS.md "Agent").
// An application calls this once, early in main, before starting threads; a library never
// calls it on its own, since it changes the whole process.
#pragma once

#include <cstddef>

namespace smp {

// Keeps up to `retain_bytes` of freed memory at the top of each heap for reuse, and serves
// allocations below `mmap_bytes` from the heap rather than from their own mappings.
// Returns false when the allocator refused a setting (the process runs on with its defaults).
bool retain_freed_heap(std::size_t retain_bytes = std::size_t{8} << 20,
                       std::size_t mmap_bytes = std::size_t{1} << 20);

}  // namespace smp
