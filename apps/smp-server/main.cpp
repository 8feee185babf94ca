// smp-server: the SMP broker (init / start / delete); see src/smp/server/server_cli.h.
#include <iostream>

#include "smp/server/server_cli.h"

int main(int argc, char** argv) {
  return smp::server::run_server_cli(argc, argv, std::cout, std::cerr);
}
