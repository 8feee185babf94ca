// Crypto primitives: each wrapper next to the same primitive called directly from libsodium
// or OpenSSL in this binary. For every primitive X:
//   BM_X_Ours, BM_X_Raw  — ordinary Google Benchmark timings of each side;
//   BM_X_Paired          — both sides alternately in small batches on the same thread, with
//                          counters ours_ns / raw_ns (fastest batch) and ratio (median of the
//                          per-pair ratios). On shared cores this ratio is the number to read:
//                          neighbouring batches see the same load, separate runs do not.
// "Raw" is the leanest correct direct use: keys loaded once, output buffers preallocated, the
// padded plaintext prepared outside the loop, a fetched cipher and a reused context. Only
// where our function's signature returns a fresh buffer (AesGcm16K) does raw allocate its
// output too; AesGcm16KVsPreallocated shows that allocating form against the lean raw call.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <sodium.h>

#include <benchmark/benchmark.h>

#include "smp/crypto/aead.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/dh.h"
#include "smp/crypto/hash.h"
#include "smp/crypto/keys.h"
#include "smp/crypto/openssl_handles.h"
#include "smp/crypto/sign.h"
#include "smp/encoding/padding.h"

namespace smp::crypto {
namespace {

// A signed SMP transmission is short: sessionId, corrId, queueId and a command.
constexpr std::size_t kSignedSize = 128;
// Server → recipient message body: padded to maxMessageLength + 2 (spec §4.7).
constexpr std::size_t kCbPaddedLen = 16090;
constexpr std::size_t kCbMessageSize = 16000;
constexpr std::size_t kAeadPaddedLen = 16384;
constexpr std::size_t kAeadMessageSize = 16000;
constexpr std::size_t kAeadAdSize = 112;  // ratchet AD: two raw X448 keys

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "benchmark failed: %s\n", what);
    std::abort();
  }
}

double thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ---- Ed25519 ----

struct Ed25519Sign {
  static constexpr int kBatch = 8;
  KeyPair kp = generate_key_pair(KeyAlgorithm::ed25519);
  Bytes msg = random_bytes(kSignedSize);
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  std::array<std::uint8_t, crypto_sign_BYTES> sig{};
  Ed25519Sign() { crypto_sign_seed_keypair(pk.data(), sk.data(), kp.private_key.raw().data()); }
  std::size_t bytes() const { return 0; }

  void ours() {
    Bytes s = sign(kp.private_key, msg);
    benchmark::DoNotOptimize(s.data());
  }
  void raw() {
    crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sk.data());
    benchmark::DoNotOptimize(sig.data());
    benchmark::ClobberMemory();
  }
};

struct Ed25519Verify : Ed25519Sign {
  Bytes signature = sign(kp.private_key, msg);
  void ours() {
    bool ok = verify(kp.public_key, signature, msg);
    benchmark::DoNotOptimize(ok);
  }
  void raw() {
    int r = crypto_sign_verify_detached(signature.data(), msg.data(), msg.size(), pk.data());
    benchmark::DoNotOptimize(r);
  }
};

// ---- Ed448 ----

// One-shot EVP_DigestSign/Verify with a fresh EVP_MD_CTX, as OpenSSL documents for EdDSA.
struct Ed448Sign {
  static constexpr int kBatch = 2;
  KeyPair kp = generate_key_pair(KeyAlgorithm::ed448);
  Bytes msg = random_bytes(kSignedSize);
  EvpPkeyPtr key{EVP_PKEY_new_raw_private_key(EVP_PKEY_ED448, nullptr, kp.private_key.raw().data(),
                                              kp.private_key.raw().size())};
  EvpPkeyPtr pub{EVP_PKEY_new_raw_public_key(EVP_PKEY_ED448, nullptr, kp.public_key.raw().data(),
                                             kp.public_key.raw().size())};
  std::array<std::uint8_t, kEd448SignatureSize> sig{};
  std::size_t bytes() const { return 0; }

  void ours() {
    Bytes s = sign(kp.private_key, msg);
    benchmark::DoNotOptimize(s.data());
  }
  void raw() {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    std::size_t len = sig.size();
    bool ok = EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
              EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()) == 1;
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(sig.data());
  }
};

