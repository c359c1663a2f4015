// File: allocator_settings.h
//
// Process-wide malloc settings for training.
//
// An FLN batch allocates temporaries of tens of MB per block (im2col patches,
// the W-block's [F; 1]). glibc serves every block above its mmap threshold
// (at most 32 MB) with a fresh mmap and unmaps it on free, so the same memory
// is page-faulted in again on every batch: LeNet-5's first W-block ran twice
// as slow that way (bench/README.md). These settings serve such blocks from
// the heap and keep freed heap memory mapped for reuse, at the price of the
// process keeping its peak heap size.
#ifndef FLN_CORE_ALLOCATOR_SETTINGS_H_
#define FLN_CORE_ALLOCATOR_SETTINGS_H_

namespace fln {

// Call once at startup, before any thread starts. Returns false if glibc
// rejected a setting (the process then runs with the defaults).
bool KeepLargeAllocationsInHeap();

}  // namespace fln

#endif  // FLN_CORE_ALLOCATOR_SETTINGS_H_
