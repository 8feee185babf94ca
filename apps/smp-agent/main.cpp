// smp-agent: the SMP agent's TLS client port; see src/smp/agent/agent_options.h and
// agent_run.h.
#include <iostream>

#include "agent_factory.h"
#include "smp/agent/agent_run.h"
#include "smp/common/heap_tuning.h"

int main(int argc, char** argv) {
  (void)smp::retain_freed_heap();
  auto command_line = smp::agent::parse_agent_command_line(
      argc, argv, smp::agent::process_environment(), std::cout, std::cerr);
  if (!command_line.options) return command_line.exit_status;
  return smp::agent::run_agent(*command_line.options, smp::agent::make_agent_factory, std::cout,
                               std::cerr);
}
