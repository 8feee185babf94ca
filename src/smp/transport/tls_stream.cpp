#include "smp/transport/tls_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <cerrno>
#include <cstring>
#include <new>

#include "smp/transport/pooled_buffer.h"
#include "smp/transport/tls_records.h"

namespace smp::transport {

namespace detail {

// The record layer after use_own_records(): the keys, and buffers held only while bytes
// wait in them (an idle connection has neither). Offsets are 32-bit (records are at most
// 17 KB): this object is on every idle server connection.
struct OwnRecords {
  static_assert(kPooledBufferSize >= kMaxRecordSize && kPooledBufferSize >= kMaxTls13RecordSize);
  explicit OwnRecords(TlsRecords r) : records(std::move(r)) {}

  TlsRecords records;
  PooledBuffer in;  // max_record_size() bytes: received, not yet returned
  std::uint32_t in_used = 0;
  std::uint32_t record_end = 0;  // > 0: in[0, record_end) is an opened application record
  std::uint32_t plain_begin = 0, plain_end = 0;  // its plaintext not yet returned
  PooledBuffer out;  // a sealed record being sent
  PooledBuffer prepared;  // prepare_write_record(): the next record's plaintext at offset 5
  std::uint32_t out_size = 0, out_sent = 0, out_plain = 0;
  bool out_is_key_update = false;  // `out` holds our KeyUpdate, not application data
  bool key_update_due = false;     // TLS 1.3: the peer asked for our KeyUpdate
  bool peer_closed = false;        // close_notify received
  bool drained = false;            // the last recv took all the socket had (short, or EAGAIN)
  bool starved = false;            // own_fill's last call ended for want of socket input
  error_code failure;              // sticky: a record failed to authenticate or was not allowed
};

struct TlsState {
  TlsState(Tcp::socket s, SSL* native) : socket(std::move(s)), ssl(native) {}
  ~TlsState() { SSL_free(ssl); }  // frees the BIO too
  TlsState(const TlsState&) = delete;
  TlsState& operator=(const TlsState&) = delete;

  Tcp::socket socket;
  SSL* ssl;                          // null once own records are used
  std::unique_ptr<OwnRecords> own;
  int last_errno = 0;  // set by the BIO when a send or recv fails for good
};

Tcp::socket& tls_socket(TlsState& s) { return s.socket; }

}  // namespace detail

namespace {

using detail::TlsState;

// The BIO between OpenSSL and the socket: one send or recv per call, never blocking (the
// socket itself may stay in blocking mode: MSG_DONTWAIT), never raising SIGPIPE.
int bio_write(BIO* bio, const char* data, int len) {
  auto* s = static_cast<TlsState*>(BIO_get_data(bio));
  BIO_clear_flags(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
  if (len <= 0) return 0;
  ssize_t n = ::send(s->socket.native_handle(), data, static_cast<std::size_t>(len),
                     MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n >= 0) return static_cast<int>(n);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    BIO_set_flags(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
  } else {
    s->last_errno = errno;
  }
  return -1;
}

int bio_read(BIO* bio, char* data, int len) {
  auto* s = static_cast<TlsState*>(BIO_get_data(bio));
  BIO_clear_flags(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
  if (len <= 0) return 0;
  ssize_t n = ::recv(s->socket.native_handle(), data, static_cast<std::size_t>(len), MSG_DONTWAIT);
  if (n >= 0) return static_cast<int>(n);  // 0: the peer closed TCP
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    BIO_set_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
  } else {
    s->last_errno = errno;
  }
  return -1;
}

long bio_ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* socket_bio_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "smp socket");
    if (m == nullptr) return m;
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return method;
}

// Idle connections keep no record buffers; writes go out record by record.
constexpr long kModes =
    SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;

std::unique_ptr<TlsState> new_state(Tcp::socket socket, ssl::context& ctx) {
  SSL* native = SSL_new(ctx.native_handle());
  BIO* bio = native ? BIO_new(socket_bio_method()) : nullptr;
  if (native == nullptr || bio == nullptr) {
    SSL_free(native);
    throw std::bad_alloc();  // as asio::ssl::stream does; only when memory runs out
  }
  auto state = std::make_unique<TlsState>(std::move(socket), native);
  BIO_set_data(bio, state.get());
  SSL_set_bio(native, bio, bio);
  SSL_set_mode(native, kModes);
  SSL_set_read_ahead(native, 1);  // a 16 KB record in fewer recv calls
  return state;
}

error_code ssl_failure(TlsState& s) {
  unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0 || ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    return s.last_errno != 0 ? error_code(s.last_errno, net::error::get_system_category())
                             : error_code(ssl::error::stream_truncated);
  }
  return error_code(static_cast<int>(e), net::error::get_ssl_category());
}

