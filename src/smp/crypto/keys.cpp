#include "smp/crypto/keys.h"

#include <algorithm>
#include <cstdlib>
#include <type_traits>

#include <openssl/evp.h>
#include <sodium.h>

#include "smp/common/try.h"
#include "smp/crypto/hash.h"
#include "smp/crypto/key_internal.h"

namespace smp::crypto {
namespace {

constexpr KeyAlgorithm kAllAlgorithms[] = {KeyAlgorithm::ed25519, KeyAlgorithm::ed448,
                                           KeyAlgorithm::x25519, KeyAlgorithm::x448};

// RFC 8410 encodings are fixed up to the raw key: a prefix holding the lengths and the OID,
// then the key bytes. DER is canonical, so comparing the prefix and the total length is a
// complete strict parse (spec §2.1 tables).
struct DerTemplate {
  std::array<std::uint8_t, 12> spki_prefix;
  std::array<std::uint8_t, 16> pkcs8_prefix;
};

constexpr DerTemplate kTemplates[] = {
    // Ed25519, OID 1.3.101.112
    {{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00},
     {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
      0x20}},
    // Ed448, OID 1.3.101.113
    {{0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00},
     {0x30, 0x47, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x04, 0x3b, 0x04,
      0x39}},
    // X25519, OID 1.3.101.110
    {{0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00},
     {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04,
      0x20}},
    // X448, OID 1.3.101.111
    {{0x30, 0x42, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x03, 0x39, 0x00},
     {0x30, 0x46, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6f, 0x04, 0x3a, 0x04,
      0x38}},
};

const DerTemplate& der_template(KeyAlgorithm alg) {
  return kTemplates[static_cast<std::size_t>(alg)];
}

template <std::size_t N>
bool matches(ByteView der, const std::array<std::uint8_t, N>& prefix, std::size_t key_size) {
  return der.size() == N + key_size && std::equal(prefix.begin(), prefix.end(), der.begin());
}

// Finds the one algorithm whose template `der` matches, and its key bytes.
template <class PrefixOf>
Result<std::pair<KeyAlgorithm, ByteView>> match_template(ByteView der, AlgorithmSet allowed,
                                                         PrefixOf prefix_of) {
  for (KeyAlgorithm alg : kAllAlgorithms) {
    const auto& prefix = prefix_of(der_template(alg));
    if (!matches(der, prefix, public_key_size(alg))) continue;
    if (!allowed.contains(alg)) return make_error_code(errc::wrong_algorithm);
    return std::pair{alg, der.subspan(prefix.size())};
  }
  return make_error_code(errc::bad_der);
}

// The public key of an Ed448/X448 key OpenSSL has loaded.
Result<PublicKey> evp_public_key(KeyAlgorithm alg, EVP_PKEY* pkey) {
  std::array<std::uint8_t, kMaxPublicKeySize> buf{};
  std::size_t len = buf.size();
  if (EVP_PKEY_get_raw_public_key(pkey, buf.data(), &len) != 1) {
    return make_error_code(consume_openssl_error());
  }
  return PublicKey::from_raw(alg, ByteView(buf.data(), len));
}

}  // namespace

std::string_view algorithm_name(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::ed25519:
      return "ed25519";
    case KeyAlgorithm::ed448:
      return "ed448";
    case KeyAlgorithm::x25519:
      return "x25519";
    case KeyAlgorithm::x448:
      return "x448";
  }
  return "unknown";
}

Result<PublicKey> PublicKey::from_raw(KeyAlgorithm alg, ByteView raw) {
  if (raw.size() != public_key_size(alg)) return make_error_code(errc::bad_key_size);
  PublicKey k;
  k.alg_ = alg;
  std::copy(raw.begin(), raw.end(), k.raw_.begin());
  return k;
}

Result<PrivateKey> PrivateKey::from_raw(KeyAlgorithm alg, ByteView raw) {
  if (raw.size() != private_key_size(alg)) return make_error_code(errc::bad_key_size);
  ensure_initialized();
  switch (alg) {
    case KeyAlgorithm::ed25519: {
      SecretBytes sk(crypto_sign_SECRETKEYBYTES);
      std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
      crypto_sign_seed_keypair(pk.data(), sk.data(), raw.data());
      SMP_TRY(auto pub, PublicKey::from_raw(alg, pk));
      return PrivateKey(alg, std::move(sk), pub, nullptr);
    }
    case KeyAlgorithm::x25519: {
      std::array<std::uint8_t, crypto_scalarmult_BYTES> pk{};
      // Fails only when the result is the identity, which a clamped scalar never gives.
      if (crypto_scalarmult_base(pk.data(), raw.data()) != 0) {
        return make_error_code(errc::crypto_failure);
      }
      SMP_TRY(auto pub, PublicKey::from_raw(alg, pk));
      return PrivateKey(alg, SecretBytes(raw), pub, nullptr);
    }
    case KeyAlgorithm::ed448:
    case KeyAlgorithm::x448: {
      EvpPkeyPtr pkey(EVP_PKEY_new_raw_private_key(detail::evp_pkey_type(alg), nullptr, raw.data(),
                                                   raw.size()));
      if (!pkey) return make_error_code(consume_openssl_error());
      SMP_TRY(auto pub, evp_public_key(alg, pkey.get()));
      return PrivateKey(alg, SecretBytes(raw), pub, std::move(pkey));
    }
  }
  return make_error_code(errc::wrong_algorithm);
}

