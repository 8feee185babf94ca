#include "crypto_floor.h"

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <sched.h>
#include <vector>

#include <openssl/evp.h>

#include "proc_stats.h"
#include "smp/crypto/cb_authenticator.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/hash.h"
#include "smp/crypto/sign.h"
#include "smp/protocol/rcv_message.h"
#include "smp/protocol/versions.h"
#include "smp/protocol/wire_format.h"
#include "smp/transport/block_encryption.h"

namespace smp::bench {

namespace {

constexpr std::size_t kSendOverhead = 60;  // ids, corrId, tag and lengths around a SEND body
constexpr std::size_t kAckSize = 45;       // signed part of an ACK
constexpr std::size_t kSessionIdSize = 32;  // implied in what is authorized from SMP v7
// What a TLS record adds to a block: v1 (TLS 1.2) authenticates a 13-byte pseudo-header; TLS
// 1.3 the 5-byte record header, and encrypts the inner content type after the block.
constexpr std::size_t kTls12Aad = 13;
constexpr std::size_t kTls13Aad = 5;

// Median over 7 batches of the CPU time per call; each batch runs for about 10 ms.
double time_us(const std::function<void()>& op) {
  op();  // warm up
  double t0 = thread_cpu_us();
  std::size_t calibrate = 0;
  while (thread_cpu_us() - t0 < 5000) {
    op();
    ++calibrate;
  }
  double per_call = (thread_cpu_us() - t0) / static_cast<double>(calibrate);
  auto batch = static_cast<std::size_t>(std::max(1.0, 10000 / per_call));
  std::array<double, 7> samples{};
  for (double& s : samples) {
    double start = thread_cpu_us();
    for (std::size_t i = 0; i < batch; ++i) op();
    s = (thread_cpu_us() - start) / static_cast<double>(batch);
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// One ChaCha20-Poly1305 TLS record of a full block, sealed or opened: `plaintext` bytes (the
// block, and at TLS 1.3 its inner type) after `aad` bytes of associated data.
class RecordCipher {
 public:
  RecordCipher(std::size_t plaintext, std::size_t aad)
      : ctx_(EVP_CIPHER_CTX_new()), key_(crypto::random_bytes(32)), aad_(aad, 0x17),
        plaintext_(plaintext) {
    record_.assign(plaintext + 16, 0x5a);
  }
  void seal() { run(1); }
  void open() { run(0); }

 private:
  void run(int encrypt) {
    std::array<std::uint8_t, 12> nonce{};
    nonce[11] = static_cast<std::uint8_t>(++counter_);
    int len = 0;
    EVP_CipherInit_ex(ctx_.get(), EVP_chacha20_poly1305(), nullptr, key_.data(), nonce.data(),
                      encrypt);
    EVP_CipherUpdate(ctx_.get(), nullptr, &len, aad_.data(), static_cast<int>(aad_.size()));
    EVP_CipherUpdate(ctx_.get(), record_.data(), &len, record_.data(),
                     static_cast<int>(plaintext_));
    if (encrypt) {
      EVP_CipherFinal_ex(ctx_.get(), record_.data() + len, &len);
      EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, 16, record_.data() + plaintext_);
    } else {
      // The tag is not the right one (the record was not sealed with this nonce), so the
      // final check fails, but it costs what a successful one does: EVP decrypts first.
      EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, 16, record_.data() + plaintext_);
      EVP_CipherFinal_ex(ctx_.get(), record_.data() + len, &len);
    }
  }

  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx_;
  Bytes key_;
  Bytes aad_;
  std::size_t plaintext_;
  Bytes record_;
  unsigned counter_ = 0;
};

// Block encryption of one session, as the server seals and a client opens (the server's
// transport code itself). secret_box checks the tag before it decrypts, so an open is only
// timed on a block its chain step really sealed: a seal and an open together, less a seal.
class BlockCipher {
 public:
  BlockCipher() : server_(start(transport::TlsRole::server)),
                  client_(start(transport::TlsRole::client)),
                  block_(protocol::kBlockSize, '#') {}
  void seal() { (void)server_.seal(block_); }
  void seal_and_open() {
    (void)server_.seal(block_);
    (void)client_.open(block_);
  }

 private:
  static transport::BlockEncryption start(transport::TlsRole role) {
    static const Bytes session_id(kSessionIdSize, 0x11), secret(crypto::kCbSecretSize, 0x22);
    return transport::BlockEncryption::start(session_id, secret, role).value();
  }
  transport::BlockEncryption server_, client_;
  Bytes block_;
};

// One transmission's authorization, as the client makes it and the server checks it: a
// signature of the queue key, or with an X25519 queue key a crypto_box authenticator with the
// connection's X25519 key (verify.cpp, batch.cpp). At the current generation both cover
// short(session id) ‖ the transmission, which the server puts together before checking.
class Authorization {
 public:
  Authorization(FloorGeneration g, crypto::KeyAlgorithm alg)
      : queue_(crypto::generate_key_pair(alg)),
        session_(crypto::generate_key_pair(crypto::KeyAlgorithm::x25519)),
        nonce_(crypto::random_cb_nonce()) {
    if (g == FloorGeneration::current) {
      prefix_.assign(1 + kSessionIdSize, 0x11);
      prefix_[0] = static_cast<std::uint8_t>(kSessionIdSize);
    }
  }
  Bytes make(ByteView msg) const {
    if (authenticator()) {
      auto a = crypto::cb_authenticate(session_.public_key, queue_.private_key, nonce_, prefix_,
                                       msg);
      return a.has_value() ? Bytes(a->begin(), a->end()) : Bytes{};
    }
    return crypto::sign(queue_.private_key, authorized(msg));
  }
  bool check(ByteView msg, ByteView auth) const {
    if (authenticator()) {
      return crypto::cb_verify(queue_.public_key, session_.private_key, nonce_, auth, prefix_,
                               msg);
    }
    return crypto::verify(queue_.public_key, auth, authorized(msg));
  }