// --- Our own record layer (after use_own_records) ---

using detail::OwnRecords;
using detail::TlsStep;

error_code record_failure(OwnRecords& o, const char* why) {
  spdlog::debug("tls: connection failed: {}", why);
  o.failure = make_error_code(errc::tls_failure);
  o.in.reset();
  o.in_used = o.record_end = o.plain_begin = o.plain_end = 0;
  return o.failure;
}

error_code errno_failure(int e) { return error_code(e, net::error::get_system_category()); }

// Drops the record whose plaintext has all been returned; keeps what follows it.
void drop_record(OwnRecords& o) {
  std::uint32_t rest = o.in_used - o.record_end;
  if (rest > 0) std::memmove(o.in.get(), o.in.get() + o.record_end, rest);
  o.in_used = rest;
  o.record_end = o.plain_begin = o.plain_end = 0;
  if (rest == 0) o.in.reset();
}

// Receives and opens records until an application record's plaintext is there to return
// (done, `ec` clear), the stream failed or ended (done, `ec` set) or the socket has no more
// for now (want_read).
TlsStep own_fill(TlsState& s, error_code& ec) {
  OwnRecords& o = *s.own;
  o.starved = false;
  for (;;) {
    if (o.plain_begin < o.plain_end) return TlsStep::done;
    if (o.record_end > 0) drop_record(o);  // an empty record, or one returned in place
    if (o.failure) {
      ec = o.failure;
      return TlsStep::done;
    }
    if (o.peer_closed) {
      ec = net::error::eof;
      return TlsStep::done;
    }
    std::uint32_t need = kRecordHeaderSize;
    if (o.in_used >= kRecordHeaderSize) {
      auto size_or = o.records.record_size(ByteView(o.in.get(), kRecordHeaderSize));
      if (!size_or) {
        ec = record_failure(o, "bad record header");
        return TlsStep::done;
      }
      need = static_cast<std::uint32_t>(*size_or);
    }
    if (o.in_used >= need && need > kRecordHeaderSize) {
      auto opened = o.records.open(std::span<std::uint8_t>(o.in.get(), need));
      if (!opened) {
        ec = record_failure(o, "record authentication failed");
        return TlsStep::done;
      }
      o.record_end = need;
      switch (opened->type) {
        case ContentType::application_data:
          o.plain_begin = static_cast<std::uint32_t>(opened->plaintext.data() - o.in.get());
          o.plain_end = o.plain_begin + static_cast<std::uint32_t>(opened->plaintext.size());
          continue;
        case ContentType::handshake:
          // TLS 1.3 only: a KeyUpdate (anything else, e.g. TLS 1.2 renegotiation, fails).
          if (auto requested = parse_key_update(opened->plaintext);
              requested && o.records.update_read_keys()) {
            if (*requested) o.key_update_due = true;  // answered before our next record
            drop_record(o);
            continue;
          }
          ec = record_failure(o, "handshake message after the handshake");
          return TlsStep::done;
        case ContentType::alert:
          if (opened->plaintext.size() == 2 && opened->plaintext[1] == SSL_AD_CLOSE_NOTIFY) {
            o.peer_closed = true;
            drop_record(o);
            continue;
          }
          ec = record_failure(o, "alert received");
          return TlsStep::done;
        default:  // a renegotiation attempt, or a record type with no place here
          ec = record_failure(o, "unexpected record type");
          return TlsStep::done;
      }
    }
    const std::size_t capacity = o.records.max_record_size();
    if (!o.in) o.in = take_pooled_buffer();
    const std::size_t room = capacity - o.in_used;
    ssize_t got = ::recv(s.socket.native_handle(), o.in.get() + o.in_used, room, MSG_DONTWAIT);
    if (got > 0) {
      o.in_used += static_cast<std::uint32_t>(got);
      o.drained = static_cast<std::size_t>(got) < room;
      continue;
    }
    int e = errno;
    if (got < 0 && (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)) {
      o.drained = o.starved = e != EINTR;
      if (o.in_used == 0) o.in.reset();  // nothing held while the connection waits
      return TlsStep::want_read;
    }
    // The stream has ended: a partial record will never be completed.
    o.in.reset();
    o.in_used = 0;
    ec = got == 0 ? error_code(ssl::error::stream_truncated)  // TCP closed, no close_notify
                  : errno_failure(e);
    return TlsStep::done;
  }
}

