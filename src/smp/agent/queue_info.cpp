#include "smp/agent/queue_info.h"

namespace smp::agent {

void write_queue_info(enc::Writer& w, const SmpQueueInfo& info) {
  if (info.dh_public_key.algorithm() != crypto::KeyAlgorithm::x25519) {
    w.fail(errc::wrong_algorithm);
    return;
  }
  w.u16(info.client_version);
  protocol::write_smp_server(w, info.server);
  w.short_bytes(info.sender_id);
  crypto::write_public_key(w, info.dh_public_key);
}

std::optional<SmpQueueInfo> read_queue_info(enc::Reader& r) {
  enc::Version version = r.u16();
  auto server = protocol::read_smp_server(r);
  ByteView sender_id = r.short_bytes();
  auto key = crypto::read_public_key(r, crypto::kDhX25519);
  if (!r.ok() || !server || !key) return std::nullopt;
  return SmpQueueInfo{version, std::move(*server), to_bytes(sender_id), *key};
}

SmpQueueInfo to_queue_info(const protocol::SmpQueueUri& uri, enc::Version version) {
  return SmpQueueInfo{version, uri.server, uri.sender_id, uri.dh_public_key};
}

protocol::SmpQueueUri to_queue_uri(const SmpQueueInfo& info, enc::VersionRange versions) {
  return protocol::SmpQueueUri{info.server, info.sender_id, versions, info.dh_public_key};
}

}  // namespace smp::agent