PrivateKey PrivateKey::clone() const {
  EvpPkeyPtr pkey;
  if (pkey_ && EVP_PKEY_up_ref(pkey_.get()) == 1) pkey.reset(pkey_.get());
  return PrivateKey(alg_, secret_.clone(), public_, std::move(pkey));
}

KeyPair generate_key_pair(KeyAlgorithm alg) {
  // Every raw string of the right size is a valid secret for all four algorithms.
  SecretBytes raw(private_key_size(alg));
  random_bytes(std::span<std::uint8_t>(raw.data(), raw.size()));
  auto key = PrivateKey::from_raw(alg, raw.view());
  // Only an allocation failure inside OpenSSL can get here; there is nothing to return.
  if (!key) std::abort();
  PublicKey pub = key->public_key();
  return KeyPair{pub, std::move(*key)};
}

Bytes encode_public_key_der(const PublicKey& key) {
  const auto& prefix = der_template(key.algorithm()).spki_prefix;
  Bytes out;
  out.reserve(prefix.size() + key.raw().size());
  append(out, prefix);
  append(out, key.raw());
  return out;
}

std::size_t encode_public_key_der_to(const PublicKey& key,
                                     std::array<std::uint8_t, kMaxPublicKeyDerSize>& out) {
  const auto& prefix = der_template(key.algorithm()).spki_prefix;
  static_assert(std::tuple_size_v<std::decay_t<decltype(prefix)>> == kSpkiPrefixSize);
  ByteView raw = key.raw();
  std::copy(prefix.begin(), prefix.end(), out.begin());
  std::copy(raw.begin(), raw.end(), out.begin() + kSpkiPrefixSize);
  return kSpkiPrefixSize + raw.size();
}

Result<PublicKey> decode_public_key_der(ByteView der, AlgorithmSet allowed) {
  SMP_TRY(auto found,
          match_template(
              der, allowed, [](const DerTemplate& t) -> const auto& { return t.spki_prefix; }));
  return PublicKey::from_raw(found.first, found.second);
}

SecretBytes encode_private_key_der(const PrivateKey& key) {
  const auto& prefix = der_template(key.algorithm()).pkcs8_prefix;
  ByteView raw = key.raw();
  SecretBytes out(prefix.size() + raw.size());
  std::copy(prefix.begin(), prefix.end(), out.data());
  std::copy(raw.begin(), raw.end(), out.data() + prefix.size());
  return out;
}

Result<PrivateKey> decode_private_key_der(ByteView der, AlgorithmSet allowed) {
  SMP_TRY(auto found,
          match_template(
              der, allowed, [](const DerTemplate& t) -> const auto& { return t.pkcs8_prefix; }));
  return PrivateKey::from_raw(found.first, found.second);
}

void write_public_key(enc::Writer& w, const PublicKey& key) {
  const auto& prefix = der_template(key.algorithm()).spki_prefix;
  w.u8(static_cast<std::uint8_t>(prefix.size() + key.raw().size())).raw(prefix).raw(key.raw());
}

std::optional<PublicKey> read_public_key(enc::Reader& r, AlgorithmSet allowed) {
  ByteView der = r.short_bytes();
  if (!r.ok()) return std::nullopt;
  auto key = decode_public_key_der(der, allowed);
  if (!key) {
    r.fail(static_cast<errc>(key.error().value()));
    return std::nullopt;
  }
  return *key;
}

namespace detail {

int evp_pkey_type(KeyAlgorithm alg) {
  switch (alg) {
    case KeyAlgorithm::ed25519:
      return EVP_PKEY_ED25519;
    case KeyAlgorithm::ed448:
      return EVP_PKEY_ED448;
    case KeyAlgorithm::x25519:
      return EVP_PKEY_X25519;
    case KeyAlgorithm::x448:
      return EVP_PKEY_X448;
  }
  return EVP_PKEY_NONE;
}

EvpPkeyPtr new_evp_public_key(const PublicKey& key) {
  ByteView raw = key.raw();
  return EvpPkeyPtr(
      EVP_PKEY_new_raw_public_key(evp_pkey_type(key.algorithm()), nullptr, raw.data(), raw.size()));
}

}  // namespace detail
}  // namespace smp::crypto
