#pragma once
/// \file backend/reference/backend.hpp
/// `reference_backend`: a backend (backend/backend.hpp) of host tensors that runs every op
/// through its reference loop, the loop that defines the op's numbers (docs/policies.md), and
/// never a fast path. A model run on a tape with this backend gives the numbers the precision
/// policy defines; the same model on `cpu_backend` must give the same bits wherever the fast
/// paths are defined to equal the reference, and stay within their documented bounds where a
/// fast path reorders a sum (docs/policies.md, "Fast paths"). It is the oracle for checking a
/// model's fast path end to end:
///
///     mixprec::tape<Policy, mixprec::reference_backend> ref;   // reference loops only
///     mixprec::tape<Policy> fast;                              // cpu_backend
///
/// It is slow (one thread, scalar loops); use it on small models.

#include "mixprec/backend/backend.hpp"
#include "mixprec/backend/cpu/backend.hpp"

namespace mixprec {

/// The reference loops of the CPU kernels, as a backend of cpu_device tensors.
struct reference_backend : detail::cpu_kernels<true> {};

static_assert(backend<reference_backend>);

}  // namespace mixprec