// The raw side keeps its EVP_PKEY across calls; ours loads the public key on every call
// (PublicKey is a plain value and holds no OpenSSL object).
struct Ed448Verify : Ed448Sign {
  Bytes signature = sign(kp.private_key, msg);
  void ours() {
    bool ok = verify(kp.public_key, signature, msg);
    benchmark::DoNotOptimize(ok);
  }
  void raw() {
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pub.get()) == 1 &&
              EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), msg.data(),
                               msg.size()) == 1;
    benchmark::DoNotOptimize(ok);
  }
};

// ---- crypto_box, 16 KB padded body ----

struct CbBase {
  static constexpr int kBatch = 8;
  Bytes secret = random_bytes(kCbSecretSize);
  CbNonce nonce = random_cb_nonce();
  Bytes msg = random_bytes(kCbMessageSize);
  Bytes padded = enc::pad(msg, kCbPaddedLen).value();
  Bytes out = Bytes(kCbPaddedLen + kCbTagSize);
  std::array<std::uint8_t, crypto_box_BEFORENMBYTES> k{};
  static constexpr std::uint8_t kZero[16] = {};
  std::size_t bytes() const { return kCbPaddedLen; }
};

// cb_encrypt from the raw DH secret: derives the beforenm key, pads, allocates the packet.
// Raw: HSalsa20 (beforenm without its scalar multiplication) + crypto_box_easy_afternm.
struct CbEncrypt16K : CbBase {
  void ours() {
    auto ct = cb_encrypt(secret, nonce, msg, kCbPaddedLen);
    benchmark::DoNotOptimize(ct.value().data());
  }
  void raw() {
    crypto_core_hsalsa20(k.data(), kZero, secret.data(), nullptr);
    crypto_box_easy_afternm(out.data(), padded.data(), padded.size(), nonce.data(), k.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
};

// The server's hot path: a precomputed CbKey writing into the outgoing block.
struct CbKeyEncrypt16K : CbBase {
  CbKey key = CbKey::from_dh_secret(secret).value();
  CbKeyEncrypt16K() { crypto_core_hsalsa20(k.data(), kZero, secret.data(), nullptr); }
  void ours() {
    auto r = key.encrypt_into(nonce, msg, out);
    benchmark::DoNotOptimize(r.has_value());
    benchmark::ClobberMemory();
  }
  void raw() {
    crypto_box_easy_afternm(out.data(), padded.data(), padded.size(), nonce.data(), k.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
};

// ---- AES-256-GCM, 16 KB ----

// Each message has its own key (ratchet message keys), so the key is set on every call.
struct AesGcmBase {
  static constexpr int kBatch = 16;
  Bytes key = random_bytes(kAesKeySize);
  Bytes iv = random_bytes(kGcmIvSize);
  Bytes ad = random_bytes(kAeadAdSize);
  Bytes msg = random_bytes(kAeadMessageSize);
  Bytes padded = enc::pad(msg, kAeadPaddedLen).value();
  Bytes out = Bytes(kAeadPaddedLen);
  EvpCipherPtr cipher{EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr)};
  EvpCipherCtxPtr ctx{EVP_CIPHER_CTX_new()};
  std::array<std::uint8_t, 16> tag{};
  std::array<std::uint8_t, 16> fin{};
  std::size_t bytes() const { return kAeadPaddedLen; }

  void raw() { seal_raw(out.data()); }

  void seal_raw(std::uint8_t* dest) {
    int len = 0;
    bool ok =
        EVP_EncryptInit_ex(ctx.get(), cipher.get(), nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 16, nullptr) == 1 &&
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) == 1 &&
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, ad.data(), static_cast<int>(ad.size())) == 1 &&
        EVP_EncryptUpdate(ctx.get(), dest, &len, padded.data(), static_cast<int>(padded.size())) ==
            1 &&
        EVP_EncryptFinal_ex(ctx.get(), fin.data(), &len) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag.data()) == 1;
    benchmark::DoNotOptimize(ok);
    benchmark::ClobberMemory();
  }
};

