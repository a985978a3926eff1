#pragma once
/// \file backend/cpu/gather.hpp
/// Embedding lookup (a gather of table rows) and its backward pass (a scatter-add of gradient
/// rows).
///
///  - embedding: out[i][k] = round_to<Out>(table[idx[i]][k]) for i < n, k < dim; table is
///    vocab x dim, out is n x dim, both row-major. No arithmetic: an exact copy when Out holds
///    the values of the table's type.
///  - embedding_backward, for `precision<S, C, A>`: dtable[idx[i]] += dout[i], accumulated in A.
///    It adds into dtable as given (zero it first for a plain gradient; a tape that sums the
///    gradients of several uses passes the running gradient). For every row v that some index
///    names, and every k: acc = round_to<A>(dtable[v][k]); then for i = 0, 1, ..., n - 1 with
///    idx[i] = v, acc = accumulate<A>(acc, round_to<C>(dout[i][k])); finally
///    dtable[v][k] = round_to<T>(acc), rounded once. Rows no index names are not touched.
///
/// The fast entry points give the reference's bits whatever the thread count: `embedding` splits
/// the indices over OpenMP threads; `embedding_backward` (where C and A are IEEE binary32) groups
/// the positions by row, keeping their order (a counting sort), and gives each named row to one
/// thread, which adds its rows of dout in index order in float. For any other precision it calls
/// the reference.
///
/// Stochastic rounding: site s draws from `e.key.derive(s)`. embedding: 0 out[i][k], index
/// i * dim + k (only where Out does not hold every value of T: an exact copy needs no key).
/// embedding_backward: 0 dtable[v][k] (index v * dim + k); 1 the running sum of (v, k), whose
/// term from position i has index (v * dim + k) * n + i; 2 dtable[v][k] read into A
/// (v * dim + k); 3 dout[i][k] read into C (i * dim + k). A stochastic type without `e.has_key`
/// throws mixprec::error before anything is written.
///
/// An index outside [0, vocab) throws `mixprec::error` naming the op, the position and the index,
/// before anything is written; so do negative sizes and null pointers. out (dtable) must not
/// overlap table (dout).

#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "mixprec/backend/cpu/kernel_support.hpp"
#include "mixprec/backend/cpu/parallel.hpp"
#include "mixprec/backend/numeric.hpp"
#include "mixprec/policy/precision.hpp"

namespace mixprec::cpu {

namespace detail {

/// Checks the sizes, the pointers and every index of a gather or scatter of n rows of dim values
/// from (into) a table of vocab rows. `rows_name` names the n x dim array.
inline void check_embedding(const char* op, std::int64_t n, const std::int64_t* idx,
                            std::int64_t vocab, std::int64_t dim, const char* table_name,
                            const void* table, const char* rows_name, const void* rows) {
  check_size(op, "n", n);
  check_size(op, "vocab", vocab);
  check_size(op, "dim", dim);
  check_pointer(op, "idx", idx, n);
  check_pointer(op, table_name, table, checked_product(op, vocab, dim));
  check_pointer(op, rows_name, rows, checked_product(op, n, dim));
  for (std::int64_t i = 0; i < n; ++i) {
    if (idx[i] < 0 || idx[i] >= vocab) {
      mixprec::detail::throw_error(op, "index " + std::to_string(idx[i]) + " at position " +
                                           std::to_string(i) + " is outside [0, " +
                                           std::to_string(vocab) + ")");
    }
  }
}

}  // namespace detail

/// Reference embedding lookup: out[i][:] = round_to<Out>(table[idx[i]][:]).
template <scalar_type T, scalar_type Out>
void embedding_reference(std::int64_t n, const std::int64_t* idx, std::int64_t vocab,
                         std::int64_t dim, const T* table, Out* out, execution e = {}) {
  if constexpr (!converts_exactly_v<T, Out>) detail::require_key_for<Out>("cpu::embedding", e);
  detail::check_embedding("cpu::embedding", n, idx, vocab, dim, "table", table, "out", out);
  const stochastic_key key = e.key.derive(0);
  for (std::int64_t i = 0; i < n; ++i) {
    const T* row = table + idx[i] * dim;
    for (std::int64_t k = 0; k < dim; ++k) {
      out[i * dim + k] = round_to<Out>(row[k], key, detail::ix(i * dim + k));
    }
  }
}

/// Fast embedding lookup: the reference's bits, the indices split over `exec.threads` threads.
template <scalar_type T, scalar_type Out>
void embedding(std::int64_t n, const std::int64_t* idx, std::int64_t vocab, std::int64_t dim,
               const T* table, Out* out, execution exec = {}) {
  if constexpr (rounds_stochastically_v<Out> && !converts_exactly_v<T, Out>) {
    embedding_reference(n, idx, vocab, dim, table, out, exec);
  } else {
    detail::check_embedding("cpu::embedding", n, idx, vocab, dim, "table", table, "out", out);
    if (dim == 0) return;
    const stochastic_key key = exec.key.derive(0);
    parallel_for(n, exec, detail::row_grain(dim), [&](std::int64_t i0, std::int64_t i1) {
      for (std::int64_t i = i0; i < i1; ++i) {
        const T* row = table + idx[i] * dim;
        Out* dst = out + i * dim;
        if constexpr (std::is_same_v<T, Out>) {
          std::copy(row, row + dim, dst);
        } else if constexpr (rounds_stochastically_v<Out>) {
          // Exact (T converts exactly into Out); keyed as the reference all the same.
          for (std::int64_t k = 0; k < dim; ++k) {
            dst[k] = round_to<Out>(row[k], key, detail::ix(i * dim + k));
          }
        } else {
          for (std::int64_t k = 0; k < dim; ++k) dst[k] = round_to<Out>(row[k]);
        }
      }
    });
  }
}

/// Reference embedding backward: adds the rows of dout (n x dim) into the rows idx names of
/// dtable (vocab x dim), accumulated in A in index order, by the rules above.
template <precision_type P, scalar_type G, scalar_type T>
void embedding_backward_reference(std::int64_t n, const std::int64_t* idx, std::int64_t vocab,
                                  std::int64_t dim, const G* dout, T* dtable, execution e = {}) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  using detail::ix;
  detail::require_key<P, T>("cpu::embedding_backward", e);
  const auto keys = detail::site_keys<4>(e);
  detail::check_embedding("cpu::embedding_backward", n, idx, vocab, dim, "dtable", dtable, "dout",
                          dout);
  if (n == 0 || dim == 0) return;
  // The accumulators of the named rows, in the order the rows are first named.
  std::vector<std::int64_t> slot(static_cast<std::size_t>(vocab), -1);
  std::vector<std::int64_t> named;
  std::vector<A> acc;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t v = idx[i];
    std::int64_t& s = slot[static_cast<std::size_t>(v)];
    if (s < 0) {
      s = static_cast<std::int64_t>(named.size());
      named.push_back(v);
      for (std::int64_t k = 0; k < dim; ++k) {
        acc.push_back(round_to<A>(dtable[v * dim + k], keys[2], ix(v * dim + k)));
      }
    }
    A* a = acc.data() + s * dim;
    for (std::int64_t k = 0; k < dim; ++k) {
      const C term = round_to<C>(dout[i * dim + k], keys[3], ix(i * dim + k));
      a[k] = accumulate<A>(a[k], term, keys[1], ix((v * dim + k) * n + i));
    }
  }
  for (std::size_t s = 0; s < named.size(); ++s) {
    const A* a = acc.data() + static_cast<std::int64_t>(s) * dim;
    T* row = dtable + named[s] * dim;
    for (std::int64_t k = 0; k < dim; ++k) {
      row[k] = round_to<T>(a[k], keys[0], ix(named[s] * dim + k));
    }
  }
}

