// A client service known to the server (the reference's ServiceRec, Server/QueueStore.hs at
// simplexmq 6.5.5): a notification server, or a client, that presented a long-term service
// certificate in the SMP handshake (v16+) and was given a service id. Queues and notifiers
// may be associated with a service (rcvServiceId, ntfServiceId).
//
// Plain copyable values; not synchronised.
#pragma once

#include <cstdint>
#include <vector>

#include "smp/common/bytes.h"
#include "smp/server/queue_record.h"

namespace smp::server {

// SMPServiceRole, written as one letter: M (messaging), N (notifier), P (proxy).
enum class ServiceRole : std::uint8_t { messaging, notifier, proxy };

// The side of a queue a service subscribes for (ASubscriberParty: R or N).
enum class ServiceParty : std::uint8_t { recipient, notifier };

struct ServiceRecord {
  ServiceId id{};
  ServiceRole role = ServiceRole::messaging;
  // The service's certificate chain, DER certificates in order, kept as received.
  std::vector<Bytes> certificate_chain = {};
  // The fingerprint the service is found by (serviceCertHash), kept as received.
  Bytes certificate_hash = {};
  SystemDate created_at = 0;

  friend bool operator==(const ServiceRecord&, const ServiceRecord&) = default;
};

}  // namespace smp::server
