#include "smp/transport/block_transport.h"

#include <algorithm>

#include "smp/encoding/padding.h"
#include "smp/transport/block_encryption.h"

namespace smp::transport {

namespace {

const SessionParams& v1_params() {
  static const SessionParams params = [] {
    SessionParams p;
    p.version = protocol::kSmpVersionMax;
    p.server_versions = enc::VersionRange::single(protocol::kSmpVersionMax);
    return p;
  }();
  return params;
}

}  // namespace

struct BlockTransport::Current {
  SessionParams params;
  std::optional<BlockEncryption> encryption;
};

BlockTransport::BlockTransport() = default;
BlockTransport::~BlockTransport() = default;

net::awaitable<Result<Bytes>> BlockTransport::read_block() {
  auto block = co_await read_block_view();
  if (!block) co_return block.error();
  co_return to_bytes(*block);
}

std::span<std::uint8_t> BlockTransport::write_buffer() {
  if (fallback_write_buffer_.empty()) fallback_write_buffer_.resize(protocol::kBlockSize);
  return std::span<std::uint8_t>(fallback_write_buffer_).first(max_block_content() + 2);
}

net::awaitable<Result<void>> BlockTransport::write_prepared_block() {
  auto content = enc::unpad(write_buffer());
  if (!content) co_return make_error_code(errc::transport_large_msg);
  co_return co_await write_block(*content);
}

const SessionParams& BlockTransport::params() const {
  return current_ ? current_->params : v1_params();
}

std::size_t BlockTransport::max_block_content() const {
  return current_ && current_->encryption ? protocol::kMaxEncryptedBlockContent
                                          : protocol::kMaxBlockContent;
}

void BlockTransport::set_session(SessionParams params, std::optional<BlockEncryption> encryption) {
  smp_version_ = params.version;
  current_ = std::make_unique<Current>(Current{std::move(params), std::move(encryption)});
}

void BlockTransport::set_session_id(ByteView id) {
  session_id_size_ = static_cast<std::uint8_t>(std::min(id.size(), session_id_.size()));
  std::copy_n(id.begin(), session_id_size_, session_id_.begin());
}

BlockEncryption* BlockTransport::block_encryption() {
  return current_ && current_->encryption ? &*current_->encryption : nullptr;
}

}  // namespace smp::transport