// encrypt_aead_into: pads and encrypts into the caller's buffer — the same work as raw.
struct AesGcmInto16K : AesGcmBase {
  void ours() {
    auto t = encrypt_aead_into(key, iv, ad, msg, out);
    benchmark::DoNotOptimize(t.value().data());
    benchmark::ClobberMemory();
  }
};

// encrypt_aead returns a new 16 KB ciphertext, so its raw counterpart allocates its output
// too (a std::vector per message, as any function returning a fresh buffer must).
struct AesGcm16K : AesGcmBase {
  void ours() {
    auto ct = encrypt_aead(key, iv, kAeadPaddedLen, ad, msg);
    benchmark::DoNotOptimize(ct.value().ciphertext.data());
  }
  void raw() {
    Bytes fresh(kAeadPaddedLen);
    seal_raw(fresh.data());
    benchmark::DoNotOptimize(fresh.data());
  }
};

// What the allocating form costs over the non-allocating raw call: the 16 KB allocation and
// the copy of the message into it.
struct AesGcm16KVsPreallocated : AesGcmBase {
  void ours() {
    auto ct = encrypt_aead(key, iv, kAeadPaddedLen, ad, msg);
    benchmark::DoNotOptimize(ct.value().ciphertext.data());
  }
};

// ---- X25519: what NEW does for the server's DH key (spec §4.6) ----
// Here "ours" is the libsodium path the server takes and "raw" OpenSSL's EVP X25519, to
// decide which one the server should use: a ratio above 1 means OpenSSL is faster.

struct X25519KeyGen {
  static constexpr int kBatch = 8;
  Bytes seed = random_bytes(kX25519SecretSize);
  std::array<std::uint8_t, 32> pub{};
  std::size_t bytes() const { return 0; }

  // The server's key: random seed, then the public key (crypto_scalarmult_base).
  void ours() {
    KeyPair kp = generate_key_pair(KeyAlgorithm::x25519);
    benchmark::DoNotOptimize(kp.public_key.raw().data());
  }
  void raw() {
    random_bytes(std::span<std::uint8_t>(seed.data(), seed.size()));
    EvpPkeyPtr key{
        EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, seed.data(), seed.size())};
    std::size_t len = pub.size();
    bool ok = key && EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) == 1;
    benchmark::DoNotOptimize(ok);
    benchmark::ClobberMemory();
  }
};

// The shared secret with the recipient's key; OpenSSL's side keeps both keys loaded.
struct X25519Dh {
  static constexpr int kBatch = 8;
  KeyPair ours_kp = generate_key_pair(KeyAlgorithm::x25519);
  KeyPair peer = generate_key_pair(KeyAlgorithm::x25519);
  EvpPkeyPtr key{EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr,
                                              ours_kp.private_key.raw().data(), 32)};
  EvpPkeyPtr peer_key{
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer.public_key.raw().data(), 32)};
  std::array<std::uint8_t, 32> secret{};
  std::size_t bytes() const { return 0; }

  void ours() {
    auto s = dh(peer.public_key, ours_kp.private_key);
    benchmark::DoNotOptimize(s.value().data());
  }
  void raw() {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
    std::size_t len = secret.size();
    bool ok = ctx && EVP_PKEY_derive_init(ctx.get()) == 1 &&
              EVP_PKEY_derive_set_peer(ctx.get(), peer_key.get()) == 1 &&
              EVP_PKEY_derive(ctx.get(), secret.data(), &len) == 1;
    benchmark::DoNotOptimize(ok);
    benchmark::ClobberMemory();
  }
};

// ---- registration ----

template <class F>
void set_bytes(benchmark::State& state, const F& f) {
  if (f.bytes() > 0) {
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(f.bytes()));
  }
}

template <class F>
void bench_ours(benchmark::State& state) {
  F f;
  for (auto _ : state) f.ours();
  set_bytes(state, f);
}

template <class F>
void bench_raw(benchmark::State& state) {
  F f;
  for (auto _ : state) f.raw();
  set_bytes(state, f);
}

