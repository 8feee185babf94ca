// AgentPairTest: the fixture of the process-level agent tests — one smp-server installation
// (store log on, started) and two agent processes, Alice and Bob, using it, all in one
// temporary directory. Tests that need another layout build their own from the same parts.
// Not thread-safe.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "agent_flows.h"
#include "agent_peer.h"
#include "server_install.h"
#include "support/temp_dir.h"

namespace smp::test {

class AgentPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerInstall>(dir_.path() / "server");
    ASSERT_TRUE(server_->start());
    alice_ = std::make_unique<AgentPeer>(dir_.path(), "alice",
                                         std::vector<std::string>{server_->address()});
    bob_ = std::make_unique<AgentPeer>(dir_.path(), "bob",
                                       std::vector<std::string>{server_->address()});
    ASSERT_TRUE(alice_->connected() && bob_->connected());
  }

  AgentPeer& alice() { return *alice_; }
  AgentPeer& bob() { return *bob_; }
  InvitationFlow invitation() { return InvitationFlow{*alice_, *bob_}; }
  // After the invitation handshake: Alice's first message has S=2 (HELLO was 1), Bob's S=3
  // (HELLO and REPLY were 1 and 2).
  Direction alice_to_bob(const InvitationFlow& f) {
    return Direction{*alice_, f.alice_conn, *bob_, f.bob_conn, 1};
  }
  Direction bob_to_alice(const InvitationFlow& f) {
    return Direction{*bob_, f.bob_conn, *alice_, f.alice_conn, 2};
  }

  TempDir dir_;
  std::unique_ptr<ServerInstall> server_;
  std::unique_ptr<AgentPeer> alice_, bob_;
};

}  // namespace smp::test