TlsStep own_read(TlsState& s, std::uint8_t* data, std::size_t size, std::size_t& n,
                 error_code& ec) {
  TlsStep step = own_fill(s, ec);
  if (step != TlsStep::done || ec) return step;
  OwnRecords& o = *s.own;
  n = std::min<std::size_t>(size, o.plain_end - o.plain_begin);
  std::memcpy(data, o.in.get() + o.plain_begin, n);
  o.plain_begin += static_cast<std::uint32_t>(n);
  if (o.plain_begin == o.plain_end) drop_record(o);
  return TlsStep::done;
}

// Sends the sealed record in `out` until it is all out (want_write meanwhile).
TlsStep own_flush(TlsState& s, error_code& ec) {
  OwnRecords& o = *s.own;
  while (o.out_sent < o.out_size) {
    ssize_t sent = ::send(s.socket.native_handle(), o.out.get() + o.out_sent,
                          o.out_size - o.out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent >= 0) {
      o.out_sent += static_cast<std::uint32_t>(sent);
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return TlsStep::want_write;
    ec = errno_failure(errno);
    return TlsStep::done;
  }
  return TlsStep::done;
}

// Seals the next record into `out`: our KeyUpdate when one is due (TLS 1.3, RFC 8446 §4.6.3:
// before the next application data), else up to one record of `data`.
void seal_next(OwnRecords& o, const std::uint8_t* data, std::size_t size) {
  if (o.key_update_due) {
    auto message = key_update_message(false);
    o.out_size = static_cast<std::uint32_t>(o.records.sealed_size(message.size()));
    o.out = take_pooled_buffer();
    o.records.seal(ContentType::handshake, message,
                   std::span<std::uint8_t>(o.out.get(), o.out_size));
    o.out_plain = 0;
    o.out_is_key_update = true;
  } else {
    std::size_t plain = std::min(size, kMaxRecordPlaintext);
    o.out_size = static_cast<std::uint32_t>(o.records.sealed_size(plain));
    if (o.prepared && data == o.prepared.get() + kRecordHeaderSize) {
      o.out = std::move(o.prepared);  // written where the record goes: sealed in place
    } else {
      o.out = take_pooled_buffer();
    }
    o.records.seal(ContentType::application_data, ByteView(data, plain),
                   std::span<std::uint8_t>(o.out.get(), o.out_size));
    o.out_plain = static_cast<std::uint32_t>(plain);
    o.out_is_key_update = false;
  }
  o.out_sent = 0;
}

TlsStep own_write(TlsState& s, const std::uint8_t* data, std::size_t size, std::size_t& n,
                  error_code& ec) {
  OwnRecords& o = *s.own;
  for (;;) {
    if (o.failure) {
      ec = o.failure;
      return TlsStep::done;
    }
    if (!o.out) seal_next(o, data, size);
    TlsStep step = own_flush(s, ec);
    if (step != TlsStep::done) return step;
    const bool key_update = o.out_is_key_update;
    const std::size_t plain = o.out_plain;
    o.out.reset();
    o.out_size = o.out_sent = o.out_plain = 0;
    o.out_is_key_update = false;
    if (ec) return TlsStep::done;
    if (!key_update) {
      n = plain;
      return TlsStep::done;
    }
    // Our KeyUpdate is out: what follows goes with the next generation of write keys.
    o.key_update_due = false;
    if (!o.records.update_write_keys()) {
      ec = record_failure(o, "KeyUpdate failed");
      return TlsStep::done;
    }
  }
}

}  // namespace