 private:
  bool authenticator() const { return queue_.public_key.algorithm() == crypto::KeyAlgorithm::x25519; }
  Bytes authorized(ByteView msg) const {
    if (prefix_.empty()) return Bytes(msg.begin(), msg.end());
    Bytes b(prefix_);
    b.insert(b.end(), msg.begin(), msg.end());
    return b;
  }

  crypto::KeyPair queue_, session_;
  crypto::CbNonce nonce_;
  Bytes prefix_;
};

void set_totals(CryptoFloor& f) {
  double seal = f.record_seal_us + f.block_seal_us, open = f.record_open_us + f.block_open_us;
  f.server_us = f.verify_send_us + f.verify_ack_us + f.box_us + 2 * open + 3 * seal;
  f.client_us = f.sign_send_us + f.sign_ack_us + 2 * seal + 3 * open;
}

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
}

}  // namespace

std::string_view generation_name(FloorGeneration g) {
  return g == FloorGeneration::v1 ? "v1" : "current";
}

CryptoFloor measure_crypto_floor(FloorGeneration generation, crypto::KeyAlgorithm alg,
                                 std::size_t body_size) {
  crypto::ensure_initialized();
  const bool current = generation == FloorGeneration::current;
  CryptoFloor f;
  f.generation = generation;
  f.alg = alg;
  f.body_size = body_size;
  f.cores = usable_cores();

  Authorization auth(generation, alg);
  Bytes send(body_size + kSendOverhead, 0x33), ack(kAckSize, 0x34);
  Bytes send_auth = auth.make(send), ack_auth = auth.make(ack);
  volatile bool sink = false;
  f.sign_send_us = time_us([&] { sink = !auth.make(send).empty(); });
  f.verify_send_us = time_us([&] { sink = auth.check(send, send_auth); });
  f.sign_ack_us = time_us([&] { sink = !auth.make(ack).empty(); });
  f.verify_ack_us = time_us([&] { sink = auth.check(ack, ack_auth); });

  // The MSG body as the server seals it (rcv_message.h) and the recipient opens it.
  auto cb = crypto::CbKey::from_dh_secret(crypto::random_bytes(32)).value();
  const protocol::SmpVersion v = current ? protocol::kCurrentMaxVersion : protocol::kSmpV1;
  const Bytes msg_id = crypto::random_bytes(24);
  Bytes body(std::min(body_size, protocol::kMaxMessageLength), 'm');
  protocol::RcvMessage m{.timestamp = 1764979200, .body = body};
  Bytes sealed(protocol::sealed_message_size(v)), plain(sealed.size() - crypto::kCbTagSize);
  const crypto::CbNonce nonce = crypto::cb_nonce(msg_id);
  f.box_us = time_us([&] { sink = protocol::seal_rcv_message(v, cb, msg_id, m, sealed).has_value(); });
  f.box_open_us = time_us([&] { sink = cb.open_no_pad(nonce, sealed, plain).has_value(); });

  RecordCipher record(current ? protocol::kBlockSize + 1 : protocol::kBlockSize,
                      current ? kTls13Aad : kTls12Aad);
  f.record_seal_us = time_us([&] { record.seal(); });
  f.record_open_us = time_us([&] { record.open(); });
  if (current) {
    BlockCipher sealer, pair;
    f.block_seal_us = time_us([&] { sealer.seal(); });
    f.block_open_us = std::max(0.0, time_us([&] { pair.seal_and_open(); }) - f.block_seal_us);
  }
  (void)sink;

  set_totals(f);
  return f;
}

CryptoFloor average_floor(const CryptoFloor& a, const CryptoFloor& b) {
  CryptoFloor f = a;
  auto mean = [](double x, double y) { return (x + y) / 2; };
  f.sign_send_us = mean(a.sign_send_us, b.sign_send_us);
  f.verify_send_us = mean(a.verify_send_us, b.verify_send_us);
  f.sign_ack_us = mean(a.sign_ack_us, b.sign_ack_us);
  f.verify_ack_us = mean(a.verify_ack_us, b.verify_ack_us);
  f.box_us = mean(a.box_us, b.box_us);
  f.box_open_us = mean(a.box_open_us, b.box_open_us);
  f.block_seal_us = mean(a.block_seal_us, b.block_seal_us);
  f.block_open_us = mean(a.block_open_us, b.block_open_us);
  f.record_seal_us = mean(a.record_seal_us, b.record_seal_us);
  f.record_open_us = mean(a.record_open_us, b.record_open_us);
  set_totals(f);
  return f;
}

}  // namespace smp::bench
