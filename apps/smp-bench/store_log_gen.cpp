#include "store_log_gen.h"

#include <array>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "smp/server/store_log.h"

namespace smp::bench {
namespace {

using server::QueueId;

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  template <std::size_t N>
  std::array<std::uint8_t, N> bytes() {
    std::array<std::uint8_t, N> out{};
    fill(out.data(), N);
    return out;
  }
  // Any bytes of the right size are a valid public key encoding (the server does not check
  // the curve point), and formatting them gives the same DER and text length as a real key.
  crypto::PublicKey key(crypto::KeyAlgorithm alg) {
    std::array<std::uint8_t, crypto::kMaxPublicKeySize> raw{};
    fill(raw.data(), crypto::public_key_size(alg));
    return crypto::PublicKey::from_raw(alg, ByteView(raw.data(), crypto::public_key_size(alg)))
        .value();
  }
  bool percent(unsigned p) { return rng_() % 100 < p; }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

 private:
  void fill(std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; i += 8) {
      std::uint64_t w = rng_();
      for (std::size_t j = 0; j < 8 && i + j < n; ++j) p[i + j] = static_cast<std::uint8_t>(w >> (8 * j));
    }
  }
  std::mt19937_64 rng_;
};

struct Queue {
  QueueId rid;
  bool secured = false;
  bool deleted = false;
};

}  // namespace

Result<StoreLogGenResult> generate_store_log(const StoreLogGenOptions& o) {
  std::FILE* f = std::fopen(o.out.c_str(), "wb");
  if (f == nullptr) return make_error_code(errc::io_error);
  Generator g(o.seed);
  StoreLogGenResult r;
  std::vector<Queue> queues;
  queues.reserve(o.count);
  bool ok = true;
  auto put = [&](const server::StoreLogRecord& rec) {
    std::string line = server::format_store_log_record(rec);
    line += '\n';
    ok = ok && std::fwrite(line.data(), 1, line.size(), f) == line.size();
    r.bytes += line.size();
  };
  for (std::size_t i = 0; i < o.count && ok; ++i) {
    auto dh = g.bytes<server::DhSecret25519::kSize>();
    server::QueueRecord q{.recipient_id = g.bytes<server::kQueueIdSize>(),
                          .sender_id = g.bytes<server::kQueueIdSize>(),
                          .recipient_key = g.key(o.alg),
                          .recipient_dh_secret = server::DhSecret25519::from(dh).value()};
    queues.push_back(Queue{q.recipient_id});
    put(server::StoreLogCreate{std::move(q)});
    ++r.creates;
    // A sender secures a queue some time after it was made; a recipient deletes an old one.
    if (g.percent(o.secure_percent)) {
      Queue& s = queues[g.below(queues.size())];
      if (!s.secured && !s.deleted) {
        s.secured = true;
        put(server::StoreLogSecure{s.rid, g.key(o.alg)});
        ++r.secures;
      }
    }
    if (g.percent(o.delete_percent)) {
      Queue& d = queues[g.below(queues.size())];
      if (!d.deleted) {
        d.deleted = true;
        put(server::StoreLogDelete{d.rid});
        ++r.deletes;
      }
    }
  }
  if (std::fclose(f) != 0) ok = false;
  if (!ok) return make_error_code(errc::io_error);
  r.live_queues = r.creates - r.deletes;
  return r;
}

}  // namespace smp::bench