/// Fast embedding backward: the reference's bits, each named row on one of `exec.threads`
/// threads.
template <precision_type P, scalar_type G, scalar_type T>
void embedding_backward(std::int64_t n, const std::int64_t* idx, std::int64_t vocab,
                        std::int64_t dim, const G* dout, T* dtable, execution exec = {}) {
  if constexpr (!detail::float_fast_path_v<P, T>) {
    embedding_backward_reference<P>(n, idx, vocab, dim, dout, dtable, exec);
  } else {
    detail::check_embedding("cpu::embedding_backward", n, idx, vocab, dim, "dtable", dtable, "dout",
                            dout);
    if (n == 0 || dim == 0) return;
    // Counting sort of the positions by row, stable: start[v] .. start[v + 1] holds, in index
    // order, the positions that name row v.
    std::vector<std::int64_t> start(static_cast<std::size_t>(vocab) + 1, 0);
    for (std::int64_t i = 0; i < n; ++i) ++start[static_cast<std::size_t>(idx[i]) + 1];
    std::vector<std::int64_t> named;
    for (std::int64_t v = 0; v < vocab; ++v) {
      if (start[static_cast<std::size_t>(v) + 1] != 0) named.push_back(v);
      start[static_cast<std::size_t>(v) + 1] += start[static_cast<std::size_t>(v)];
    }
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    {
      std::vector<std::int64_t> next(start.begin(), start.end() - 1);
      for (std::int64_t i = 0; i < n; ++i) {
        order[static_cast<std::size_t>(next[static_cast<std::size_t>(idx[i])]++)] = i;
      }
    }
    const auto rows = static_cast<std::int64_t>(named.size());
    detail::for_row_chunks(rows, 2 * dim, exec, detail::row_grain(dim, 4096),
                           [&](float* scratch, std::int64_t r0, std::int64_t r1) {
                             float* const acc = scratch;
                             float* const buf = scratch + dim;
                             for (std::int64_t r = r0; r < r1; ++r) {
                               const std::int64_t v = named[static_cast<std::size_t>(r)];
                               detail::load_float(dtable + v * dim, dim, acc);
                               const std::int64_t p0 = start[static_cast<std::size_t>(v)];
                               const std::int64_t p1 = start[static_cast<std::size_t>(v) + 1];
                               for (std::int64_t p = p0; p < p1; ++p) {
                                 const std::int64_t i = order[static_cast<std::size_t>(p)];
                                 detail::load_float(dout + i * dim, dim, buf);
                                 for (std::int64_t k = 0; k < dim; ++k) acc[k] += buf[k];
                               }
                               detail::store_float(acc, dim, dtable + v * dim);
                             }
                           });
  }
}

}  // namespace mixprec::cpu
