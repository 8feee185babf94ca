// Fuzzes the crypto decoders with untrusted bytes: DER keys (public and private), the
// short(DER) wire form, signature lengths and verification, crypto_box and AES-GCM
// decryption. Properties: no crash, and whatever decodes re-encodes to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "smp/crypto/aead.h"
#include "smp/crypto/cbox.h"
#include "smp/crypto/keys.h"
#include "smp/crypto/sign.h"
#include "smp/encoding/binary.h"

using namespace smp;
using namespace smp::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);

  if (auto pub = decode_public_key_der(in)) {
    if (encode_public_key_der(*pub) != Bytes(in.begin(), in.end())) std::abort();
    Bytes sig = in.size() > 64 ? Bytes(in.begin(), in.begin() + 64) : Bytes(64, 0);
    (void)verify(*pub, sig, in);
  }
  if (auto priv = decode_private_key_der(in)) {
    SecretBytes der = encode_private_key_der(*priv);
    if (!constant_time_equal(der.view(), in)) std::abort();
  }
  enc::Reader r(in);
  if (auto k = read_public_key(r, kSignatureAlgorithms)) {
    enc::Writer w;
    write_public_key(w, *k);
    if (w.bytes() != Bytes(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(r.position())))
      std::abort();
  }
  (void)signature_algorithm(size);

  static const Bytes kSecret(32, 0x42);
  static const CbNonce kNonce{};
  (void)cb_decrypt(kSecret, kNonce, in);

  static const Bytes kKey(32, 0x24), kIv(16, 0x18);
  if (in.size() >= kAuthTagSize) {
    (void)decrypt_aead(kKey, kIv, {}, in.subspan(kAuthTagSize), in.first(kAuthTagSize));
  }
  return 0;
}