namespace detail {

TlsStep tls_step(TlsState& s, TlsOp op, void* data, std::size_t size, std::size_t& n,
                 error_code& ec) {
  n = 0;
  ec = {};
  if (!s.socket.is_open()) {
    ec = net::error::bad_descriptor;
    return TlsStep::done;
  }
  if (op != TlsOp::handshake && size == 0) return TlsStep::done;
  if (s.own) {
    switch (op) {
      case TlsOp::handshake:
        return TlsStep::done;
      case TlsOp::read:
        return own_read(s, static_cast<std::uint8_t*>(data), size, n, ec);
      case TlsOp::write:
        return own_write(s, static_cast<const std::uint8_t*>(data), size, n, ec);
    }
  }
  s.last_errno = 0;
  ERR_clear_error();
  int rc = 0;
  switch (op) {
    case TlsOp::handshake:
      rc = SSL_do_handshake(s.ssl);
      break;
    case TlsOp::read:
      rc = SSL_read_ex(s.ssl, data, size, &n);
      break;
    case TlsOp::write:
      rc = SSL_write_ex(s.ssl, data, size, &n);
      break;
  }
  if (rc == 1) return TlsStep::done;
  n = 0;
  switch (SSL_get_error(s.ssl, rc)) {
    case SSL_ERROR_WANT_READ:
      return TlsStep::want_read;
    case SSL_ERROR_WANT_WRITE:
      return TlsStep::want_write;
    case SSL_ERROR_ZERO_RETURN:  // close_notify
      ec = net::error::eof;
      break;
    default:
      ec = ssl_failure(s);
      break;
  }
  return TlsStep::done;
}

}  // namespace detail

TlsStream::TlsStream(const executor_type& executor, ssl::context& ctx)
    : state_(new_state(Tcp::socket(executor), ctx)) {}

TlsStream::TlsStream(Tcp::socket socket, ssl::context& ctx)
    : state_(new_state(std::move(socket), ctx)) {}

TlsStream::TlsStream(TlsStream&&) noexcept = default;
TlsStream& TlsStream::operator=(TlsStream&&) noexcept = default;
TlsStream::~TlsStream() = default;

TlsStream::executor_type TlsStream::get_executor() { return state_->socket.get_executor(); }
Tcp::socket& TlsStream::next_layer() { return state_->socket; }
const Tcp::socket& TlsStream::next_layer() const { return state_->socket; }
SSL* TlsStream::native_handle() const { return state_->ssl; }

bool TlsStream::has_buffered_input() const {
  if (const auto& o = state_->own) {
    // A record returned in place is no longer input; what follows it is.
    return o->plain_begin < o->plain_end || o->in_used > o->record_end;
  }
  return SSL_has_pending(state_->ssl) == 1;
}

bool TlsStream::use_own_records(TlsRole role) {
  if (state_->own) return true;
  auto records = TlsRecords::from_handshake(state_->ssl, role);
  if (!records) return false;
  state_->own = std::make_unique<detail::OwnRecords>(std::move(*records));
  SSL_free(state_->ssl);
  state_->ssl = nullptr;
  return true;
}

bool TlsStream::uses_own_records() const { return state_->own != nullptr; }

std::size_t TlsStream::held_record_bytes() const {
  const auto& o = state_->own;
  if (!o) return 0;
  return (o->in ? o->records.max_record_size() : 0) + (o->out ? o->out_size : 0) +
         (o->prepared ? o->records.max_record_size() : 0);
}

std::span<std::uint8_t> TlsStream::try_read_record_in_place(std::size_t size, error_code& ec) {
  ec = {};
  TlsState& s = *state_;
  if (!s.own || size == 0 || !s.socket.is_open()) return {};
  if (own_fill(s, ec) != detail::TlsStep::done || ec) return {};
  OwnRecords& o = *s.own;
  if (o.plain_begin != kRecordHeaderSize || o.plain_end - o.plain_begin != size) return {};
  std::span<std::uint8_t> plaintext(o.in.get() + o.plain_begin, size);
  o.plain_begin = o.plain_end;  // returned; dropped by the next read or release_read_record()
  return plaintext;
}

bool TlsStream::input_exhausted() const {
  const auto& o = state_->own;
  // Starved: what is buffered is at most part of a record. Otherwise anything buffered may be
  // a whole record, to be read without the socket.
  return o && o->drained && (o->starved || !has_buffered_input());
}

