// Overloaded: a visitor built from lambdas, for std::visit over the protocol's variants.
//   std::visit(Overloaded{[](const A&) {...}, [](const B&) {...}}, v);
// Header-only, stateless; thread-safe.
#pragma once

namespace smp {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace smp
