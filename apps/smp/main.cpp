// smp: command-line SMP client. Creates queues, sends and receives messages through an SMP
// server, keeping queue keys in a local key file. See README.md, "Try it".
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.h"

namespace {

using smp::crypto::KeyAlgorithm;

const std::map<std::string, KeyAlgorithm> kAlgorithms{{"ed25519", KeyAlgorithm::ed25519},
                                                      {"ed448", KeyAlgorithm::ed448}};


}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"smp - SimpleX Messaging Protocol client"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("-v,--version", "smp (simplexmq-cpp) 0.1.0");

  std::string key_file = "smp-queues.json";
  bool json = false, debug = false;
  double connect_timeout_s = 5, command_timeout_s = 5;
  app.add_option("--store", key_file, "key file holding queue keys (created mode 0600)")
      ->capture_default_str();
  smp::client::GenerationChoice generation = smp::client::GenerationChoice::automatic;
  app.add_option("--smp", generation,
                 "protocol generation: auto (the current SMP 6..18, or v1 with a server "
                 "without it), current (6..18 only) or v1 (as a v1.0.0 client)")
      ->transform(CLI::CheckedTransformer(smp::client::kGenerationNames, CLI::ignore_case))
      ->default_str("auto");
  app.add_flag("--json", json, "print one JSON object per line, for scripts");
  app.add_flag("--debug", debug, "log protocol details to stderr");
  app.add_option("--connect-timeout", connect_timeout_s, "seconds to connect")
      ->capture_default_str();
  app.add_option("--command-timeout", command_timeout_s, "seconds to wait for each answer")
      ->capture_default_str();

  std::string server, name, queue, sender_key, message;
  KeyAlgorithm alg = KeyAlgorithm::ed25519;
  int count = 0;
  double receive_timeout_s = 5;

  auto* create = app.add_subcommand("create", "create a queue you receive from");
  create->add_option("--server", server, "smp://<fingerprint>@host[:port]")->required();
  create->add_option("--name", name, "local name of the queue (default q1, q2, ...)");
  create->add_option("--alg", alg, "recipient key algorithm")
      ->transform(CLI::CheckedTransformer(kAlgorithms, CLI::ignore_case));

  auto* send = app.add_subcommand("send", "send a message to a queue");
  send->add_option("queue", queue, "queue URI (or the name of one of your queues)")->required();
  send->add_option("message", message, "message text, or - to read it from stdin")->required();
  std::string proxy;
  send->add_option("--proxy", proxy,
                   "send through this SMP server (smp://<fingerprint>@host[:port]), so that the "
                   "queue's server does not see your address (private message routing)");

  auto* receive = app.add_subcommand("receive", "print (and acknowledge) messages of a queue");
  receive->add_option("--queue", name, "local queue name")->required();
  receive->add_option("--count", count, "stop after this many messages (0 = no limit)");
  receive
      ->add_option("--timeout", receive_timeout_s,
                   "stop when no message arrives for this many seconds")
      ->capture_default_str();

  auto* sender_key_cmd = app.add_subcommand(
      "sender-key", "make (or show) your sender key for a queue, for its recipient to secure");
  sender_key_cmd->add_option("queue", queue, "queue URI (or the name of one of your queues)")
      ->required();
  sender_key_cmd->add_option("--alg", alg, "sender key algorithm")
      ->transform(CLI::CheckedTransformer(kAlgorithms, CLI::ignore_case));

  auto* secure = app.add_subcommand("secure", "accept only messages signed by one sender key");
  secure->add_option("--queue", name, "local queue name")->required();
  secure->add_option("--sender-key", sender_key, "the key `smp sender-key` printed")->required();

  auto* del = app.add_subcommand("delete", "delete a queue and its messages");
  del->add_option("--queue", name, "local queue name")->required();

  auto* list = app.add_subcommand("list", "list the queues in the key file");

  auto* ping = app.add_subcommand("ping", "check that a server answers");
  ping->add_option("--server", server, "smp://<fingerprint>@host[:port]")->required();

  auto* selfcheck = app.add_subcommand("selfcheck", "check the crypto backend and codecs");

  CLI11_PARSE(app, argc, argv);

  spdlog::set_level(debug ? spdlog::level::debug : spdlog::level::warn);
  spdlog::default_logger()->sinks().clear();
  spdlog::default_logger()->sinks().push_back(
      std::make_shared<spdlog::sinks::stderr_color_sink_mt>());

  auto seconds = [](double s) {
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
  };
  smp::cli::Options o;
  o.key_file = key_file;
  o.out = smp::cli::Output(json);
  o.generation = generation;
  o.connect_timeout = seconds(connect_timeout_s);
  o.command_timeout = seconds(command_timeout_s);

  if (create->parsed()) return smp::cli::run_create(o, server, name, alg);
  if (send->parsed()) return smp::cli::run_send(o, queue, message, proxy);
  if (receive->parsed()) return smp::cli::run_receive(o, name, count, seconds(receive_timeout_s));
  if (sender_key_cmd->parsed()) return smp::cli::run_sender_key(o, queue, alg);
  if (secure->parsed()) return smp::cli::run_secure(o, name, sender_key);
  if (del->parsed()) return smp::cli::run_delete(o, name);
  if (list->parsed()) return smp::cli::run_list(o);
  if (ping->parsed()) return smp::cli::run_ping(o, server);
  if (selfcheck->parsed()) return smp::cli::run_selfcheck(o);
  return 1;
}
