// BlockTransport: one established connection carrying fixed 16384-byte SMP blocks (spec §3.4),
// the seam between the server/client and TLS or WebSockets (and test fakes), with what the
// handshake agreed: the SMP version and, for the current generation (ALPN "smp/1", SMP
// 6..18), the session parameters below.
//
// Strand-bound: every call must come from the connection's executor (get_executor()). One
// read and one write may be outstanding at the same time (a reader and a writer coroutine),
// never two reads or two writes. close() may be called at any time on that executor; pending
// operations then complete with errc::connection_closed. After any read or write error other
// than errc::transport_large_msg the connection is unusable: close it.
//
// Block encryption (v11+) is inside the transport: read_block_view() returns the decrypted,
// unpadded content, write_block() pads and encrypts, and callers see only the smaller
// content limit, max_block_content().
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/crypto/keys.h"
#include "smp/crypto/secret_array.h"
#include "smp/encoding/version.h"
#include "smp/protocol/wire_format.h"

namespace smp::transport {

namespace net = boost::asio;

class BlockEncryption;

// What a handshake agreed (the reference's THandleParams and THandleAuth). A v1 connection
// has only `version` (1) and defaults; the current generation fills what applies. Move-only;
// the secrets are wiped when it goes.
struct SessionParams {
  std::uint16_t version = 0;
  // thServerVRange: server side (its minimum, the agreed version); client side the range
  // both share.
  enc::VersionRange server_versions = enc::VersionRange::single(0);
  bool current = false;             // ALPN "smp/1": the 6..18 formats; false: SMP v1
  bool implied_session_id = false;  // v >= 7: signed over, not sent in transmissions
  bool service_signature = false;   // v >= 16: every transmission has the service field
  bool block_encryption = false;    // v >= 11, both sides sent keys, client not a proxy

  // The client declared itself an SMP proxy (proxyServer; server side: the peer, client
  // side: this end).
  bool client_is_proxy = false;

  // Server side: this connection's X25519 key (X25519 command authenticators: crypto_box
  // over SHA-512 of the authorized bytes; RFWD).
  std::optional<crypto::PrivateKey> server_dh_key;

  // Client side: the server's X25519 key, verified against its TLS certificate, and the
  // CertChainPubKey bytes as received (a proxy returns them in PKEY).
  std::optional<crypto::PublicKey> server_dh_public;
  Bytes server_cert_key;

  // Both sides: DH(client key, server key) when the client sent a key (client side: and the
  // server a verified one) — sessSecret, for the proxy's RFWD/PFWD encryption.
  std::optional<crypto::SecretArray<32>> session_secret;
};

class BlockTransport {
 public:
  BlockTransport(const BlockTransport&) = delete;
  BlockTransport& operator=(const BlockTransport&) = delete;
  virtual ~BlockTransport();

  // The content of the next block (decrypted when block encryption is on, padding removed).
  // The view points into a buffer the connection owns and stays valid until the next read
  // starts or the transport is destroyed.
  // Errors: errc::connection_closed (EOF, closed), errc::transport_large_msg (the length word
  // exceeds the block, or an encrypted block does not authenticate: the stream stays in sync,
  // the caller may go on — the reference answers ERR BLOCK), errc::transport_bad_block
  // (truncated block, or a WebSocket message that is not 16384 bytes), errc::network.
  virtual net::awaitable<Result<ByteView>> read_block_view() = 0;
  // As read_block_view, copied out.
  net::awaitable<Result<Bytes>> read_block();

  // Pads content to one block (and encrypts it) and sends it. Content over
  // max_block_content() is errc::transport_large_msg and nothing is sent. Other errors:
  // errc::connection_closed, errc::network. `content` need only live until the call starts.
  virtual net::awaitable<Result<void>> write_block(ByteView content) = 0;

  // Zero-copy sending for writers that build whole blocks in place (the server's session
  // writer): the connection's own write buffer of max_block_content() + 2 bytes (16384, or
  // 16368 with block encryption), to be filled with a padded block (u16 length ‖ content ‖
  // '#' fill up to its size) and then sent by write_prepared_block(), which encrypts it in
  // place when block encryption is on: 16384 bytes go on the wire either way. The buffer is
  // valid from this call until write_prepared_block() completes (the TLS and WebSocket
  // transports then release it, so idle connections hold none); fill it only while no
  // write is outstanding. The defaults copy through write_block().
  virtual std::span<std::uint8_t> write_buffer();
  // Errors as write_block; errc::transport_large_msg if the length word exceeds the buffer.
  virtual net::awaitable<Result<void>> write_prepared_block();

  // Closes the connection at once (no TLS close_notify); idempotent.
  virtual void close() noexcept = 0;
  virtual bool is_open() const = 0;
  virtual net::any_io_executor get_executor() = 0;

  // tls-unique of the connection (12 bytes with TLS 1.2, 32 with TLS 1.3), set once TLS is
  // up (spec §3.3).
  ByteView session_id() const { return ByteView(session_id_.data(), session_id_size_); }
  // The SMP version agreed in the handshake; 0 before it.
  std::uint16_t smp_version() const { return smp_version_; }
  void set_smp_version(std::uint16_t version) { smp_version_ = version; }
  // What the handshake agreed. A v1 connection (and any before its handshake) shares one
  // immutable SessionParams: version 1, nothing else.
  const SessionParams& params() const;
  // The largest content one block carries: 16382, or 16366 with block encryption.
  std::size_t max_block_content() const;

  // For the current generation's handshakes: stores what was agreed (and the version) and
  // turns block encryption on for every block after this call when `encryption` is given.
  void set_session(SessionParams params, std::optional<BlockEncryption> encryption);

 protected:
  BlockTransport();
  void set_session_id(ByteView id);
  // Null unless block encryption is on.
  BlockEncryption* block_encryption();

 private:
  struct Current;  // the current generation's parameters and block encryption

  std::array<std::uint8_t, protocol::kMaxSessionIdSize> session_id_{};
  std::uint8_t session_id_size_ = 0;
  std::uint16_t smp_version_ = 0;
  std::unique_ptr<Current> current_;  // null for SMP v1: those connections pay no more
  Bytes fallback_write_buffer_;       // only for transports without their own write buffer
};

}  // namespace smp::transport
