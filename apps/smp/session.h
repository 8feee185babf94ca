// Shared steps of the smp subcommands: parse an address, open the key file, connect.
// Each returns the value or has already printed the error (the exit status is then 1).
// Single-threaded.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "commands.h"
#include "key_file.h"
#include "smp/client/blocking_client.h"
#include "smp/protocol/server_address.h"

namespace smp::cli {

// "host:port" (default port shown) for messages.
std::string endpoint_text(const protocol::SmpServer& server);

std::optional<protocol::SmpServer> parse_server(const Options& o, const std::string& text);
std::optional<KeyFile> open_key_file(const Options& o);
bool save_key_file(const Options& o, const KeyFile& file);
// Connects offering o.generation; with GenerationChoice::current a server that answers
// with SMP v1 is an error ("unsupported").
std::unique_ptr<client::BlockingSmpClient> connect(const Options& o,
                                                   const protocol::SmpServer& server);

// The queue URI a sender needs: server, sender id and the queue's DH key. SMP v1 queues get
// the v1 short form (as v1.0.0 prints it), queues made over 6..18 the reference's versioned
// form (client versions 1-4, with the queue mode).
std::string queue_uri_of(const RecipientQueue& q);

}  // namespace smp::cli
