// Binary Maybe, list and NonEmpty combinators over enc::Writer / enc::Reader (spec §1.1):
// Maybe is '0' | '1' ‖ value; a list is u8(count) ‖ items; a NonEmpty list refuses count 0
// (errc::bad_syntax). Item readers follow the Reader convention (read, then the caller checks
// r.ok()); an item reader may also return std::optional<T>, nullopt meaning "failed" (it must
// then have set an error on the reader). Header-only templates; not thread-safe.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "smp/encoding/binary.h"

namespace smp::enc {
namespace detail {

template <class T>
struct UnwrapOptional {
  using type = T;
};
template <class T>
struct UnwrapOptional<std::optional<T>> {
  using type = T;
};

template <class F>
using ItemType =
    typename UnwrapOptional<std::remove_cvref_t<std::invoke_result_t<F&, Reader&>>>::type;

// Reads one item; nullopt when the reader failed.
template <class F>
std::optional<ItemType<F>> read_item(Reader& r, F& read) {
  auto v = read(r);
  if (!r.ok()) return std::nullopt;
  if constexpr (std::is_same_v<std::remove_cvref_t<decltype(v)>, ItemType<F>>) {
    return std::optional<ItemType<F>>(std::move(v));
  } else {
    if (!v) r.fail(errc::bad_syntax);  // an item reader that forgot to set an error
    return v;
  }
}

}  // namespace detail

template <class T, class WriteItem>
void write_maybe(Writer& w, const std::optional<T>& value, WriteItem&& write) {
  w.maybe_tag(value.has_value());
  if (value) write(w, *value);
}

// nullopt for '0' (and on error: check r.ok()).
template <class ReadItem>
std::optional<detail::ItemType<ReadItem>> read_maybe(Reader& r, ReadItem&& read) {
  if (!r.maybe_tag()) return std::nullopt;
  return detail::read_item(r, read);
}

// u8(count) ‖ items; errc::value_too_large on the writer for more than 255 items.
template <class Range, class WriteItem>
void write_list(Writer& w, const Range& items, WriteItem&& write) {
  w.count(std::size(items));
  for (const auto& item : items) write(w, item);
}

// Empty vector on error (check r.ok()).
template <class ReadItem>
std::vector<detail::ItemType<ReadItem>> read_list(Reader& r, ReadItem&& read) {
  std::vector<detail::ItemType<ReadItem>> out;
  std::size_t n = r.u8();
  out.reserve(r.ok() ? n : 0);
  for (std::size_t i = 0; i < n && r.ok(); ++i) {
    auto item = detail::read_item(r, read);
    if (!item) break;
    out.push_back(std::move(*item));
  }
  if (!r.ok()) out.clear();
  return out;
}

// As read_list, but a count of 0 sets errc::bad_syntax (the reference's NonEmpty).
template <class ReadItem>
std::vector<detail::ItemType<ReadItem>> read_non_empty(Reader& r, ReadItem&& read) {
  auto out = read_list(r, std::forward<ReadItem>(read));
  if (r.ok() && out.empty()) r.fail(errc::bad_syntax);
  return out;
}

}  // namespace smp::enc
