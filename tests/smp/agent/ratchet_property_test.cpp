// Properties of the double ratchet over many seeded random runs: conversations with reordered
// and dropped messages, tampering, the skip limit, replays, and storage mid-conversation.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "smp/agent/ratchet.h"
#include "smp/agent/ratchet_codec.h"
#include "smp/agent/ratchet_test_util.h"

namespace smp::agent {
namespace {

using test::Peer;
using test::PeerPair;
using test::text_of;

constexpr int kSeeds = 12;
constexpr int kStepsPerRun = 160;

// prefix followed by n (written so, GCC 12 warns falsely about "m" + std::to_string(n)).
std::string label(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

std::string error_text(errc e) { return "error: " + std::string(errc_name(e)); }

struct InFlight {
  Bytes ciphertext;
  std::string plaintext;
};

// Stores and reloads a party's state and skipped keys, as the agent does between messages.
void reload(Peer& peer) {
  auto state = decode_ratchet(encode_ratchet(peer.state).value().view());
  auto skipped = decode_skipped_keys(encode_skipped_keys(peer.skipped).value().view());
  ASSERT_TRUE(state && skipped);
  ASSERT_TRUE(state.value() == peer.state);
  ASSERT_TRUE(same_skipped(skipped.value(), peer.skipped));
  peer.state = std::move(state).value();
  peer.skipped = std::move(skipped).value();
}

class RandomConversation {
 public:
  explicit RandomConversation(unsigned seed)
      : rng_(std::make_shared<std::mt19937>(seed)),
        peers_(test::make_peers(test::seeded_key_generator(rng_))) {}

  void run(int steps) {
    for (int i = 0; i < steps && !::testing::Test::HasFatalFailure(); ++i) {
      unsigned action = pick(100);
      if (action < 25) {
        send(peers_.bob, to_alice_, "b");
      } else if (action < 50) {
        if (peers_.alice.state.snd) send(peers_.alice, to_bob_, "a");
      } else if (action < 85) {
        deliver_one();
      } else if (action < 92) {
        drop_one();
      } else {
        reload(pick(2) == 0 ? peers_.alice : peers_.bob);
        ++counts_.reloads;
      }
    }
    while (!to_alice_.empty() || !to_bob_.empty()) deliver_one();
  }

  struct Counts {
    int delivered = 0;
    int dh_steps = 0;  // decryptions that made a DH ratchet step
    int skips = 0;     // decryptions that stored skipped keys
    int late = 0;      // decryptions with a stored skipped key
    int reloads = 0;   // states stored and loaded back
  };
  const Counts& counts() const { return counts_; }

 private:
  unsigned pick(unsigned n) { return static_cast<unsigned>((*rng_)() % n); }

  void send(Peer& from, std::vector<InFlight>& queue, const std::string& prefix) {
    unsigned burst = 1 + pick(4);
    for (unsigned i = 0; i < burst; ++i) {
      std::string text = label(prefix, sent_++);
      std::size_t padded = text.size() + 2 + pick(300);
      queue.push_back({from.encrypt(text, padded), text});
    }
  }

  std::vector<InFlight>& some_queue() {
    if (to_alice_.empty()) return to_bob_;
    if (to_bob_.empty()) return to_alice_;
    return pick(2) == 0 ? to_alice_ : to_bob_;
  }

  void deliver_one() {
    std::vector<InFlight>& queue = some_queue();
    if (queue.empty()) return;
    auto at = queue.begin() + pick(static_cast<unsigned>(queue.size()));
    InFlight m = std::move(*at);
    queue.erase(at);
    Peer& to = &queue == &to_alice_ ? peers_.alice : peers_.bob;
    auto r = rc_decrypt(to.state, to.skipped, m.ciphertext, to.keygen);
    ASSERT_TRUE(r) << r.error().message() << " for " << m.plaintext;
    EXPECT_EQ(text_of(r.value().plaintext), m.plaintext);
    if (!(r.value().state.dh_rs.public_key() == to.state.dh_rs.public_key())) ++counts_.dh_steps;
    if (std::holds_alternative<SkippedKeyRemoved>(r.value().skipped)) ++counts_.late;
    if (std::holds_alternative<SkippedKeysAdded>(r.value().skipped)) ++counts_.skips;
    to.state = std::move(r.value().state);
    apply_skipped_diff(to.skipped, r.value().skipped);
    ++counts_.delivered;
  }

  void drop_one() {
    std::vector<InFlight>& queue = some_queue();
    if (!queue.empty()) queue.erase(queue.begin() + pick(static_cast<unsigned>(queue.size())));
  }

  std::shared_ptr<std::mt19937> rng_;
  PeerPair peers_;
  std::vector<InFlight> to_alice_, to_bob_;
  int sent_ = 0;
  Counts counts_;
};

TEST(RatchetProperty, ReorderedAndDroppedMessagesDecryptAcrossStorage) {
  RandomConversation::Counts total;
  for (unsigned seed = 1; seed <= kSeeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomConversation c(seed);
    c.run(kStepsPerRun);
    if (HasFailure()) return;
    total.delivered += c.counts().delivered;
    total.dh_steps += c.counts().dh_steps;
    total.skips += c.counts().skips;
    total.late += c.counts().late;
    total.reloads += c.counts().reloads;
  }
  // The runs exercised every path they are meant to.
  EXPECT_GT(total.delivered, kSeeds * 40);
  EXPECT_GT(total.dh_steps, kSeeds * 4);
  EXPECT_GT(total.skips, kSeeds * 2);
  EXPECT_GT(total.late, kSeeds * 2);
  EXPECT_GT(total.reloads, kSeeds * 4);
}

TEST(RatchetProperty, X25519RatchetsTalkToo) {
  auto rng = std::make_shared<std::mt19937>(7);
  PeerPair p = test::make_peers(test::seeded_key_generator(rng, crypto::KeyAlgorithm::x25519));
  Bytes b1 = p.bob.encrypt("hello alice");
  EXPECT_EQ(text_of(p.alice.decrypt(b1)), "hello alice");
  Bytes a1 = p.alice.encrypt("hello bob");
  EXPECT_EQ(text_of(p.bob.decrypt(a1)), "hello bob");
  EXPECT_EQ(p.bob.encrypt("x").size(), kRatchetMessageOverhead + 256);
}

// Which error a flipped bit at each offset of a fresh message produces.
errc expected_tamper_error(std::size_t offset) {
  if (offset == 0) return errc::crypto_header;   // header length
  if (offset < 3) return errc::aes_decrypt;      // header version: body AD only
  if (offset < 35) return errc::ratchet_header;  // header IV and tag
  if (offset == 35) return errc::crypto_header;  // encrypted header length
  if (offset < 1 + kEncMessageHeaderLen) return errc::ratchet_header;  // encrypted header
  return errc::aes_decrypt;                                            // body tag and body
}

TEST(RatchetProperty, TamperedMessagesFailWithTheRightError) {
  std::mt19937 rng(99);
  auto keys = std::make_shared<std::mt19937>(5);
  PeerPair p = test::make_peers(test::seeded_key_generator(keys));
  // One message each way first, so that the tampered ones arrive in an established chain.
  EXPECT_EQ(text_of(p.alice.decrypt(p.bob.encrypt("b0"))), "b0");
  EXPECT_EQ(text_of(p.bob.decrypt(p.alice.encrypt("a0"))), "a0");
  for (int i = 0; i < 300; ++i) {
    Bytes msg = p.bob.encrypt("tamper me", 64);
    std::size_t offset = i < 140 ? static_cast<std::size_t>(i) : rng() % msg.size();
    msg.at(offset) = static_cast<std::uint8_t>(msg.at(offset) ^ (1u << (rng() % 8)));
    SCOPED_TRACE("offset " + std::to_string(offset));
    auto r = rc_decrypt(p.alice.state, p.alice.skipped, msg, test::seeded_key_generator(keys));
    errc expected = expected_tamper_error(offset);
    if (expected == errc::aes_decrypt) {
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_EQ(text_of(r.value().plaintext), error_text(errc::aes_decrypt));
      // The chain moved on: store it, as the agent does, so later messages need no skipping.
      p.alice.state = std::move(r.value().state);
      apply_skipped_diff(p.alice.skipped, r.value().skipped);
    } else {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error(), make_error_code(expected));
      // Nothing changed; the message is lost, so its key is skipped by the next one.
    }
  }
  EXPECT_EQ(text_of(p.alice.decrypt(p.bob.encrypt("intact"))), "intact");
}

TEST(RatchetProperty, AlteredAssociatedDataFailsTheHeader) {
  auto keys = std::make_shared<std::mt19937>(6);
  PeerPair p = test::make_peers(test::seeded_key_generator(keys));
  Bytes msg = p.bob.encrypt("hello");
  for (std::size_t i = 0; i < p.alice.state.ad.size(); i += 7) {
    Ratchet changed = p.alice.state.clone();
    changed.ad.at(i) = static_cast<std::uint8_t>(changed.ad.at(i) ^ 0x01);
    EXPECT_EQ(rc_decrypt(changed, p.alice.skipped, msg, p.alice.keygen).error(),
              make_error_code(errc::ratchet_header));
  }
  EXPECT_EQ(text_of(p.alice.decrypt(msg)), "hello");
}

TEST(RatchetProperty, SkippingUpToTheLimitWorksAndOneMoreIsTooMany) {
  auto keys = std::make_shared<std::mt19937>(8);
  PeerPair p = test::make_peers(test::seeded_key_generator(keys));
  std::vector<Bytes> msgs;
  for (int i = 0; i <= 514; ++i) msgs.push_back(p.bob.encrypt(label("m", i), 32));
  {
    // Message 513 would skip 0..512: one more than kMaxSkip. The DH step happened, so the
    // error comes with the advanced state, as in the reference.
    auto r = rc_decrypt(p.alice.state, p.alice.skipped, msgs[513], p.alice.keygen);
    ASSERT_TRUE(r);
    EXPECT_EQ(text_of(r.value().plaintext), error_text(errc::ratchet_too_many_skipped));
    EXPECT_TRUE(r.value().state.rcv.has_value());
    EXPECT_EQ(r.value().state.nr, 0u);
  }
  // Message 512 skips exactly kMaxSkip keys.
  EXPECT_EQ(text_of(p.alice.decrypt(msgs[512])), "m512");
  EXPECT_EQ(count_skipped(p.alice.skipped), 512u);
  EXPECT_EQ(text_of(p.alice.decrypt(msgs[0])), "m0");
  EXPECT_EQ(text_of(p.alice.decrypt(msgs[511])), "m511");
  EXPECT_EQ(count_skipped(p.alice.skipped), 510u);
  EXPECT_EQ(text_of(p.alice.decrypt(msgs[514])), "m514");
}

TEST(RatchetProperty, TooManySkippedInThePreviousChainIsAnOuterError) {
  auto keys = std::make_shared<std::mt19937>(9);
  PeerPair p = test::make_peers(test::seeded_key_generator(keys));
  EXPECT_EQ(text_of(p.alice.decrypt(p.bob.encrypt("first"))), "first");
  for (int i = 0; i < 600; ++i) p.bob.encrypt("lost", 32);  // never delivered
  EXPECT_EQ(text_of(p.bob.decrypt(p.alice.encrypt("reply"))), "reply");
  Bytes next_chain = p.bob.encrypt("new chain");  // PN = 601
  Ratchet before = p.alice.state.clone();
  EXPECT_EQ(p.alice.decrypt(next_chain).error(), make_error_code(errc::ratchet_too_many_skipped));
  EXPECT_TRUE(p.alice.state == before);
}

TEST(RatchetProperty, ReplaysAreDetected) {
  auto keys = std::make_shared<std::mt19937>(10);
  PeerPair p = test::make_peers(test::seeded_key_generator(keys));
  Bytes b1 = p.bob.encrypt("b1");
  Bytes b2 = p.bob.encrypt("b2");
  Bytes b3 = p.bob.encrypt("b3");
  EXPECT_EQ(text_of(p.alice.decrypt(b1)), "b1");
  EXPECT_EQ(text_of(p.alice.decrypt(b3)), "b3");
  // Replay within the current chain: a duplicate, returned with the (unchanged) state.
  Ratchet before = p.alice.state.clone();
  EXPECT_EQ(text_of(p.alice.decrypt(b1)), error_text(errc::ratchet_duplicate));
  EXPECT_EQ(text_of(p.alice.decrypt(b3)), error_text(errc::ratchet_duplicate));
  EXPECT_TRUE(p.alice.state == before);
  // A late message decrypts once with its skipped key; a replay of it is a duplicate of the
  // chain (its header key is still the current one).
  EXPECT_EQ(text_of(p.alice.decrypt(b2)), "b2");
  EXPECT_TRUE(p.alice.skipped.empty());
  EXPECT_EQ(text_of(p.alice.decrypt(b2)), error_text(errc::ratchet_duplicate));
  // After both sides stepped twice, the old chain's header key is gone: header error.
  EXPECT_EQ(text_of(p.bob.decrypt(p.alice.encrypt("a1"))), "a1");
  EXPECT_EQ(text_of(p.alice.decrypt(p.bob.encrypt("b4"))), "b4");
  EXPECT_EQ(p.alice.decrypt(b1).error(), make_error_code(errc::ratchet_header));
}

// As in the reference, a stored key is removed even when the late message's body fails; the
// genuine message then finds no key and is a duplicate in its chain.
TEST(RatchetProperty, LateMessageWithAlteredBodyUsesUpItsSkippedKey) {
  auto keys = std::make_shared<std::mt19937>(12);
  PeerPair p = test::make_peers(test::seeded_key_generator(keys));
  Bytes b1 = p.bob.encrypt("b1");
  Bytes b2 = p.bob.encrypt("b2");
  EXPECT_EQ(text_of(p.alice.decrypt(b2)), "b2");
  ASSERT_EQ(count_skipped(p.alice.skipped), 1u);
  Bytes altered = b1;
  altered.back() = static_cast<std::uint8_t>(altered.back() ^ 1);
  auto r = rc_decrypt(p.alice.state, p.alice.skipped, altered, p.alice.keygen);
  ASSERT_TRUE(r);
  EXPECT_EQ(text_of(r.value().plaintext), error_text(errc::aes_decrypt));
  const auto* removed = std::get_if<SkippedKeyRemoved>(&r.value().skipped);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->msg_n, 0u);
  EXPECT_TRUE(r.value().state == p.alice.state);
  apply_skipped_diff(p.alice.skipped, r.value().skipped);
  EXPECT_TRUE(p.alice.skipped.empty());
  EXPECT_EQ(text_of(p.alice.decrypt(b1)), error_text(errc::ratchet_duplicate));
}

// The reference's testSkippedAfterRatchetAdvance, message for message.
TEST(RatchetProperty, SkippedMessagesAfterRatchetAdvance) {
  auto keys = std::make_shared<std::mt19937>(11);
  PeerPair p = test::make_peers(test::seeded_key_generator(keys));
  Peer& alice = p.alice;
  Peer& bob = p.bob;
  auto pass = [](Peer& from, Peer& to, const std::string& text) {
    EXPECT_EQ(text_of(to.decrypt(from.encrypt(text))), text);
  };
  pass(bob, alice, "b1");
  Bytes b2 = bob.encrypt("b2"), b3 = bob.encrypt("b3"), b4 = bob.encrypt("b4");
  pass(alice, bob, "a5");
  Bytes b5 = bob.encrypt("b5"), b6 = bob.encrypt("b6");
  pass(bob, alice, "b7");
  Bytes b8 = bob.encrypt("b8"), b9 = bob.encrypt("b9");
  pass(alice, bob, "a10");
  Bytes b11 = bob.encrypt("b11"), b12 = bob.encrypt("b12");
  pass(alice, bob, "a14");
  EXPECT_EQ(text_of(alice.decrypt(b12)), "b12");
  EXPECT_EQ(text_of(alice.decrypt(b2)), "b2");
  EXPECT_EQ(alice.decrypt(b2).error(), make_error_code(errc::ratchet_header));
  pass(alice, bob, "a15");
  Bytes a16 = bob.encrypt("a16"), a17 = bob.encrypt("a17");
  EXPECT_EQ(text_of(alice.decrypt(b8)), "b8");
  EXPECT_EQ(text_of(alice.decrypt(b3)), "b3");
  EXPECT_EQ(text_of(alice.decrypt(b4)), "b4");
  EXPECT_EQ(text_of(alice.decrypt(b5)), "b5");
  EXPECT_EQ(text_of(alice.decrypt(b6)), "b6");
  pass(alice, bob, "a18");
  EXPECT_EQ(text_of(alice.decrypt(a16)), "a16");
  EXPECT_EQ(text_of(alice.decrypt(a17)), "a17");
  EXPECT_EQ(text_of(alice.decrypt(b9)), "b9");
  EXPECT_EQ(text_of(alice.decrypt(b11)), "b11");
  EXPECT_TRUE(alice.skipped.empty() || count_skipped(alice.skipped) == 0);
}

}  // namespace
}  // namespace smp::agent
