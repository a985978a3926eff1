#pragma once
/// \file policy/precision.hpp
/// `precision<Storage, Compute, Accumulate, Output>`: the types one op works in.

#include <type_traits>

#include "mixprec/format/traits.hpp"

namespace mixprec {

/// The types one op works in.
///
/// \tparam Storage    the type operands and results have in memory
/// \tparam Compute    the type arithmetic is carried out in: every product, quotient and
///                    function value is rounded to it (bf16 inputs with float compute give exact
///                    products, as tensor cores do)
/// \tparam Accumulate the type running sums are kept in: every partial sum is rounded to it
/// \tparam Output     the type results are written in; the storage type unless an op reads
///                    narrow operands but writes wider results (an FP8 matmul writing bf16, as
///                    FP8 tensor cores and Transformer Engine do)
template <scalar_type Storage, scalar_type Compute = Storage, scalar_type Accumulate = Compute,
          scalar_type Output = Storage>
struct precision {
  using storage = Storage;
  using compute = Compute;
  using accumulate = Accumulate;
  using output = Output;
};

namespace detail {
template <class T>
struct is_precision : std::false_type {};
template <class S, class C, class A, class O>
struct is_precision<precision<S, C, A, O>> : std::true_type {};
}  // namespace detail

/// True for every specialisation of `precision`.
template <class T>
inline constexpr bool is_precision_v = detail::is_precision<T>::value;

/// A precision<S, C, A, O>.
template <class T>
concept precision_type = is_precision_v<T>;

}  // namespace mixprec
