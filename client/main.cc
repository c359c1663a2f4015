// fln: command-line client of the fln training service. See client/cli.h.
#include <iostream>
#include <string>
#include <vector>

#include "client/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return fln::client::RunCli(args, std::cout, std::cerr);
}
