#include "smp/transport/tls_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <new>

namespace smp::transport {

namespace detail {

struct TlsState {
  TlsState(Tcp::socket s, SSL* native) : socket(std::move(s)), ssl(native) {}
  ~TlsState() { SSL_free(ssl); }  // frees the BIO too
  TlsState(const TlsState&) = delete;
  TlsState& operator=(const TlsState&) = delete;

  Tcp::socket socket;
  SSL* ssl;
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

bool TlsStream::has_buffered_input() const { return SSL_has_pending(state_->ssl) == 1; }

void TlsStream::prepare_handshake(ssl::stream_base::handshake_type type) {
  if (type == ssl::stream_base::client) {
    SSL_set_connect_state(state_->ssl);
  } else {
    SSL_set_accept_state(state_->ssl);
  }
}

void TlsStream::send_close_notify() noexcept {
  if (!state_->socket.is_open() || SSL_is_init_finished(state_->ssl) != 1) return;
  ERR_clear_error();
  (void)SSL_shutdown(state_->ssl);
  ERR_clear_error();
}

void teardown(boost::beast::role_type role, TlsStream& stream, error_code& ec) {
  stream.send_close_notify();
  boost::beast::websocket::teardown(role, stream.next_layer(), ec);
}

}  // namespace smp::transport
