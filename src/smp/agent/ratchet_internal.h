// Helpers shared by the ratchet's source files; not part of its interface. Not thread-safe.
#pragma once

#include "smp/common/bytes.h"
#include "smp/common/error.h"
#include "smp/common/try.h"
#include "smp/encoding/binary.h"

namespace smp::agent::detail {

// Moves a finished encoding of secrets into SecretBytes and wipes the writer's buffer. The
// writer should have reserved the final size, so that no reallocation left copies behind.
inline Result<SecretBytes> finish_secret(enc::Writer&& w) {
  SMP_TRY(Bytes bytes, std::move(w).finish());
  SecretBytes out{ByteView(bytes)};
  secure_wipe(bytes.data(), bytes.size());
  return out;
}

}  // namespace smp::agent::detail