void TlsStream::release_read_record() {
  auto& o = state_->own;
  if (o && o->record_end > 0 && o->plain_begin == o->plain_end) drop_record(*o);
}

std::span<std::uint8_t> TlsStream::prepare_write_record(std::size_t size) {
  auto& o = state_->own;
  if (!o || o->out || size == 0 || size > kMaxRecordPlaintext) return {};
  if (!o->prepared) o->prepared = take_pooled_buffer();
  return {o->prepared.get() + kRecordHeaderSize, size};
}

void TlsStream::release_write_record() {
  if (auto& o = state_->own) o->prepared.reset();
}

bool TlsStream::try_read_some(net::mutable_buffer buffer, std::size_t& n, error_code& ec) {
  return detail::tls_step(*state_, detail::TlsOp::read, buffer.data(), buffer.size(), n, ec) ==
         detail::TlsStep::done;
}

bool TlsStream::try_write_some(net::const_buffer buffer, std::size_t& n, error_code& ec) {
  // OpenSSL only reads from it, as in async_write_some.
  return detail::tls_step(*state_, detail::TlsOp::write, const_cast<void*>(buffer.data()),
                          buffer.size(), n, ec) == detail::TlsStep::done;
}

namespace {

// read_all / write_all: records while the socket has or takes them (`try_some`), then the
// rest with the composed asynchronous operation (`async_rest`).
template <class Buffer, class TrySome, class AsyncRest>
net::awaitable<std::pair<error_code, std::size_t>> transfer_all(Buffer buffer, TrySome try_some,
                                                                AsyncRest async_rest) {
  std::size_t done = 0;
  error_code ec;
  while (done < buffer.size() && !ec) {
    std::size_t n = 0;
    if (!try_some(buffer + done, n, ec)) break;
    done += n;
  }
  if (done < buffer.size() && !ec) {
    auto [rest_ec, n] = co_await async_rest(buffer + done);
    ec = rest_ec;
    done += n;
  }
  co_return std::pair{ec, done};
}

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

}  // namespace

net::awaitable<std::pair<error_code, std::size_t>> TlsStream::read_all(
    net::mutable_buffer buffer) {
  return transfer_all(
      buffer,
      [this](net::mutable_buffer b, std::size_t& n, error_code& ec) {
        return try_read_some(b, n, ec);
      },
      [this](net::mutable_buffer b) { return net::async_read(*this, b, kUseTuple); });
}

net::awaitable<std::pair<error_code, std::size_t>> TlsStream::write_all(
    net::const_buffer buffer) {
  return transfer_all(
      buffer,
      [this](net::const_buffer b, std::size_t& n, error_code& ec) {
        return try_write_some(b, n, ec);
      },
      [this](net::const_buffer b) { return net::async_write(*this, b, kUseTuple); });
}

void TlsStream::prepare_handshake(ssl::stream_base::handshake_type type) {
  if (type == ssl::stream_base::client) {
    SSL_set_connect_state(state_->ssl);
  } else {
    SSL_set_accept_state(state_->ssl);
  }
}

void TlsStream::send_close_notify() noexcept {
  if (!state_->socket.is_open()) return;
  if (auto& o = state_->own) {
    // Never in the middle of another record, nor after a failure.
    if (o->out || o->failure) return;
    std::array<std::uint8_t, 2> alert{SSL3_AL_WARNING, SSL_AD_CLOSE_NOTIFY};
    std::array<std::uint8_t, alert.size() + kRecordHeaderSize + kRecordTagSize + 1> record{};
    std::size_t size = o->records.seal(ContentType::alert, alert, record);
    (void)::send(state_->socket.native_handle(), record.data(), size,
                 MSG_NOSIGNAL | MSG_DONTWAIT);
    return;
  }
  if (SSL_is_init_finished(state_->ssl) != 1) return;
  ERR_clear_error();
  (void)SSL_shutdown(state_->ssl);
  ERR_clear_error();
}

void teardown(boost::beast::role_type role, TlsStream& stream, error_code& ec) {
  stream.send_close_notify();
  boost::beast::websocket::teardown(role, stream.next_layer(), ec);
}

}  // namespace smp::transport
