#include "bench/machine_load.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

namespace fln {
namespace {

// Busy and total CPU seconds over all cores since boot.
void ReadProcStat(double* busy, double* total) {
  std::ifstream in("/proc/stat");
  std::string cpu;
  long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
            steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  *busy = (user + nice + system + irq + softirq + steal) / tick;
  *total = (user + nice + system + idle + iowait + irq + softirq + steal) / tick;
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec * 1e-6;
}

}  // namespace

LoadMonitor::LoadMonitor() {
  ReadProcStat(&start_busy_seconds_, &start_total_seconds_);
  start_self_seconds_ = SelfCpuSeconds();
}

double LoadMonitor::OtherProcessesShare() const {
  double busy, total;
  ReadProcStat(&busy, &total);
  const double elapsed_total = total - start_total_seconds_;
  if (elapsed_total <= 0) return 0;
  const double others = (busy - start_busy_seconds_) - (SelfCpuSeconds() - start_self_seconds_);
  return std::max(0.0, others / elapsed_total);
}

std::string MachineDescription() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ostringstream out;
  out << model << ", " << std::thread::hardware_concurrency() << " cores";
  return out.str();
}

}  // namespace fln
