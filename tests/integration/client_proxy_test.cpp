// The client library sending through an SMP proxy (SmpClient::create_proxied_relay,
// send_message_via_proxy): two of our servers on 127.0.0.1 over real TLS, a destination (the
// fixture's server, where the recipient's queue is) and a proxy (the proxy role on). The
// flows follow tests/SMPProxyTests.hs at simplexmq 6.5.5; the errors Client.hs
// connectSMPProxiedRelay / proxySMPCommand and Server.hs processProxiedCmd.

#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <gtest/gtest.h>

#include "client_fixture.h"
#include "proxy_test_util.h"
#include "smp/client/proxied_relay.h"
#include "smp/protocol/versions.h"
#include "smp/server/server_context.h"

namespace smp::client {
namespace {

using namespace std::chrono_literals;
using crypto::KeyAlgorithm;
using protocol::BrokerErrorInfo;
using protocol::ProxyErrorInfo;
using test::closed_port;
using test::proxy_role;

protocol::SmpServer address_of(const test::TestServer& s, std::string password = {}) {
  return protocol::SmpServer{"127.0.0.1", std::to_string(s.port()), s.key_hash(),
                             std::move(password)};
}

ProxyErrorInfo::Kind proxy_kind(const protocol::SmpError& e) {
  EXPECT_EQ(e.code, errc::smp_proxy);
  return e.proxy_error ? e.proxy_error->kind : ProxyErrorInfo::Kind::no_session;
}

class ClientProxyTest : public test::ClientFixture {
 protected:
  // A current-generation client of a server (the proxy unless told otherwise).
  std::unique_ptr<BlockingSmpClient> connect_to(const protocol::SmpServer& server) {
    auto c = BlockingSmpClient::connect(
        server, ClientConfig{.protocols = transport::ClientProtocols::current_and_v1});
    EXPECT_TRUE(c) << c.error().message();
    return c ? std::move(*c) : nullptr;
  }
  std::unique_ptr<BlockingSmpClient> connect_proxy() { return connect_to(address_of(proxy_)); }

