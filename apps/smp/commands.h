// The smp tool's subcommands, one function each, returning the exit status. main.cpp only
// parses arguments and calls these. Single-threaded; each run opens at most one connection.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "output.h"
#include "smp/client/client_config.h"
#include "smp/crypto/keys.h"

namespace smp::cli {

struct Options {
  std::filesystem::path key_file = "smp-queues.json";
  // --smp: which generation to offer (client_config.h).
  client::GenerationChoice generation = client::GenerationChoice::automatic;
  Output out{false};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds command_timeout{5000};
};

// Recipient side (recipient_commands.cpp).
int run_create(const Options& o, const std::string& server, std::string name,
               crypto::KeyAlgorithm alg);
int run_secure(const Options& o, const std::string& name, const std::string& sender_key);
int run_receive(const Options& o, const std::string& name, int count,
                std::chrono::milliseconds timeout);
int run_delete(const Options& o, const std::string& name);
int run_list(const Options& o);

// Sender side (sender_commands.cpp). `queue` is a queue URI or the name of an own queue.
int run_sender_key(const Options& o, const std::string& queue, crypto::KeyAlgorithm alg);
// With a non-empty `proxy` (an SMP server address) the message goes through that server.
int run_send(const Options& o, const std::string& queue, const std::string& message,
             const std::string& proxy = {});

// Server checks (server_commands.cpp).
int run_ping(const Options& o, const std::string& server);
int run_selfcheck(const Options& o);

}  // namespace smp::cli
