// SMP_TRY: propagate the error of a Result<T> expression, else bind its value.
//
//   SMP_TRY(auto key, decode_public_key(der));   // returns key.error() on failure
//
// The only control-flow macro in the project; immutable, header-only.
#pragma once

#include <utility>

#define SMP_CONCAT_INNER(a, b) a##b
#define SMP_CONCAT(a, b) SMP_CONCAT_INNER(a, b)

#define SMP_TRY(decl, expr)                                  \
  auto&& SMP_CONCAT(smp_try_r_, __LINE__) = (expr);          \
  if (!SMP_CONCAT(smp_try_r_, __LINE__))                     \
    return SMP_CONCAT(smp_try_r_, __LINE__).error();         \
  decl = std::move(*SMP_CONCAT(smp_try_r_, __LINE__))

// For Result<void> expressions.
#define SMP_TRY_VOID(expr)                                   \
  do {                                                       \
    auto&& smp_try_v_ = (expr);                              \
    if (!smp_try_v_) return smp_try_v_.error();              \
  } while (0)