  test::TestServer proxy_{proxy_role};
};

TEST_F(ClientProxyTest, ASenderSendsThroughTheProxyAndTheRecipientReceives) {
  auto recipient = connect_current();
  auto sender = connect_proxy();
  ASSERT_TRUE(recipient && sender);
  auto q = recipient->create_queue();
  ASSERT_TRUE(q) << q.error().message();

  auto relay = sender->create_proxied_relay(address());
  ASSERT_TRUE(relay) << relay.error().message();
  EXPECT_EQ(relay->versions, protocol::kProxiedVersions);
  EXPECT_EQ(relay->version, protocol::kProxiedMaxVersion);
  EXPECT_EQ(relay->session_id.size(), 32u);  // tls-unique of the proxy's TLS 1.3 session

  ASSERT_TRUE(sender->send_message_via_proxy(*relay, nullptr, q->ids.sender_id,
                                             as_bytes("hello via the proxy"), true));
  Bytes first_id;
  auto first = receive(*recipient, *q, &first_id);
  ASSERT_TRUE(first);
  EXPECT_EQ(as_chars(first->body), "hello via the proxy");
  EXPECT_TRUE(first->notification);  // the flags travel inside the sealed transmission
  ASSERT_TRUE(recipient->ack(q->recipient_key, q->ids.recipient_id, first_id));
  // The relay is reused for the next message.
  ASSERT_TRUE(sender->send_message_via_proxy(*relay, nullptr, q->ids.sender_id,
                                             as_bytes("and again")));
  EXPECT_EQ(receive_text(*recipient, *q), "and again");
  EXPECT_EQ(proxy_.server().context().proxy.relay_count(), 1u);
}

TEST_F(ClientProxyTest, ASecuredQueueTakesTheSendersSignatureThroughTheProxy) {
  auto recipient = connect_current();
  auto sender = connect_proxy();
  ASSERT_TRUE(recipient && sender);
  for (auto alg : {KeyAlgorithm::ed25519, KeyAlgorithm::x25519}) {
    SCOPED_TRACE(crypto::algorithm_name(alg));
    auto fresh = recipient->create_queue();
    ASSERT_TRUE(fresh);
    auto key = crypto::generate_key_pair(alg);
    ASSERT_TRUE(recipient->secure_queue(fresh->recipient_key, fresh->ids.recipient_id,
                                        key.public_key));
    auto relay = sender->create_proxied_relay(address());
    ASSERT_TRUE(relay);
    // Unsigned, the destination refuses it, and its AUTH comes back as if sent directly.
    protocol::SmpError why;
    auto unsigned_send = sender->send_message_via_proxy(*relay, nullptr, fresh->ids.sender_id,
                                                        as_bytes("x"), false, &why);
    EXPECT_EQ(unsigned_send.error(), errc::smp_auth);
    EXPECT_EQ(why.code, errc::smp_auth);
    // A signature (Ed25519) or an authenticator for the destination's key (X25519).
    auto stranger = crypto::generate_key_pair(alg);
    EXPECT_EQ(sender
                  ->send_message_via_proxy(*relay, &stranger.private_key, fresh->ids.sender_id,
                                           as_bytes("x"))
                  .error(),
              errc::smp_auth);
    ASSERT_TRUE(sender->send_message_via_proxy(*relay, &key.private_key, fresh->ids.sender_id,
                                               as_bytes("signed")));
    EXPECT_EQ(receive_text(*recipient, *fresh), "signed");
  }
}

// SKEY forwarded through the proxy (v9+): the sender secures a messaging queue without ever
// connecting to its server, then sends signed; a second SKEY with another key is refused.
TEST_F(ClientProxyTest, TheSenderSecuresTheQueueThroughTheProxy) {
  auto recipient = connect_current();
  auto sender = connect_proxy();
  ASSERT_TRUE(recipient && sender);
  auto q = recipient->create_queue(KeyAlgorithm::ed25519, {.mode = protocol::QueueMode::messaging});
  ASSERT_TRUE(q) << q.error().message();
  auto relay = sender->create_proxied_relay(address());
  ASSERT_TRUE(relay);

  auto key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto secured = sender->send_command_via_proxy(*relay, &key.private_key, q->ids.sender_id,
                                                protocol::cmd::SKey{.sender_key = key.public_key});
  ASSERT_TRUE(secured) << secured.error().message();
  EXPECT_TRUE(std::holds_alternative<reply::Ok>(*secured));

  auto other = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  EXPECT_EQ(sender
                ->send_command_via_proxy(*relay, &other.private_key, q->ids.sender_id,
                                         protocol::cmd::SKey{.sender_key = other.public_key})
                .error(),
            errc::smp_auth);
  EXPECT_EQ(sender->send_message_via_proxy(*relay, nullptr, q->ids.sender_id, as_bytes("x")).error(),
            errc::smp_auth);
  ASSERT_TRUE(sender->send_message_via_proxy(*relay, &key.private_key, q->ids.sender_id,
                                             as_bytes("secured via the proxy")));
  EXPECT_EQ(receive_text(*recipient, *q), "secured via the proxy");
}

// LKEY forwarded through the proxy: the sender secures a messaging queue by its short link
// and learns its sender id and link data, then sends to it, all without connecting to its
// server.
TEST_F(ClientProxyTest, TheSenderSecuresAQueueByItsLinkThroughTheProxy) {
  auto owner = connect_current();
  auto sender = connect_proxy();
  ASSERT_TRUE(owner && sender);
  QueueOptions options{.mode = protocol::QueueMode::messaging,
                       .link = QueueOptions::Link{.fixed_data = to_bytes(as_bytes("invitation")),
                                                  .user_data = {}}};
  auto q = owner->create_queue(KeyAlgorithm::ed25519, options);
  ASSERT_TRUE(q) << q.error().message();
  auto relay = sender->create_proxied_relay(address());
  ASSERT_TRUE(relay);

  auto key = crypto::generate_key_pair(KeyAlgorithm::ed25519);
  auto linked = sender->send_command_via_proxy(*relay, &key.private_key, q->ids.link_id,
                                               protocol::cmd::LKey{.sender_key = key.public_key});
  ASSERT_TRUE(linked) << linked.error().message();
  const auto* link = std::get_if<QueueLink>(&*linked);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->sender_id, q->ids.sender_id);
  EXPECT_EQ(as_chars(link->fixed_data), "invitation");

