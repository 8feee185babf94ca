#include "smp/agent/ratchet_state.h"

#include "smp/agent/e2e_params.h"
#include "smp/agent/ratchet_kdf.h"
#include "smp/common/try.h"

namespace smp::agent {
namespace {

bool same_secret(const SecretBytes& a, const SecretBytes& b) {
  return constant_time_equal(a.view(), b.view());
}

bool same_snd(const std::optional<SndRatchet>& a, const std::optional<SndRatchet>& b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return a->dh_rr == b->dh_rr && same_secret(a->ck_s, b->ck_s) && same_secret(a->hk_s, b->hk_s);
}

bool same_rcv(const std::optional<RcvRatchet>& a, const std::optional<RcvRatchet>& b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return same_secret(a->ck_r, b->ck_r) && same_secret(a->hk_r, b->hk_r);
}

}  // namespace

Ratchet Ratchet::clone() const {
  Ratchet copy{version, ad, dh_rs.clone(), rk.clone(),   std::nullopt, std::nullopt, ns,
               nr,      pn, nhk_s.clone(), nhk_r.clone()};
  if (snd) copy.snd = SndRatchet{snd->dh_rr, snd->ck_s.clone(), snd->hk_s.clone()};
  if (rcv) copy.rcv = RcvRatchet{rcv->ck_r.clone(), rcv->hk_r.clone()};
  return copy;
}

bool operator==(const Ratchet& a, const Ratchet& b) {
  return a.version == b.version && a.ad == b.ad && a.dh_rs.algorithm() == b.dh_rs.algorithm() &&
         constant_time_equal(a.dh_rs.raw(), b.dh_rs.raw()) && same_secret(a.rk, b.rk) &&
         same_snd(a.snd, b.snd) && same_rcv(a.rcv, b.rcv) && a.ns == b.ns && a.nr == b.nr &&
         a.pn == b.pn && same_secret(a.nhk_s, b.nhk_s) && same_secret(a.nhk_r, b.nhk_r);
}

Result<Ratchet> init_snd_ratchet(const crypto::PublicKey& peer_key, crypto::PrivateKey own_key,
                                 const RatchetInitParams& params) {
  SMP_TRY(RootKdfKeys keys, root_kdf(params.ratchet_key.view(), peer_key, own_key));
  return Ratchet{kE2eEncryptVRange,
                 params.assoc_data,
                 std::move(own_key),
                 std::move(keys.root_key),
                 SndRatchet{peer_key, std::move(keys.chain_key), params.snd_hk.clone()},
                 std::nullopt,
                 0,
                 0,
                 0,
                 std::move(keys.next_header_key),
                 params.rcv_next_hk.clone()};
}

Ratchet init_rcv_ratchet(crypto::PrivateKey own_key, const RatchetInitParams& params) {
  return Ratchet{kE2eEncryptVRange,
                 params.assoc_data,
                 std::move(own_key),
                 params.ratchet_key.clone(),
                 std::nullopt,
                 std::nullopt,
                 0,
                 0,
                 0,
                 params.rcv_next_hk.clone(),
                 params.snd_hk.clone()};
}

}  // namespace smp::agent
