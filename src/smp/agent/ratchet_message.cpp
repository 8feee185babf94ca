#include "smp/agent/ratchet_message.h"

namespace smp::agent {

void write_msg_header(enc::Writer& w, const MsgHeader& header) {
  w.u16(header.max_version);
  crypto::write_public_key(w, header.dh_rs);
  w.u32(header.pn).u32(header.ns);
}

Bytes encode_msg_header(const MsgHeader& header) {
  enc::Writer w(2 + 1 + 68 + 8);
  write_msg_header(w, header);
  return w.bytes();  // a key is at most 69 bytes: the writer cannot fail
}

Result<MsgHeader> parse_msg_header(ByteView in, crypto::AlgorithmSet allowed) {
  enc::Reader r(in);
  enc::Version max_version = r.u16();
  auto key = crypto::read_public_key(r, allowed);
  std::uint32_t pn = r.u32();
  std::uint32_t ns = r.u32();
  if (!r.ok()) return make_error_code(r.error());
  return MsgHeader{max_version, *key, pn, ns};
}

void write_enc_message_header(enc::Writer& w, enc::Version version, ByteView iv, ByteView tag,
                              ByteView body) {
  w.u16(version).raw(iv).raw(tag).short_bytes(body);
}

Result<EncMessageHeader> decode_enc_message_header(ByteView in) {
  enc::Reader r(in);
  EncMessageHeader h{r.u16(), r.take(crypto::kGcmIvSize), r.take(crypto::kAuthTagSize), {}};
  h.body = r.short_bytes();
  r.expect_end();
  return enc::result_of(r, std::move(h));
}

Result<EncRatchetMessage> decode_enc_ratchet_message(ByteView in) {
  enc::Reader r(in);
  EncRatchetMessage m{r.short_bytes(), r.take(crypto::kAuthTagSize), {}};
  m.body = r.tail();
  return enc::result_of(r, std::move(m));
}

}  // namespace smp::agent
