#include "smp/protocol/forwarding.h"

#include <algorithm>

#include "smp/encoding/binary.h"

namespace smp::protocol {

Result<Bytes> encode_fwd_transmission(const FwdTransmission& t) {
  enc::Writer w(64 + t.encrypted.size());
  w.short_bytes(t.corr_id).u16(t.version);
  crypto::write_public_key(w, t.key);
  w.raw(t.encrypted);
  return std::move(w).finish();
}

Result<FwdTransmission> parse_fwd_transmission(ByteView bytes) {
  enc::Reader r(bytes);
  ByteView corr = r.short_bytes();
  const SmpVersion v = r.u16();
  auto key = crypto::read_public_key(r, crypto::kDhX25519);
  ByteView rest = r.tail();
  if (!r.ok() || !key) return make_error_code(errc::bad_syntax);
  return FwdTransmission{corr, v, *key, rest};
}

Result<Bytes> encode_fwd_response(const FwdResponse& resp) {
  enc::Writer w(8 + resp.encrypted.size());
  w.short_bytes(resp.corr_id).raw(resp.encrypted);
  return std::move(w).finish();
}

Result<FwdResponse> parse_fwd_response(ByteView bytes) {
  enc::Reader r(bytes);
  ByteView corr = r.short_bytes();
  ByteView rest = r.tail();
  if (!r.ok()) return make_error_code(errc::bad_syntax);
  return FwdResponse{corr, rest};
}

crypto::CbNonce reverse_nonce(const crypto::CbNonce& nonce) {
  crypto::CbNonce out = nonce;
  std::reverse(out.begin(), out.end());
  return out;
}

Bytes seal_no_pad(const crypto::CbKey& key, const crypto::CbNonce& nonce, ByteView msg) {
  Bytes out(msg.size() + crypto::kCbTagSize);
  key.seal_no_pad(nonce, msg, out);
  return out;
}

Result<Bytes> open_no_pad(const crypto::CbKey& key, const crypto::CbNonce& nonce,
                          ByteView packet) {
  if (packet.size() < crypto::kCbTagSize) return make_error_code(errc::cb_decrypt);
  Bytes out(packet.size() - crypto::kCbTagSize);
  auto opened = key.open_no_pad(nonce, packet, out);
  if (!opened) return opened.error();
  return out;
}

}  // namespace smp::protocol
