// File: openblas_kernel.h
//
// Which OpenBLAS kernels do this process's matrix products, for benchmark
// reports and the server log. Debian 12's OpenBLAS (0.3.21, built for every
// x86 CPU it knows) picks them by CPU model when it is loaded, unless the
// environment names a kernel set in OPENBLAS_CORETYPE: on the AVX-512 EPYC
// of bench/README.md it picks "Cooperlake" (1024^3 GEMM on 2 threads: 335-405
// GFLOP/s), and "Haswell" (AVX2, about 200) when OPENBLAS_CORETYPE=Haswell.
#ifndef FLN_THIRD_PARTY_OPENBLAS_KERNEL_H_
#define FLN_THIRD_PARTY_OPENBLAS_KERNEL_H_

#include <string>

namespace fln {

// The kernel set OpenBLAS chose for this process, as OpenBLAS names it
// ("Haswell", "SkylakeX", "Cooperlake", ...).
std::string OpenBlasCoreName();

}  // namespace fln

#endif  // FLN_THIRD_PARTY_OPENBLAS_KERNEL_H_
