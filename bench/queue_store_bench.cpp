// QueueStore: memory per queue at 1M queues, and lookup throughput.
//
// bytes_per_queue is the heap growth (mallinfo2: arena + mmapped bytes in use) over the
// inserts divided by the queue count; rss_bytes_per_queue is the same from /proc/self/statm.
// Queues carry Ed448 recipient and sender keys, as the reference v1 agent makes them, and
// the fields a 6.5.5 queue has in its slot (queue mode, updated_at). The second argument is
// the percentage of queues with a notifier (NKEY: id, key, DH secret), which live beside
// the slot.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include "smp/server/queue_store.h"

namespace smp::server {
namespace {

std::size_t heap_bytes() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

class QueueMaker {
 public:
  explicit QueueMaker(std::uint64_t seed) : rng_(seed) {}

  QueueRecord next(bool with_notifier = false) {
    QueueRecord q{.recipient_id = id(),
                  .sender_id = id(),
                  .recipient_key = key(),
                  .recipient_dh_secret = *DhSecret25519::from(bytes(DhSecret25519::kSize)),
                  .sender_key = key(),
                  .mode = QueueMode::messaging,
                  .updated_at = 1'733'356'800};
    if (with_notifier) {
      q.notifier = NotifierCredentials{id(), key(), DhSecret25519::from(bytes(DhSecret25519::kSize))};
    }
    return q;
  }

 private:
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng_());
    return b;
  }
  QueueId id() { return *queue_id_from(bytes(kQueueIdSize)); }
  crypto::PublicKey key() {
    return crypto::PublicKey::from_raw(crypto::KeyAlgorithm::ed448, bytes(57)).value();
  }

  std::mt19937_64 rng_;
};

void BM_QueueStoreMemory(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto notifier_percent = static_cast<std::size_t>(state.range(1));
  for (auto _ : state) {
    state.PauseTiming();
    QueueMaker maker(42);
    std::size_t heap_before = heap_bytes(), rss_before = rss_bytes();
    auto store = std::make_unique<QueueStore>();
    state.ResumeTiming();
    for (std::size_t i = 0; i < n; ++i) {
      if (!store->add(maker.next(i % 100 < notifier_percent))) state.SkipWithError("add failed");
    }
    state.PauseTiming();
    state.counters["bytes_per_queue"] =
        static_cast<double>(heap_bytes() - heap_before) / static_cast<double>(n);
    state.counters["rss_bytes_per_queue"] =
        static_cast<double>(rss_bytes() - rss_before) / static_cast<double>(n);
    state.counters["queues"] = static_cast<double>(store->size());
    store.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_QueueStoreMemory)
    ->ArgNames({"queues", "notifier_percent"})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 100})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

void BM_QueueStoreLookup(benchmark::State& state) {
  constexpr std::size_t kQueues = 100'000;
  QueueStore store;
  QueueMaker maker(7);
  std::vector<QueueId> rids, sids;
  for (std::size_t i = 0; i < kQueues; ++i) {
    QueueRecord q = maker.next();
    rids.push_back(q.recipient_id);
    sids.push_back(q.sender_id);
    (void)store.add(q);
  }
  std::size_t i = 0;
  const bool by_sender = state.range(0) != 0;
  for (auto _ : state) {
    auto q = by_sender ? store.by_sender(sids[i]) : store.by_recipient(rids[i]);
    benchmark::DoNotOptimize(q);
    if (++i == kQueues) i = 0;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_QueueStoreLookup)->ArgName("by_sender")->Arg(0)->Arg(1)->ThreadRange(1, 2);

}  // namespace
}  // namespace smp::server