  ASSERT_TRUE(sender->send_message_via_proxy(*relay, &key.private_key, link->sender_id,
                                             as_bytes("found by its link")));
  EXPECT_EQ(receive_text(*owner, *q), "found by its link");
}

TEST_F(ClientProxyTest, AnUnknownQueueIsTheDestinationsAuth) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  auto relay = sender->create_proxied_relay(address());
  ASSERT_TRUE(relay);
  protocol::SmpError why;
  auto sent = sender->send_message_via_proxy(*relay, nullptr, Bytes(protocol::kQueueIdBytes, 7),
                                             as_bytes("x"), false, &why);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error(), errc::smp_auth);
  EXPECT_EQ(describe_server_error(why), "AUTH");
}

TEST_F(ClientProxyTest, AnUnreachableDestinationIsTheProxysBrokerError) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  protocol::SmpServer nowhere = address();
  nowhere.port = std::to_string(closed_port());
  protocol::SmpError why;
  auto relay = sender->create_proxied_relay(nowhere, &why);
  ASSERT_FALSE(relay);
  EXPECT_EQ(relay.error(), errc::smp_proxy);
  ASSERT_EQ(proxy_kind(why), ProxyErrorInfo::Kind::broker);
  EXPECT_EQ(why.proxy_error->broker.kind, BrokerErrorInfo::Kind::network);
  EXPECT_EQ(describe_server_error(why).rfind("PROXY BROKER NETWORK", 0), 0u)
      << describe_server_error(why);
  // The connection to the proxy goes on.
  EXPECT_TRUE(sender->ping());
  EXPECT_TRUE(sender->create_proxied_relay(address()));
}

TEST_F(ClientProxyTest, AWrongKeyHashIsRefused) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  protocol::SmpServer impostor = address();
  impostor.key_hash[0] ^= 0x01;
  protocol::SmpError why;
  auto relay = sender->create_proxied_relay(impostor, &why);
  ASSERT_FALSE(relay);
  EXPECT_EQ(relay.error(), errc::smp_proxy);
  ASSERT_EQ(proxy_kind(why), ProxyErrorInfo::Kind::broker);
  EXPECT_EQ(why.proxy_error->broker.kind, BrokerErrorInfo::Kind::network);
}

// A proxy that answers with a key that is not the destination's (or offers no version we
// share) is refused by the client's own check, whatever the proxy says.
TEST_F(ClientProxyTest, TheClientChecksTheDestinationsKeyItself) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  protocol::cmd::Prxy prxy;
  const std::string host = "127.0.0.1", port = std::to_string(server_.port());
  prxy.server.hosts[0] = as_bytes(host);
  prxy.server.host_count = 1;
  prxy.server.port = as_bytes(port);
  prxy.server.key_hash = server_.key_hash();
  auto answer = sender->send_command(nullptr, {}, prxy);
  ASSERT_TRUE(answer) << answer.error().message();
  const auto* pkey = std::get_if<reply::ProxyKey>(&*answer);
  ASSERT_TRUE(pkey);
  ASSERT_TRUE(check_proxy_key(*pkey, server_.key_hash()));

  // Another key hash: the chain is not that server's.
  Bytes other = server_.key_hash();
  other[0] ^= 0x01;
  EXPECT_EQ(check_proxy_key(*pkey, other).error(), errc::handshake_identity);
  reply::ProxyKey tampered = *pkey;
  tampered.cert_chain_pub_key.pop_back();  // cut short
  EXPECT_EQ(check_proxy_key(tampered, server_.key_hash()).error(), errc::handshake_identity);
  reply::ProxyKey old = *pkey;
  old.versions = enc::VersionRange::of(1, 5);
  EXPECT_EQ(check_proxy_key(old, server_.key_hash()).error(), errc::handshake_version);
  old.versions = enc::VersionRange::of(6, 7);  // before PRXY existed
  EXPECT_EQ(check_proxy_key(old, server_.key_hash()).error(), errc::handshake_version);
}

