#include "smp/server/send_queue.h"

#include <algorithm>
#include <cassert>

#include "smp/common/try.h"

#include "smp/crypto/cbox.h"
#include "smp/protocol/rcv_message.h"
#include "smp/protocol/transmission.h"
#include "smp/protocol/wire_format.h"

namespace smp::server {

void ShortField::assign(ByteView v) {
  assert(v.size() <= bytes_.size());
  len_ = static_cast<std::uint8_t>(std::min(v.size(), bytes_.size()));
  std::copy_n(v.begin(), len_, bytes_.begin());
}

void SendQueue::grow() {
  std::size_t n = std::min(capacity_, std::max<std::size_t>(2, 2 * allocated_));
  auto bigger = std::make_unique<Outgoing[]>(n);
  for (std::size_t i = 0; i < count_; ++i) {
    bigger[i] = std::move(slots_[(head_ + i) % allocated_]);
  }
  slots_ = std::move(bigger);
  allocated_ = n;
  head_ = 0;
}

Outgoing& SendQueue::push_back() {
  assert(count_ < capacity_);
  if (count_ == allocated_) grow();
  Outgoing& o = slots_[(head_ + count_) % allocated_];
  ++count_;
  o.kind = Outgoing::Kind::ok;
  o.error = errc::ok;
  o.corr_id.assign({});
  o.queue_id.assign({});
  o.key.reset();
  o.encoded.clear();
  return o;
}

void SendQueue::pop_front() {
  assert(count_ > 0);
  slots_[head_].message.body.reset();  // the stored body may be freed once ACKed
  slots_[head_].recipient_dh = DhSecret25519();  // wipes the copy of the secret
  Bytes().swap(slots_[head_].encoded);
  head_ = (head_ + 1) % allocated_;
  if (--count_ == 0) {
    // An idle connection keeps no slots (each is about 650 bytes).
    slots_.reset();
    allocated_ = 0;
    head_ = 0;
  }
}

void SendQueue::clear() {
  while (!empty()) pop_front();
  head_ = 0;
}

namespace {

protocol::BrokerMessage broker_message(const Outgoing& o) {
  using K = Outgoing::Kind;
  namespace m = protocol::msg;
  switch (o.kind) {
    case K::ok: return m::Ok{};
    case K::err: return m::Err{o.error};
    case K::pong: return m::Pong{};
    case K::ids: return m::Ids{view(o.id_a), view(o.id_b), *o.key};
    case K::nid: return m::Nid{view(o.id_a)};
    case K::msg:  // the body is encrypted into the block afterwards (encode_msg)
      return m::Msg{ByteView(o.message.id.data(), o.message.id.size()), o.message.timestamp,
                    ByteView()};
    case K::end: return m::End{};
    case K::nmsg: return m::NMsg{};
    case K::sok: return m::Sok{};
    case K::deld: return m::Deld{};
    case K::encoded: break;  // add_outgoing writes it as it is; SMP v1 has none
  }
  return m::Err{errc::smp_internal};
}

// Appends the encrypted body to the MSG already in `block` (whose body is empty).
Result<void> encrypt_msg_body(const Outgoing& o, std::span<std::uint8_t> block) {
  constexpr std::size_t kBodySize = protocol::kServerEncryptedBodyLength;
  const std::size_t content = std::size_t{block[0]} << 8 | block[1];
  const std::size_t body_at = 2 + content;
  if (block.size() < body_at + kBodySize || content + kBodySize > 0xffff)
    return make_error_code(errc::transport_large_msg);
  auto key = crypto::CbKey::from_dh_secret(o.recipient_dh.view());
  if (!key) return key.error();
  SMP_TRY_VOID(key->encrypt_into(crypto::cb_nonce(view(o.message.id)), *o.message.body,
                                 block.subspan(body_at, kBodySize)));
  block[0] = static_cast<std::uint8_t>((content + kBodySize) >> 8);
  block[1] = static_cast<std::uint8_t>(content + kBodySize);
  return {};
}

}  // namespace

Result<void> encode_outgoing(const Outgoing& o, ByteView session_id,
                             std::span<std::uint8_t> block) {
  const bool msg = o.kind == Outgoing::Kind::msg;
  if (msg && (o.message.is_quota() || !o.message.body)) return make_error_code(errc::smp_internal);
  protocol::TransmissionIds ids{session_id, o.corr_id.view(), o.queue_id.view()};
  SMP_TRY_VOID(protocol::encode_broker_block(ids, broker_message(o), block));
  if (msg) return encrypt_msg_body(o, block);
  return {};
}

Result<bool> add_outgoing(const Outgoing& o, const protocol::TransmissionParams& params,
                          protocol::BatchWriter& batch) {
  protocol::TransmissionIds ids{params.session_id, o.corr_id.view(), o.queue_id.view()};
  switch (o.kind) {
    case Outgoing::Kind::encoded:
      return batch.add_encoded(params, ids, [&](std::span<std::uint8_t> out) -> Result<std::size_t> {
        if (o.encoded.size() > out.size()) return make_error_code(errc::transport_large_msg);
        std::copy(o.encoded.begin(), o.encoded.end(), out.begin());
        return o.encoded.size();
      });
    case Outgoing::Kind::msg: {
      const Message& m = o.message;
      if (!m.is_quota() && !m.body) {
        return Result<bool>(boost::system::in_place_error, make_error_code(errc::smp_internal));
      }
      // "MSG " ‖ short(msgId) ‖ the sealed body (Tail): the body is sealed in place.
      return batch.add_encoded(params, ids, [&](std::span<std::uint8_t> out) -> Result<std::size_t> {
        constexpr std::string_view kTag = "MSG ";
        const std::size_t head = kTag.size() + 1 + m.id.size();
        const std::size_t sealed = protocol::sealed_message_size(params.version);
        if (out.size() < head + sealed) return make_error_code(errc::transport_large_msg);
        std::copy(kTag.begin(), kTag.end(), out.begin());
        out[kTag.size()] = static_cast<std::uint8_t>(m.id.size());
        std::copy(m.id.begin(), m.id.end(), out.begin() + kTag.size() + 1);
        auto key = crypto::CbKey::from_dh_secret(o.recipient_dh.view());
        if (!key) return key.error();
        protocol::RcvMessage rm{.timestamp = m.timestamp,
                                .notification = m.flags.notification,
                                .quota = m.is_quota(),
                                .body = m.body ? ByteView(*m.body) : ByteView()};
        SMP_TRY_VOID(protocol::seal_rcv_message(params.version, *key, view(m.id), rm,
                                                out.subspan(head, sealed)));
        return head + sealed;
      });
    }
    default:
      return batch.add(params, ids, broker_message(o));
  }
}

}  // namespace smp::server
