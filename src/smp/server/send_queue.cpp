#include "smp/server/send_queue.h"

#include <algorithm>
#include <cassert>

#include "smp/protocol/transmission.h"

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
  return o;
}

void SendQueue::pop_front() {
  assert(count_ > 0);
  slots_[head_].message.body.reset();  // the stored body may be freed once ACKed
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
    case K::msg:
      return m::Msg{ByteView(o.message.id.data(), o.message.id.size()), o.message.timestamp,
                    ByteView(*o.message.body)};
    case K::end: return m::End{};
    case K::nmsg: return m::NMsg{};
  }
  return m::Err{errc::smp_internal};
}

}  // namespace

Result<void> encode_outgoing(const Outgoing& o, ByteView session_id,
                             std::span<std::uint8_t> block) {
  protocol::TransmissionIds ids{session_id, o.corr_id.view(), o.queue_id.view()};
  return protocol::encode_broker_block(ids, broker_message(o), block);
}

}  // namespace smp::server