TEST_F(ClientProxyTest, ADroppedRelayIsNoSession) {
  auto sender = connect_proxy();
  ASSERT_TRUE(sender);
  auto relay = sender->create_proxied_relay(address());
  ASSERT_TRUE(relay);
  ProxiedRelay gone = *relay;
  gone.session_id.assign(gone.session_id.size(), 0x5a);
  protocol::SmpError why;
  auto sent = sender->send_message_via_proxy(gone, nullptr, Bytes(protocol::kQueueIdBytes, 1),
                                             as_bytes("x"), false, &why);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error(), errc::smp_proxy);
  EXPECT_EQ(proxy_kind(why), ProxyErrorInfo::Kind::no_session);
}

TEST_F(ClientProxyTest, AServerWithoutTheProxyRoleRefusesAsBasicAuth) {
  auto sender = connect_current();  // to the destination, which is no proxy
  ASSERT_TRUE(sender);
  protocol::SmpError why;
  auto relay = sender->create_proxied_relay(address(), &why);
  ASSERT_FALSE(relay);
  EXPECT_EQ(relay.error(), errc::smp_proxy);
  EXPECT_EQ(proxy_kind(why), ProxyErrorInfo::Kind::basic_auth);
  EXPECT_EQ(describe_server_error(why), "PROXY BASIC_AUTH");
}

// The proxy's password comes from the proxy's address, as NEW's does.
TEST_F(ClientProxyTest, TheProxysPasswordComesFromItsAddress) {
  test::TestServer guarded([](server::ServerConfig& c) {
    proxy_role(c);
    c.new_queue_basic_auth = std::string("s3cret");
  });
  auto without = connect_to(address_of(guarded));
  ASSERT_TRUE(without);
  protocol::SmpError why;
  EXPECT_EQ(without->create_proxied_relay(address(), &why).error(), errc::smp_proxy);
  EXPECT_EQ(proxy_kind(why), ProxyErrorInfo::Kind::basic_auth);
  auto with = connect_to(address_of(guarded, "s3cret"));
  ASSERT_TRUE(with);
  EXPECT_TRUE(with->create_proxied_relay(address()));
}

TEST_F(ClientProxyTest, AnSmpV1ClientCannotUseAProxy) {
  auto v1 = BlockingSmpClient::connect(address_of(proxy_));
  ASSERT_TRUE(v1);
  EXPECT_EQ((*v1)->async_client().smp_version(), protocol::kSmpV1);
  EXPECT_EQ((*v1)->create_proxied_relay(address()).error(), errc::unsupported);
  ProxiedRelay relay{Bytes(32, 1), protocol::kProxiedVersions, protocol::kProxiedMaxVersion,
                     crypto::generate_key_pair(KeyAlgorithm::x25519).public_key};
  EXPECT_EQ((*v1)->send_message_via_proxy(relay, nullptr, Bytes(24, 1), as_bytes("x")).error(),
            errc::unsupported);
  EXPECT_TRUE((*v1)->ping());  // nothing was sent
}

// A destination capped below the proxy's range: the relay speaks what both allow.
TEST_F(ClientProxyTest, AVersionCappedDestination) {
  test::TestServer old12(
      [](server::ServerConfig& c) { c.current_versions = enc::VersionRange::of(6, 12); });
  auto recipient = connect_to(address_of(old12));
  auto sender = connect_proxy();
  ASSERT_TRUE(recipient && sender);
  auto q = recipient->create_queue();
  ASSERT_TRUE(q);
  auto relay = sender->create_proxied_relay(address_of(old12));
  ASSERT_TRUE(relay);
  EXPECT_EQ(relay->versions, enc::VersionRange::of(8, 10));
  EXPECT_EQ(relay->version, 10);
  ASSERT_TRUE(sender->send_message_via_proxy(*relay, nullptr, q->ids.sender_id,
                                             as_bytes("to v10")));
  EXPECT_EQ(receive_text(*recipient, *q), "to v10");
}

}  // namespace
}  // namespace smp::client
