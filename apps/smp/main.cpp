// smp: command-line SMP client. For now: version and a self-check of the crypto backend.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "smp/crypto/hash.h"
#include "smp/encoding/padding.h"

int main(int argc, char** argv) {
  CLI::App app{"smp - SimpleX Messaging Protocol client"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", "smp (simplexmq-cpp) 0.1.0");
  auto* selfcheck = app.add_subcommand("selfcheck", "check the crypto backend and codecs");
  CLI11_PARSE(app, argc, argv);

  if (selfcheck->parsed()) {
    smp::crypto::ensure_initialized();
    auto digest = smp::crypto::sha256(smp::as_bytes("abc"));
    bool sha_ok = smp::to_hex(digest) ==
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    auto padded = smp::enc::pad(smp::as_bytes("hello"), 16384);
    bool pad_ok = padded && padded->size() == 16384;
    std::printf("sha256: %s\npadding: %s\n", sha_ok ? "ok" : "FAILED", pad_ok ? "ok" : "FAILED");
    return sha_ok && pad_ok ? 0 : 1;
  }
  return 0;
}
