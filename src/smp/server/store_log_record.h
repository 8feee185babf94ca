// The records of the server's store log and their one-line text form: the reference's
// StoreLogRecord (Server/StoreLog.hs at simplexmq 6.5.5), plus the SMP v1 forms we still read.
//
//   CREATE rid=<id> rk=<key>[,<key>...] rdh=<dh> sid=<id> sk=[<key>][ queue_mode=M|C]
//          [ link_id=<id> queue_data=<b64> <b64>][ notifier=<id> <key> <dh>[ nsrv=<id>]]
//          [ updated_at=<int>][ status=off|blocked,<blocking>][ rsrv=<id>]
//   LINK <rid> <link id> <fixed data> <user data>     LDELETE <rid>
//   SECURE <rid> <key>                                KEYS <rid> <key>[,<key>...]
//   NOTIFIER <rid> <nid> <key> <dh>[ nsrv=<id>]       NDELETE <rid>
//   SUSPEND <rid>    BLOCK <rid> <blocking>    UNBLOCK <rid>    DELETE <rid>
//   TIME <rid> <int>
//   NEW_SERVICE service_id=<id> role=M|N|P cert=<b64>[,<b64>...] cert_hash=<b64> created_at=<int>
//   QUEUE_SERVICE <rid> R|N [<id>]
//   <blocking> = reason=spam|content[,notice={"ttl":<int>|null}]
//
// Ids are 24 bytes, keys the base64url of their SubjectPublicKeyInfo (Ed25519, Ed448 or
// X25519), <dh> a 32-byte X25519 secret, all base64url with padding; <int> is a signed
// decimal (dates: seconds since the epoch, whole days). Also read: SMP v1's CREATE ending in
// ` sk=[<key>][ nid=<id> nk=<key>]`, v1's `NOTIFIER <rid> <nid> <key>` (a notifier without a
// DH secret) and CREATE's legacy ` sndSecure=T|F` (T: messaging mode, F: contact). A notifier
// without a DH secret is written with 32 zero bytes, which read back as none.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "smp/common/error.h"
#include "smp/server/queue_record.h"
#include "smp/server/service_record.h"

namespace smp::server {

struct StoreLogCreate { QueueRecord queue; };
struct StoreLogLink { QueueId rid; QueueLinkData link; };
struct StoreLogDeleteLink { QueueId rid; };
struct StoreLogSecure { QueueId rid; crypto::PublicKey key; };
struct StoreLogKeys { QueueId rid; std::vector<crypto::PublicKey> keys; };  // not empty
struct StoreLogNotifier { QueueId rid; NotifierCredentials creds; };
struct StoreLogSuspend { QueueId rid; };
struct StoreLogBlock { QueueId rid; BlockingInfo info; };
struct StoreLogUnblock { QueueId rid; };
struct StoreLogDelete { QueueId rid; };
struct StoreLogDeleteNotifier { QueueId rid; };
struct StoreLogTime { QueueId rid; SystemDate date; };
struct StoreLogNewService { ServiceRecord service; };
struct StoreLogQueueService {
  QueueId rid;
  ServiceParty party;
  std::optional<ServiceId> service_id;
};

using StoreLogRecord =
    std::variant<StoreLogCreate, StoreLogLink, StoreLogDeleteLink, StoreLogSecure, StoreLogKeys,
                 StoreLogNotifier, StoreLogSuspend, StoreLogBlock, StoreLogUnblock,
                 StoreLogDelete, StoreLogDeleteNotifier, StoreLogTime, StoreLogNewService,
                 StoreLogQueueService>;

// One line, without the trailing newline.
std::string format_store_log_record(const StoreLogRecord& record);
// The same line and its newline, appended to `out`.
void append_store_log_line(std::string& out, const StoreLogRecord& record);

// Parses one line (a trailing \r is stripped) as the reference's parseAll strP does: fields
// separated by exactly one space, nothing after the last. Errors: errc::bad_tag for an unknown
// record keyword, errc::bad_base64 / bad_der / wrong_algorithm for a bad field (X448 keys are
// refused), errc::bad_syntax for a missing or misplaced field name or separator, an id that
// is not 24 bytes, a DH secret that is not 32 bytes or a bad number, errc::trailing_bytes for
// text after the record. Beyond the reference, link data may be empty and a CREATE may carry
// rsrv after a blocking notice; the reference cannot read such lines back.
Result<StoreLogRecord> parse_store_log_line(std::string_view line);

// The record's keyword ("CREATE", ...), or "unknown": for reports that must not show ids.
std::string_view store_log_keyword(std::string_view line);

}  // namespace smp::server
