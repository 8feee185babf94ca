// The smp-server process under malformed traffic interleaved with valid clients: garbage
// instead of TLS, half a ClientHello, TLS with no SMP handshake, handshakes trickled a byte at
// a time (slowloris), random and truncated blocks, length words beyond the block, signatures
// of the wrong size, wrong session ids, half a TLS record then a hang-up. The server answers
// each as specified or hangs up, valid clients see no error and lose no message, and the
// server's descriptors and resident memory return to their baseline afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include <boost/asio/write.hpp>

#include "process_stats.h"
#include "raw_socket.h"
#include "server_process_fixture.h"
#include "smp/crypto/hash.h"
#include "smp/protocol/wire_format.h"
#include "soak.h"

namespace smp::test {
namespace {

using Clock = std::chrono::steady_clock;

// The server's default handshake_timeout (10 s) plus slack for a loaded machine.
constexpr auto kHandshakeDeadline = 20s;

class ServerHostileTrafficTest : public ServerProcessFixture {};

struct ValidCounters {
  std::atomic<int> sent{0}, received{0}, errors{0};
};

// A recipient and a sender exchanging messages over one queue until `stop` (and at least
// `min_messages`): SEND → OK, MSG arrives and decrypts to what was sent, ACK → OK.
void exchange_messages(std::uint16_t port, const Bytes& key_hash, int id, int min_messages,
                       const std::atomic<bool>& stop, ValidCounters& counters) {
  auto recipient = TestClient::connect(port, key_hash);
  auto sender = TestClient::connect(port, key_hash);
  if (!recipient || !sender) {
    ++counters.errors;
    return;
  }
  RecipientQueue q = create_queue(*recipient);
  for (int i = 0; !stop || i < min_messages; ++i) {
    std::string body = "valid " + std::to_string(id) + " " + std::to_string(i);
    auto ok = sender->request("s", q.sid, cmd::Send{bytes_of(body)});
    if (!ok || ok->tag() != "OK") {
      ++counters.errors;
      ADD_FAILURE() << "valid SEND answered " << (ok ? ok->tag() : "nothing");
      return;
    }
    ++counters.sent;
    auto m = recipient->receive();
    const auto* msg = m ? m->as<msg::Msg>() : nullptr;
    auto plain = msg ? decrypt_message(q, *msg) : Result<Bytes>(make_error_code(errc::cb_decrypt));
    if (!plain || std::string(as_chars(*plain)) != body) {
      ++counters.errors;
      ADD_FAILURE() << "valid client " << id << " did not get message " << i;
      return;
    }
    ++counters.received;
    auto acked = recipient->request("a", q.rid, cmd::Ack{}, q.key());
    if (!acked || acked->tag() != "OK") {
      ++counters.errors;
      ADD_FAILURE() << "valid ACK answered " << (acked ? acked->tag() : "nothing");
      return;
    }
  }
}

Bytes random_block_content() { return crypto::random_bytes(protocol::kBlockSize); }

TEST_F(ServerHostileTrafficTest, MalformedTrafficIsAnsweredOrCutAndValidClientsAreUnaffected) {
  const int rounds = soak_count(20);
  const int slowloris_count = 30;
  const int valid_clients = 4;
  init({"--disable-store-log"});
  auto server = start();
  ASSERT_TRUE(server->running());
  const pid_t pid = server->pid();
  const Bytes hash = key_hash();

  // Warm-up (TLS contexts, allocator arenas, session cache), then the baseline.
  for (int i = 0; i < 20; ++i) {
    auto c = connect();
    ASSERT_TRUE(c);
    create_queue(*c);
  }
  auto fds0 = settle_at_most<std::size_t>([&] { return open_fds(pid); }, 0, 500ms);
  auto rss0 = rss_kib(pid);
  ASSERT_TRUE(fds0 && rss0);

  std::atomic<bool> done{false};
  ValidCounters valid;
  std::vector<std::thread> valid_threads;
  for (int i = 0; i < valid_clients; ++i) {
    valid_threads.emplace_back(
        [&, i] { exchange_messages(port_, hash, i, 50, done, valid); });
  }

  // Slowloris: ClientHello bytes one at a time, never finished; and TLS with no SMP handshake.
  auto slow_start = Clock::now();
  std::vector<RawSocket> slow, garbage;
  std::vector<Clock::time_point> garbage_opened;
  for (int i = 0; i < slowloris_count; ++i) slow.emplace_back(port_);
  std::vector<std::unique_ptr<TlsOnlyConnection>> silent;
  for (int i = 0; i < 10; ++i) {
    silent.push_back(open_tls_only(port_, hash));
    ASSERT_TRUE(silent.back()) << "TLS connect failed";
  }
  std::atomic<bool> trickle_done{false};
  std::thread trickler([&] {
    const std::uint8_t hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
    for (std::size_t at = 0; !trickle_done; at = (at + 1) % sizeof hello) {
      for (auto& s : slow) s.write(ByteView(hello + at, 1));
      std::this_thread::sleep_for(250ms);
    }
  });

  int faults = 0;
  for (int round = 0; round < rounds && !HasFailure(); ++round) {
    SCOPED_TRACE(numbered("round ", round));
    {  // Plain text instead of TLS: the server hangs up at once.
      RawSocket s(port_);
      ASSERT_TRUE(s.connected());
      s.write(as_bytes("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
      EXPECT_TRUE(s.wait_closed(5s)) << "plain text instead of TLS was not cut";
      ++faults;
    }
    {  // Random bytes instead of TLS: cut at once, or at the handshake deadline when they
       // happen to look like the start of a longer record (checked below).
      garbage.emplace_back(port_);
      garbage_opened.push_back(Clock::now());
      ASSERT_TRUE(garbage.back().connected());
      garbage.back().write(crypto::random_bytes(static_cast<std::size_t>(1 + round * 997 % 20000)));
      ++faults;
    }
    {  // Half a ClientHello, then a hang-up.
      RawSocket s(port_);
      const std::uint8_t header[] = {0x16, 0x03, 0x01, 0x02, 0x00};
      s.write(ByteView(header, sizeof header));
      s.write(crypto::random_bytes(100));
      ++faults;
    }
    {  // TLS, then a hang-up before the SMP handshake.
      auto t = open_tls_only(port_, hash);
      EXPECT_TRUE(t);
      ++faults;
    }
    auto c = connect();
    ASSERT_TRUE(c);
    {  // A block of random bytes: some ERR, and the connection stays usable.
      c->send_raw(random_block_content());
      auto r = c->receive();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->tag(), "ERR");
      ++faults;
    }
    {  // A length word beyond the block: ERR BLOCK.
      Bytes block = crypto::random_bytes(protocol::kBlockSize);
      block[0] = 0x40 | (block[0] & 0x3f);
      c->send_raw(block);
      expect_err(c->receive(), errc::smp_block, "", {});
      ++faults;
    }
    {  // A signature of a size no algorithm has: ERR BLOCK.
      Bytes content{static_cast<std::uint8_t>(65 + round % 40)};
      content.insert(content.end(), content[0], 0x55);
      content.push_back(static_cast<std::uint8_t>(c->session_id().size()));
      content.insert(content.end(), c->session_id().begin(), c->session_id().end());
      for (char ch : std::string_view("\x02" "c9" "\x00" "PING", 8)) {
        content.push_back(static_cast<std::uint8_t>(ch));
      }
      c->send_content(content);
      expect_err(c->receive(), errc::smp_block, "c9", {});
      ++faults;
    }
    {  // Another connection's session id: ERR SESSION.
      Bytes wrong = crypto::random_bytes(c->session_id().size());
      protocol::TransmissionIds ids{wrong, as_bytes("w1"), {}};
      c->send_content(protocol::encode_command_transmission(ids, cmd::Ping{}, nullptr).value());
      expect_err(c->receive(), errc::smp_session, "w1", {});
      ++faults;
    }
    expect_pong(*c);
    {  // Half a block, then a hang-up.
      auto t = connect();
      ASSERT_TRUE(t);
      t->send_raw(ByteView(random_block_content()).first(1 + static_cast<std::size_t>(round) * 311));
      ++faults;
    }
    {  // Half a TLS record under an established session, then a hang-up.
      auto t = connect();
      ASSERT_TRUE(t);
      Bytes record{0x17, 0x03, 0x03, 0x40, 0x11};
      Bytes part = crypto::random_bytes(200);
      record.insert(record.end(), part.begin(), part.end());
      error_code ec;
      boost::asio::write(t->transport().socket(), boost::asio::buffer(record), ec);
      EXPECT_FALSE(ec);
      ++faults;
    }
  }

  // Every slowloris and silent connection is cut at the handshake deadline.
  for (auto& s : slow) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        slow_start + kHandshakeDeadline - Clock::now());
    EXPECT_TRUE(s.wait_closed(std::max(left, 1ms))) << "a trickled handshake was not cut";
  }
  trickle_done = true;
  trickler.join();
  for (std::size_t i = 0; i < garbage.size(); ++i) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        garbage_opened[i] + kHandshakeDeadline - Clock::now());
    EXPECT_TRUE(garbage[i].wait_closed(std::max(left, 1ms)))
        << "random bytes instead of TLS were not cut";
  }
  for (auto& s : silent) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        slow_start + kHandshakeDeadline - Clock::now());
    EXPECT_TRUE(wait_fd_closed(s->native_handle(), std::max(left, 1ms)))
        << "a TLS connection without SMP handshake was not cut";
  }
  faults += slowloris_count + static_cast<int>(silent.size());
  silent.clear();
  slow.clear();
  garbage.clear();

  done = true;
  for (auto& t : valid_threads) t.join();
  EXPECT_EQ(valid.errors.load(), 0);
  EXPECT_EQ(valid.sent.load(), valid.received.load()) << "messages lost";

  auto fds = settle_at_most<std::size_t>([&] { return open_fds(pid); }, *fds0, 10s);
  ASSERT_TRUE(fds);
  EXPECT_LE(*fds, *fds0) << "descriptors leaked";
  auto rss = rss_kib(pid);
  ASSERT_TRUE(rss);
  std::printf("[ figures  ] hostile traffic: %d faults injected over %d rounds, %d valid "
              "messages, %d lost; fds %zu -> %zu; RSS %llu -> %llu KiB\n",
              faults, rounds, valid.sent.load(), valid.sent.load() - valid.received.load(), *fds0,
              *fds, static_cast<unsigned long long>(*rss0), static_cast<unsigned long long>(*rss));
  if (!kSanitizerBuild) {
    EXPECT_LE(*rss, *rss0 + 32 * 1024) << "resident memory did not return near its baseline";
  }
  expect_pong(*connect());
  stop(*server);
}

}  // namespace
}  // namespace smp::test
