// The agent's TLS identity (spec §7.1, §7.10): ca.crt, agent.crt and agent.key in one
// directory, sent as the 2-certificate chain [agent.crt, ca.crt] that clients pin by the key
// hash of ca.crt, like an SMP server's. Unlike the reference (which exits with "invalid
// credential"), a directory that is missing or holds none of the three files gets a fresh
// chain on first start; the CA key is not kept (nothing else is ever signed with it).
//
// Functions touch files only; thread-safe as long as no two run on the same directory.
#pragma once

#include <filesystem>
#include <string_view>

#include "smp/common/bytes.h"
#include "smp/common/app_error.h"
#include "smp/transport/certificates.h"
#include "smp/transport/tls.h"

namespace smp::agent {

inline constexpr std::string_view kDefaultAgentCertDir = "/etc/opt/simplex-agent";
inline constexpr std::string_view kAgentCertFile = "agent.crt";
inline constexpr std::string_view kAgentKeyFile = "agent.key";
using transport::kCaCertFile;

// What a new identity is made of: the agent certificate's name is "localhost" with
// subjectAltNames localhost, 127.0.0.1 and ::1 (clients of a local agent connect to one of
// them and check the name, spec §3.2).
transport::CertificateOptions agent_certificate_options();

struct AgentCredentials {
  transport::ServerCredentials tls;  // chain [agent.crt, ca.crt] and agent.key
  Bytes key_hash;                    // SHA-256 of ca.crt's DER: what clients pin
  bool created = false;              // true when this call made the files
};

// Loads the three files from `dir`, first creating them when none exists (the directory with
// mode 0700 if it is missing, agent.key with 0600, the certificates with 0644). Errors, one
// line each for the operator: a directory that cannot be created or read; some of the files
// present and others missing (named); a file that cannot be read (named, with the OS
// reason); certificates that are not one certificate each or a key that does not match
// agent.crt.
AppResult<AgentCredentials> load_or_create_agent_credentials(
    const std::filesystem::path& dir);

}  // namespace smp::agent
