// Wire constants shared by the transport, the server and the client (spec §3, §4.7).
//
// One place for every fixed size and version number of SMP v1, as leveldb's log_format.h is
// for its log. Keep entries grouped and sorted by name within a group. Immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace smp::protocol {

// Transport (spec §3.4-§3.6).
inline constexpr std::size_t kBlockSize = 16384;                 // every block, padded
inline constexpr std::string_view kDefaultPort = "5223";         // TLS transport
inline constexpr std::size_t kKeyHashSize = 32;                  // SHA-256 of the CA cert DER
inline constexpr std::size_t kMaxBlockContent = kBlockSize - 2;  // pad() adds a u16 length
inline constexpr std::size_t kSessionIdSize = 12;                // TLS 1.2 Finished verify_data
inline constexpr std::size_t kWebSocketMessageMax = 65536;       // websockets message limit
inline constexpr std::string_view kWebSocketPort = "80";         // port that selects WebSockets

// SMP versions (supportedSMPVersions = 1-1).
inline constexpr std::uint16_t kSmpVersionMax = 1;
inline constexpr std::uint16_t kSmpVersionMin = 1;

static_assert(kMaxBlockContent == 16382);

}  // namespace smp::protocol
