#include "crypto_floor.h"

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <sched.h>
#include <time.h>
#include <vector>

#include <openssl/evp.h>

#include "smp/crypto/cbox.h"
#include "smp/crypto/hash.h"
#include "smp/crypto/sign.h"
#include "smp/protocol/wire_format.h"

namespace smp::bench {

namespace {

constexpr std::size_t kSendOverhead = 60;  // ids, corrId, tag and lengths around a SEND body
constexpr std::size_t kAckSize = 45;       // signed part of an ACK
constexpr std::size_t kRecordAad = 13;     // TLS 1.2 AEAD additional data

double thread_cpu_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

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

// One TLS 1.2 ChaCha20-Poly1305 record of a full block, sealed or opened.
class RecordCipher {
 public:
  RecordCipher() : ctx_(EVP_CIPHER_CTX_new()), key_(crypto::random_bytes(32)) {
    record_.assign(protocol::kBlockSize + 16, 0x5a);
  }
  void seal() { run(1); }
  void open() { run(0); }

 private:
  void run(int encrypt) {
    std::array<std::uint8_t, 12> nonce{};
    std::array<std::uint8_t, kRecordAad> aad{};
    nonce[11] = static_cast<std::uint8_t>(++counter_);
    int len = 0;
    EVP_CipherInit_ex(ctx_.get(), EVP_chacha20_poly1305(), nullptr, key_.data(), nonce.data(),
                      encrypt);
    EVP_CipherUpdate(ctx_.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size()));
    EVP_CipherUpdate(ctx_.get(), record_.data(), &len, record_.data(),
                     static_cast<int>(protocol::kBlockSize));
    if (encrypt) {
      EVP_CipherFinal_ex(ctx_.get(), record_.data() + len, &len);
      EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, 16,
                          record_.data() + protocol::kBlockSize);
    } else {
      // The tag is not the right one (the record was not sealed with this nonce), so the
      // final check fails, but it costs what a successful one does.
      EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_SET_TAG, 16,
                          record_.data() + protocol::kBlockSize);
      EVP_CipherFinal_ex(ctx_.get(), record_.data() + len, &len);
    }
  }

  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx_;
  Bytes key_;
  Bytes record_;
  unsigned counter_ = 0;
};

void set_totals(CryptoFloor& f) {
  f.server_us =
      f.verify_send_us + f.verify_ack_us + f.box_us + 2 * f.record_open_us + 3 * f.record_seal_us;
  f.client_us = f.sign_send_us + f.sign_ack_us + 2 * f.record_seal_us + 3 * f.record_open_us;
}

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
}

}  // namespace

CryptoFloor measure_crypto_floor(crypto::KeyAlgorithm alg, std::size_t body_size) {
  crypto::ensure_initialized();
  CryptoFloor f;
  f.alg = alg;
  f.body_size = body_size;
  f.cores = usable_cores();

  auto key = crypto::generate_key_pair(alg);
  Bytes send(body_size + kSendOverhead, 0x33), ack(kAckSize, 0x34);
  Bytes send_sig = crypto::sign(key.private_key, send);
  Bytes ack_sig = crypto::sign(key.private_key, ack);
  volatile bool sink = false;
  f.sign_send_us = time_us([&] { sink = !crypto::sign(key.private_key, send).empty(); });
  f.verify_send_us = time_us([&] { sink = crypto::verify(key.public_key, send_sig, send); });
  f.sign_ack_us = time_us([&] { sink = !crypto::sign(key.private_key, ack).empty(); });
  f.verify_ack_us = time_us([&] { sink = crypto::verify(key.public_key, ack_sig, ack); });

  auto cb = crypto::CbKey::from_dh_secret(crypto::random_bytes(32)).value();
  Bytes body(std::min(body_size, protocol::kMaxMessageLength), 'm');
  Bytes boxed(protocol::kServerEncryptedBodyLength);
  crypto::CbNonce nonce = crypto::random_cb_nonce();
  f.box_us = time_us([&] { sink = static_cast<bool>(cb.encrypt_into(nonce, body, boxed)); });
  f.box_open_us = time_us([&] { sink = static_cast<bool>(cb.decrypt(nonce, boxed)); });

  RecordCipher record;
  f.record_seal_us = time_us([&] { record.seal(); });
  f.record_open_us = time_us([&] { record.open(); });
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
  f.record_seal_us = mean(a.record_seal_us, b.record_seal_us);
  f.record_open_us = mean(a.record_open_us, b.record_open_us);
  set_totals(f);
  return f;
}

}  // namespace smp::bench
