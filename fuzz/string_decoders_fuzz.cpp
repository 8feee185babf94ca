// libFuzzer target for the text decoders: base64url / base64, query strings, version ranges,
// keys, server addresses, queue URIs, E2E parameters, QueueInfo's JSON and connection requests. The first input
// byte picks the decoder. Decoders must fail cleanly on garbage; whatever decodes must encode
// to text that decodes to the same value (and for canonical forms, to the same text).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smp/agent/connection_request.h"
#include "smp/encoding/base64.h"
#include "smp/crypto/key_string.h"
#include "smp/encoding/query_string.h"
#include "smp/encoding/version.h"
#include "smp/protocol/queue_info.h"
#include "smp/protocol/queue_uri.h"
#include "smp/protocol/server_address.h"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

// decode → encode → decode gives the same value.
template <class Decode, class Encode>
void stable(std::string_view text, Decode decode, Encode encode) {
  auto first = decode(text);
  if (!first) return;
  auto again = decode(encode(first.value()));
  check(again.has_value());
  check(again.value() == first.value());
}

// What the encoders keep of a value: never the server's password.
smp::protocol::SmpServer without_password(smp::protocol::SmpServer s) {
  s.password.clear();
  return s;
}

// The short form carries neither the versions nor the queue mode.
smp::protocol::SmpQueueUri short_form(smp::protocol::SmpQueueUri q) {
  q.client_versions = smp::protocol::kShortQueueUriVersions;
  q.queue_mode = std::nullopt;
  return q;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 11) {
    case 0:
      stable(text, smp::enc::b64url_decode, [](const smp::Bytes& b) { return smp::enc::b64url_encode(b); });
      break;
    case 1: {  // strict and canonical: the text is the only encoding of its bytes
      auto b = smp::enc::b64_decode(text);
      if (b) check(smp::enc::b64_encode(b.value()) == text);
      break;
    }
    case 2: {
      std::string_view in = text;
      auto b = smp::enc::parse_b64url_token(in);
      check(b ? in.size() < text.size() : in.size() == text.size());
      break;
    }
    case 3:
      stable(text, smp::enc::decode_query, [](const smp::enc::QueryParams& q) { return smp::enc::render_query(q); });
      break;
    case 4: {
      auto r = smp::enc::decode_version_range(text);
      if (r) check(smp::enc::decode_version_range(smp::enc::str_encode(r.value())).value() == r.value());
      break;
    }
    case 5:
      stable(text, [](std::string_view t) { return smp::crypto::decode_public_key_str(t, smp::crypto::kAnyAlgorithm); },
             [](const smp::crypto::PublicKey& k) { return smp::crypto::str_encode(k); });
      break;
    case 6: {
      auto s = smp::protocol::decode_smp_server(text);
      if (s) {
        check(smp::protocol::decode_smp_server(smp::protocol::str_encode(s.value())).value() ==
              without_password(s.value()));
      }
      break;
    }
    case 7: {
      auto q = smp::protocol::decode_queue_uri(text);
      if (q) {
        check(q.value().server.password.empty());  // refused in a queue URI, as the reference
        auto again = smp::protocol::decode_queue_uri(smp::protocol::str_encode(q.value()));
        check(again.has_value() && again.value() == short_form(q.value()));
        auto versioned =
            smp::protocol::decode_queue_uri(smp::protocol::str_encode_versioned(q.value()));
        check(versioned.has_value() && versioned.value() == q.value());
      }
      break;
    }
    case 8:
      stable(text, smp::agent::decode_e2e_params_uri,
             [](const smp::agent::E2ERatchetParamsUri& p) { return smp::agent::str_encode(p); });
      break;
    case 9:
      stable(text, smp::protocol::parse_queue_info, smp::protocol::encode_queue_info);
      break;
    default: {
      std::string_view in = text;
      auto req = smp::agent::parse_connection_request(in);
      if (!req) {
        check(in.size() == text.size());
        break;
      }
      smp::agent::ConnectionRequest expected = req.value();
      for (auto& q : expected.queues) q = short_form(q);
      auto encoded = smp::agent::str_encode(req.value());
      check(encoded.has_value());
      auto again = smp::agent::decode_connection_request(encoded.value());
      check(again.has_value() && again.value() == expected);
      break;
    }
  }
  return 0;
}
