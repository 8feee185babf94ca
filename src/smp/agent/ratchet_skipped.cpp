#include "smp/agent/ratchet_skipped.h"

#include <algorithm>

#include "smp/agent/ratchet_internal.h"
#include "smp/agent/ratchet_kdf.h"

namespace smp::agent {

void write_message_key(enc::Writer& w, const MessageKey& mk) {
  w.short_bytes(mk.key.view()).short_bytes(mk.iv.view());
}

std::optional<MessageKey> read_message_key(enc::Reader& r) {
  ByteView key = r.short_bytes();
  ByteView iv = r.short_bytes();
  if (r.ok() && (key.size() != kRatchetKeySize || iv.size() != kRatchetIvSize)) {
    r.fail(errc::bad_key_size);
  }
  if (!r.ok()) return std::nullopt;
  return MessageKey{SecretBytes(key), SecretBytes(iv)};
}

Result<SecretBytes> encode_message_key(const MessageKey& mk) {
  enc::Writer w(2 + mk.key.size() + mk.iv.size());
  write_message_key(w, mk);
  return detail::finish_secret(std::move(w));
}

Result<MessageKey> decode_message_key(ByteView in) {
  enc::Reader r(in);
  auto mk = read_message_key(r);
  r.expect_end();
  if (!r.ok()) return make_error_code(r.error());
  return std::move(*mk);
}

bool HeaderKeyLess::operator()(ByteView a, ByteView b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

SkippedHdrMsgKeys clone_skipped(const SkippedHdrMsgKeys& keys) {
  SkippedHdrMsgKeys out;
  for (const auto& [n, mk] : keys) out.emplace_hint(out.end(), n, mk.clone());
  return out;
}

SkippedMsgKeys clone_skipped(const SkippedMsgKeys& keys) {
  SkippedMsgKeys out;
  for (const auto& [hk, mks] : keys) out.emplace_hint(out.end(), hk.clone(), clone_skipped(mks));
  return out;
}

std::size_t count_skipped(const SkippedMsgKeys& keys) {
  std::size_t n = 0;
  for (const auto& entry : keys) n += entry.second.size();
  return n;
}

bool same_skipped(const SkippedMsgKeys& a, const SkippedMsgKeys& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return constant_time_equal(x.first.view(), y.first.view()) &&
           std::equal(x.second.begin(), x.second.end(), y.second.begin(), y.second.end(),
                      [](const auto& p, const auto& q) {
                        return p.first == q.first &&
                               constant_time_equal(p.second.key.view(), q.second.key.view()) &&
                               constant_time_equal(p.second.iv.view(), q.second.iv.view());
                      });
  });
}

void apply_skipped_diff(SkippedMsgKeys& keys, const SkippedMsgDiff& diff) {
  if (const auto* removed = std::get_if<SkippedKeyRemoved>(&diff)) {
    auto hk = keys.find(removed->header_key.view());
    if (hk == keys.end()) return;
    hk->second.erase(removed->msg_n);
    if (hk->second.empty()) keys.erase(hk);
  } else if (const auto* added = std::get_if<SkippedKeysAdded>(&diff)) {
    for (const auto& [hk, mks] : added->keys) {
      SkippedHdrMsgKeys& stored = keys[hk.clone()];
      for (const auto& [n, mk] : mks) stored.insert_or_assign(n, mk.clone());
    }
  }
}

}  // namespace smp::agent
