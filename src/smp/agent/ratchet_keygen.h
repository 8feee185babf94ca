// The source of fresh DH key pairs for X3DH parameters and for the double ratchet's DH steps.
// The ratchet takes it as a dependency so that tests can inject recorded keys and reproduce a
// reference transcript byte for byte. A KeyGenerator must return a pair of the algorithm the
// ratchet runs on (X448 in the agent). random_key_generator() is thread-safe; a generator
// written by a caller is called from the thread that runs the ratchet operation.
#pragma once

#include <functional>

#include "smp/crypto/keys.h"

namespace smp::agent {

using KeyGenerator = std::function<crypto::KeyPair()>;

// Fresh key pairs of `alg` from the CSPRNG.
KeyGenerator random_key_generator(crypto::KeyAlgorithm alg = crypto::KeyAlgorithm::x448);

}  // namespace smp::agent
