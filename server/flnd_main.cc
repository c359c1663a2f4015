// flnd: the fln training and serving daemon (flnd.h).
#include "server/flnd.h"

int main(int argc, char** argv) { return fln::FlndMain(argc, argv, nullptr); }
