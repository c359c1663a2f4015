// File: machine_load.h
//
// How much CPU *other* processes used while a benchmark ran, from
// /proc/stat (all processes) minus getrusage (this process). A busy
// neighbour makes OpenMP barriers collapse (../shared/docs/perf-notes.md),
// so reports carry this figure and flag contaminated runs.
#ifndef FLN_BENCH_MACHINE_LOAD_H_
#define FLN_BENCH_MACHINE_LOAD_H_

#include <string>

namespace fln {

class LoadMonitor {
 public:
  LoadMonitor();  // starts measuring

  // Share of the machine's total CPU capacity (all cores, 0..1) used by
  // other processes since construction.
  double OtherProcessesShare() const;

 private:
  double start_busy_seconds_;
  double start_total_seconds_;
  double start_self_seconds_;
};

// "model name" of the first CPU in /proc/cpuinfo, and the core count.
std::string MachineDescription();

}  // namespace fln

#endif  // FLN_BENCH_MACHINE_LOAD_H_