template <class F>
void bench_paired(benchmark::State& state) {
  F f;
  std::vector<double> ours_ns, raw_ns;
  auto time_batch = [](auto&& op) {
    double t0 = thread_cpu_ns();
    for (int i = 0; i < F::kBatch; ++i) op();
    return (thread_cpu_ns() - t0) / F::kBatch;
  };
  bool ours_first = true;
  for (auto _ : state) {
    // Alternate which side runs first, so neither always finds the caches warmed by the other.
    if (ours_first) {
      ours_ns.push_back(time_batch([&] { f.ours(); }));
      raw_ns.push_back(time_batch([&] { f.raw(); }));
    } else {
      raw_ns.push_back(time_batch([&] { f.raw(); }));
      ours_ns.push_back(time_batch([&] { f.ours(); }));
    }
    ours_first = !ours_first;
  }
  std::vector<double> ratios(ours_ns.size());
  for (std::size_t i = 0; i < ratios.size(); ++i) ratios[i] = ours_ns[i] / raw_ns[i];
  state.counters["ours_ns"] = min_of(ours_ns);
  state.counters["raw_ns"] = min_of(raw_ns);
  state.counters["ratio"] = median_of(ratios);
}

template <class F>
void register_primitive(const std::string& name) {
  benchmark::RegisterBenchmark(("BM_" + name + "_Ours").c_str(), bench_ours<F>)
      ->ComputeStatistics("min", min_of);
  benchmark::RegisterBenchmark(("BM_" + name + "_Raw").c_str(), bench_raw<F>)
      ->ComputeStatistics("min", min_of);
  benchmark::RegisterBenchmark(("BM_" + name + "_Paired").c_str(), bench_paired<F>)
      ->ComputeStatistics("min", min_of);
}

// Both sides of every pair must agree before anything is timed.
void self_check() {
  Ed25519Verify e;
  check(verify(e.kp.public_key, e.signature, e.msg), "ed25519 verify");
  e.raw();
  Ed448Verify d;
  check(verify(d.kp.public_key, d.signature, d.msg), "ed448 verify");
  CbKeyEncrypt16K c;
  c.ours();
  Bytes ours_ct = c.out;
  c.raw();
  check(ours_ct == c.out, "crypto_box output differs from libsodium");
  AesGcmInto16K a;
  a.ours();
  Bytes ours_gcm = a.out;
  a.raw();
  check(ours_gcm == a.out, "AES-GCM output differs from OpenSSL");
  X25519KeyGen g;
  KeyPair kp = generate_key_pair(KeyAlgorithm::x25519);
  EvpPkeyPtr loaded{
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, kp.private_key.raw().data(), 32)};
  std::size_t len = g.pub.size();
  check(loaded && EVP_PKEY_get_raw_public_key(loaded.get(), g.pub.data(), &len) == 1 &&
            std::ranges::equal(g.pub, kp.public_key.raw()),
        "X25519 public key differs between libsodium and OpenSSL");
  X25519Dh x;
  x.raw();
  check(std::ranges::equal(x.secret, dh(x.peer.public_key, x.ours_kp.private_key).value().view()),
        "X25519 shared secret differs between libsodium and OpenSSL");
}

const bool kRegistered = [] {
  self_check();
  register_primitive<Ed25519Sign>("Ed25519Sign");
  register_primitive<Ed25519Verify>("Ed25519Verify");
  register_primitive<Ed448Sign>("Ed448Sign");
  register_primitive<Ed448Verify>("Ed448Verify");
  register_primitive<CbEncrypt16K>("CbEncrypt16K");
  register_primitive<CbKeyEncrypt16K>("CbKeyEncrypt16K");
  register_primitive<AesGcmInto16K>("AesGcmInto16K");
  register_primitive<AesGcm16K>("AesGcm16K");
  register_primitive<AesGcm16KVsPreallocated>("AesGcm16KVsPreallocated");
  register_primitive<X25519KeyGen>("X25519KeyGen");
  register_primitive<X25519Dh>("X25519Dh");
  return true;
}();

}  // namespace
}  // namespace smp::crypto
