#pragma once
/// \file backend/cpu/parallel.hpp
/// How many threads a CPU kernel may use, and the loop that splits work among them (OpenMP when
/// the program is compiled with it, serial otherwise).

#include <algorithm>
#include <cstdint>

#include "mixprec/backend/vocabulary.hpp"

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace mixprec::cpu {

/// Execution settings of a kernel call (backend/vocabulary.hpp): threads to use (0 means all
/// that OpenMP offers, omp_get_max_threads; 1 runs serially; without OpenMP every kernel runs
/// serially) and the key of its stochastic roundings.
using mixprec::execution;

/// The number of threads a call with `e` uses.
inline int thread_count(execution e = {}) noexcept {
#if defined(_OPENMP)
  const int available = omp_get_max_threads();
  return e.threads <= 0 ? available : std::min(e.threads, available);
#else
  (void)e;
  return 1;
#endif
}

/// Calls `body(begin, end)` on disjoint chunks that cover [0, n), on up to `threads` threads.
/// `grain` is the smallest chunk worth a thread. `body` must not throw.
template <class Body>
void parallel_for(std::int64_t n, execution e, std::int64_t grain, Body&& body) {
  if (n <= 0) return;
  const std::int64_t max_chunks = std::max<std::int64_t>(1, n / std::max<std::int64_t>(1, grain));
  const int threads = static_cast<int>(std::min<std::int64_t>(thread_count(e), max_chunks));
  if (threads <= 1) {
    body(std::int64_t{0}, n);
    return;
  }
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t t = omp_get_thread_num();
    const std::int64_t nt = omp_get_num_threads();
    const std::int64_t begin = n * t / nt;
    const std::int64_t end = n * (t + 1) / nt;
    if (begin < end) body(begin, end);
  }
#endif
}

}  // namespace mixprec::cpu
