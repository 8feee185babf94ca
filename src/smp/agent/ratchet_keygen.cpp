#include "smp/agent/ratchet_keygen.h"

namespace smp::agent {

KeyGenerator random_key_generator(crypto::KeyAlgorithm alg) {
  return [alg] { return crypto::generate_key_pair(alg); };
}

}  // namespace smp::agent
