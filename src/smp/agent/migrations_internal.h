// The SQL text of each agent migration, one file per migration (migrations_NNNN_*.cpp);
// migrations.cpp lists them in order. Immutable; thread-safe.
#pragma once

#include <string_view>

namespace smp::agent::detail {

std::string_view migration_0001_initial();
std::string_view migration_0002_body_keys();

}  // namespace smp::agent::detail
