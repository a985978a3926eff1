// Tests of the backward kernels and their companions: backend/cpu/backward.hpp,
// backend/cpu/transpose.hpp, backend/cpu/gather.hpp and backend/cpu/dropout.hpp (one executable,
// one test suite per header).
//
// Each reference kernel is checked against the independent model of kernel_model.hpp (the
// formulas in double, every step rounded explicitly into C or A by the test's own rounding), for
// five precision triples and shapes with sizes 1 and odd sizes; each derivative formula is checked
// in double against central differences of the forward kernel in double; each fast path against
// its reference bit for bit, on one thread and on several; bad arguments throw and write nothing.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <mixprec/backend/cpu/backward.hpp>
#include <mixprec/backend/cpu/dropout.hpp>
#include <mixprec/backend/cpu/gather.hpp>
#include <mixprec/backend/cpu/loss.hpp>
#include <mixprec/backend/cpu/norm.hpp>
#include <mixprec/backend/cpu/softmax.hpp>
#include <mixprec/backend/cpu/transpose.hpp>
#include <mixprec/mixprec.hpp>
#include <string>
#include <vector>

#include "backend/kernel_model.hpp"

namespace {

using namespace kernel_model;
namespace cpu = mixprec::cpu;
namespace ops = mixprec::ops;

using p_f64 = mixprec::precision<double, double, double>;

#define BACKWARD_PRECISIONS                                                   \
  kernel_model::p_fp32, kernel_model::p_bf16_fp32, kernel_model::p_fp16_fp32, \
      kernel_model::p_bf16, kernel_model::p_fp16

std::size_t sz(std::int64_t n) { return static_cast<std::size_t>(n); }

/// Every got[i] holds want[i] (value and sign; NaN matches NaN).
template <class T>
void expect_values(const std::string& label, const std::vector<double>& want,
                   const std::vector<T>& got) {
  REQUIRE(want.size() == got.size());
  mismatches bad;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!same(want[i], val(got[i]))) {
      bad.add("[" + std::to_string(i) + "]: want " + num(want[i]) + ", got " + num(val(got[i])));
    }
  }
  bad.check(label);
}

/// a and b hold the same values (value and sign; NaN matches NaN).
template <class T>
void expect_same(const std::string& label, const std::vector<T>& a, const std::vector<T>& b) {
  expect_values(label, values(a), b);
}

/// Central difference of f at x[k], step h scaled to x[k].
inline double central(const std::function<double(const std::vector<double>&)>& f,
                      std::vector<double> x, std::size_t k) {
  const double h = 1e-5 * std::max(1.0, std::fabs(x[k]));
  const double x0 = x[k];
  x[k] = x0 + h;
  const double up = f(x);
  x[k] = x0 - h;
  const double down = f(x);
  return (up - down) / (2 * h);
}

/// |got - want| <= tol (1 + |want|) for every element.
inline void expect_close(const std::string& label, const std::vector<double>& want,
                         const std::vector<double>& got, double tol = 1e-7) {
  REQUIRE(want.size() == got.size());
  mismatches bad;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= tol * (1 + std::fabs(want[i])))) {
      bad.add("[" + std::to_string(i) + "]: numerical " + num(want[i]) + ", kernel " + num(got[i]));
    }
  }
  bad.check(label);
}

/// A rounded product, kept from being contracted into the addition that consumes it: with FMA
/// instructions GCC may narrow rnd<float>(a * b) of float values to a float product and fuse it
/// with a following float addition, which would skip the rounding the model spells out.
inline double held(double x) {
  volatile double v = x;
  return v;
}

// ---------------------------------------------------------------------------
// Pointwise derivatives

/// d/dx of x Phi(x), written from its definition: Phi(x) + x e^(-x^2/2) / sqrt(2 pi).
double gelu_prime(double x) {
  if (std::isinf(x)) return x > 0 ? 1.0 : 0.0;
  const double pi = 3.14159265358979323846;
  return 0.5 * std::erfc(-x / std::sqrt(2.0)) + x * std::exp(-x * x / 2) / std::sqrt(2 * pi);
}

/// dx in C of one element; x, y and g are values of C already.
template <class P, class Op>
double model_unary_backward(double x, double y, double g) {
  using C = typename P::compute;
  if constexpr (std::is_same_v<Op, ops::neg>) {
    return -g;
  } else if constexpr (std::is_same_v<Op, ops::relu>) {
    return x <= 0 ? 0.0 : g;
  } else if constexpr (std::is_same_v<Op, ops::exp>) {
    return rnd<C>(g * y);
  } else if constexpr (std::is_same_v<Op, ops::log>) {
    return rnd<C>(g / x);
  } else if constexpr (std::is_same_v<Op, ops::tanh>) {
    return rnd<C>(g * rnd<C>(1 - held(rnd<C>(y * y))));
  } else if constexpr (std::is_same_v<Op, ops::sigmoid>) {
    return rnd<C>(g * rnd<C>(y * rnd<C>(1 - y)));
  } else {
    return rnd<C>(g * rnd<C>(gelu_prime(x)));
  }
}

template <class Op>
double model_forward(double x) {
  if constexpr (std::is_same_v<Op, ops::neg>) return -x;
  if constexpr (std::is_same_v<Op, ops::relu>) return x <= 0 ? 0.0 : x;
  if constexpr (std::is_same_v<Op, ops::exp>) return f_exp(x);
  if constexpr (std::is_same_v<Op, ops::log>) return f_log(x);
  if constexpr (std::is_same_v<Op, ops::tanh>) return f_tanh(x);
  if constexpr (std::is_same_v<Op, ops::sigmoid>) return f_sigmoid(x);
  if constexpr (std::is_same_v<Op, ops::gelu>) return f_gelu(x);
}

template <class P, class Op>
void check_unary_backward_model(const std::string& name) {
  using S = typename P::storage;
  using C = typename P::compute;
  for (std::int64_t n : {1, 7, 1500}) {
    const auto seed = static_cast<std::uint64_t>(n);
    std::vector<double> xs =
        std::is_same_v<Op, ops::log> ? uniform(sz(n), 0.05, 5, seed) : uniform(sz(n), -5, 5, seed);
    if (n > 4 && !std::is_same_v<Op, ops::log>) {
      xs[0] = 0.0;
      xs[1] = -0.0;
      xs[2] = std::numeric_limits<double>::infinity();
      xs[3] = -std::numeric_limits<double>::infinity();
    }
    const std::vector<S> x = make<S>(xs);
    std::vector<double> ys;
    for (const S& v : x) ys.push_back(model_forward<Op>(val(v)));
    const std::vector<S> y = make<S>(ys);
    const std::vector<S> dy = make<S>(uniform(sz(n), -2, 2, seed + 1));
    std::vector<S> ref(sz(n)), fast(sz(n)), inplace = dy;
    cpu::unary_backward_reference<P, Op>(n, x.data(), y.data(), dy.data(), ref.data());
    cpu::unary_backward<P, Op>(n, x.data(), y.data(), dy.data(), fast.data());
    cpu::unary_backward<P, Op>(n, x.data(), y.data(), inplace.data(), inplace.data());
    std::vector<double> want;
    for (std::size_t i = 0; i < x.size(); ++i) {
      want.push_back(rnd<S>(
          model_unary_backward<P, Op>(rnd<C>(val(x[i])), rnd<C>(val(y[i])), rnd<C>(val(dy[i])))));
    }
    const std::string label = name + " n = " + std::to_string(n);
    expect_values(label + " reference", want, ref);
    expect_same(label + " fast", ref, fast);
    expect_same(label + " in place", ref, inplace);
  }
}

template <class Op>
void check_unary_backward_numerical(const std::string& name) {
  std::vector<double> xs = {-2.5, -0.7, 0.3, 1.1, 2.9};
  if (std::is_same_v<Op, ops::log>) {
    for (double& v : xs) v = std::fabs(v) + 0.1;
  }
  const auto n = static_cast<std::int64_t>(xs.size());
  std::vector<double> y(xs.size()), dy = uniform(xs.size(), -2, 2, 3), dx(xs.size());
  cpu::unary_reference<p_f64, Op>(n, xs.data(), y.data());
  cpu::unary_backward_reference<p_f64, Op>(n, xs.data(), y.data(), dy.data(), dx.data());
  std::vector<double> want;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const auto f = [&](const std::vector<double>& v) {
      double out = 0;
      cpu::unary_reference<p_f64, Op>(1, &v[k], &out);
      return dy[k] * out;
    };
    want.push_back(central(f, xs, k));
  }
  expect_close(name, want, dx);
}

template <class P, class... Op>
void for_unary_ops(const char* const* names) {
  int i = 0;
  (check_unary_backward_model<P, Op>(names[i++]), ...);
}

// ---------------------------------------------------------------------------
// Softmax, log-softmax

template <class P, bool Log>
std::vector<double> model_softmax_backward(std::int64_t rows, std::int64_t cols,
                                           const std::vector<double>& yin,
                                           const std::vector<double>& gin) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  std::vector<double> dx;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::vector<double> y, g;
    for (std::int64_t i = 0; i < cols; ++i) {
      y.push_back(rnd<C>(yin[sz(r * cols + i)]));
      g.push_back(rnd<C>(gin[sz(r * cols + i)]));
    }
    double s = 0;
    for (std::size_t j = 0; j < y.size(); ++j)
      s = rnd<A>(s + (Log ? g[j] : held(rnd<C>(y[j] * g[j]))));
    const double sc = rnd<C>(s);
    for (std::size_t i = 0; i < y.size(); ++i) {
      dx.push_back(Log ? rnd<C>(g[i] - held(rnd<C>(rnd<C>(f_exp(y[i])) * sc)))
                       : rnd<C>(y[i] * rnd<C>(g[i] - sc)));
    }
  }
  return dx;
}

template <class P, bool Log>
void check_softmax_backward_model() {
  using S = typename P::storage;
  for (std::int64_t rows : {1, 3}) {
    for (std::int64_t cols : {1, 3, 17, 100}) {
      const std::int64_t n = rows * cols;
      const std::vector<S> x = make<S>(uniform(sz(n), -4, 4, sz(n) + 1));
      std::vector<S> y(sz(n));
      if (Log) {
        cpu::log_softmax_reference<P>(rows, cols, x.data(), y.data());
      } else {
        cpu::softmax_reference<P>(rows, cols, x.data(), y.data());
      }
      const std::vector<S> dy = make<S>(uniform(sz(n), -1, 1, sz(n) + 2));
      std::vector<S> ref(sz(n)), fast(sz(n)), inplace = dy;
      if (Log) {
        cpu::log_softmax_backward_reference<P>(rows, cols, y.data(), dy.data(), ref.data());
        cpu::log_softmax_backward<P>(rows, cols, y.data(), dy.data(), fast.data());
        cpu::log_softmax_backward<P>(rows, cols, y.data(), inplace.data(), inplace.data());
      } else {
        cpu::softmax_backward_reference<P>(rows, cols, y.data(), dy.data(), ref.data());
        cpu::softmax_backward<P>(rows, cols, y.data(), dy.data(), fast.data());
        cpu::softmax_backward<P>(rows, cols, y.data(), inplace.data(), inplace.data());
      }
      std::vector<double> want = model_softmax_backward<P, Log>(rows, cols, values(y), values(dy));
      for (double& w : want) w = rnd<S>(w);
      const std::string label = std::string(Log ? "log_softmax_backward " : "softmax_backward ") +
                                std::to_string(rows) + "x" + std::to_string(cols);
      expect_values(label + " reference", want, ref);
      expect_same(label + " fast", ref, fast);
      expect_same(label + " in place", ref, inplace);
    }
  }
}

template <bool Log>
void check_softmax_backward_numerical() {
  const std::int64_t rows = 2, cols = 5;
  const std::vector<double> x = uniform(sz(rows * cols), -2, 2, 41);
  const std::vector<double> dy = uniform(x.size(), -1, 1, 42);
  std::vector<double> y(x.size()), dx(x.size());
  const auto forward = [&](const std::vector<double>& v, std::vector<double>& out) {
    if (Log) {
      cpu::log_softmax_reference<p_f64>(rows, cols, v.data(), out.data());
    } else {
      cpu::softmax_reference<p_f64>(rows, cols, v.data(), out.data());
    }
  };
  forward(x, y);
  if (Log) {
    cpu::log_softmax_backward_reference<p_f64>(rows, cols, y.data(), dy.data(), dx.data());
  } else {
    cpu::softmax_backward_reference<p_f64>(rows, cols, y.data(), dy.data(), dx.data());
  }
  const auto loss = [&](const std::vector<double>& v) {
    std::vector<double> out(v.size());
    forward(v, out);
    double l = 0;
    for (std::size_t i = 0; i < v.size(); ++i) l += dy[i] * out[i];
    return l;
  };
  std::vector<double> want;
  for (std::size_t k = 0; k < x.size(); ++k) want.push_back(central(loss, x, k));
  expect_close(Log ? "log_softmax_backward" : "softmax_backward", want, dx);
}

// ---------------------------------------------------------------------------
// Losses

std::vector<std::int64_t> labels_for(std::int64_t rows, std::int64_t classes) {
  std::vector<std::int64_t> t;
  for (std::int64_t r = 0; r < rows; ++r) t.push_back((r * 7 + 3) % classes);
  return t;
}

template <class P>
std::vector<double> model_cross_entropy_backward(std::int64_t rows, std::int64_t classes,
                                                 const std::vector<double>& xin,
                                                 const std::vector<std::int64_t>& t, double dloss) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  const double g = rnd<C>(rnd<C>(dloss) / rnd<C>(static_cast<double>(rows)));
  std::vector<double> dx;
  for (std::int64_t r = 0; r < rows; ++r) {
    std::vector<double> x, e;
    for (std::int64_t i = 0; i < classes; ++i) x.push_back(rnd<C>(xin[sz(r * classes + i)]));
    const double m = row_max(x);
    double s = 0;
    for (double xi : x) {
      e.push_back(rnd<C>(f_exp(rnd<C>(xi - m))));
      s = rnd<A>(s + e.back());
    }
    const double sc = rnd<C>(s);
    for (std::int64_t i = 0; i < classes; ++i) {
      double p = rnd<C>(e[sz(i)] / sc);
      if (i == t[sz(r)]) p = rnd<C>(p - 1);
      dx.push_back(rnd<C>(p * g));
    }
  }
  return dx;
}

template <class P>
void check_cross_entropy_backward_model() {
  using S = typename P::storage;
  for (std::int64_t rows : {1, 3}) {
    for (std::int64_t classes : {1, 3, 17, 100}) {
      const std::int64_t n = rows * classes;
      const std::vector<S> x = make<S>(uniform(sz(n), -5, 5, sz(n) + 7));
      const std::vector<std::int64_t> t = labels_for(rows, classes);
      const double dloss = 1.375;
      std::vector<S> ref(sz(n)), fast(sz(n));
      cpu::cross_entropy_backward_reference<P>(rows, classes, x.data(), t.data(), dloss,
                                               ref.data());
      cpu::cross_entropy_backward<P>(rows, classes, x.data(), t.data(), dloss, fast.data());
      std::vector<double> want =
          model_cross_entropy_backward<P>(rows, classes, values(x), t, dloss);
      for (double& w : want) w = rnd<S>(w);
      const std::string label =
          "cross_entropy_backward " + std::to_string(rows) + "x" + std::to_string(classes);
      expect_values(label + " reference", want, ref);
      expect_same(label + " fast", ref, fast);
    }
  }
}

template <class P>
void check_mse_backward_model() {
  using S = typename P::storage;
  using C = typename P::compute;
  for (std::int64_t n : {1, 7, 1500}) {
    const std::vector<S> a = make<S>(uniform(sz(n), -3, 3, sz(n) + 11));
    const std::vector<S> b = make<S>(uniform(sz(n), -3, 3, sz(n) + 12));
    const double dloss = 0.8125;
    std::vector<S> da(sz(n)), db(sz(n)), fa(sz(n)), fb(sz(n)), only(sz(n)), inplace = a;
    cpu::mse_backward_reference<P>(n, a.data(), b.data(), dloss, da.data(), db.data());
    cpu::mse_backward<P>(n, a.data(), b.data(), dloss, fa.data(), fb.data());
    cpu::mse_backward<P>(n, a.data(), b.data(), dloss, only.data(), static_cast<S*>(nullptr));
    cpu::mse_backward<P>(n, inplace.data(), b.data(), dloss, inplace.data());
    const double k = rnd<C>(rnd<C>(2 * rnd<C>(dloss)) / rnd<C>(static_cast<double>(n)));
    std::vector<double> want_a, want_b;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const double g = rnd<C>(rnd<C>(rnd<C>(val(a[i])) - rnd<C>(val(b[i]))) * k);
      want_a.push_back(rnd<S>(g));
      want_b.push_back(rnd<S>(-g));
    }
    const std::string label = "mse_backward n = " + std::to_string(n);
    expect_values(label + " da", want_a, da);
    expect_values(label + " db", want_b, db);
    expect_same(label + " fast da", da, fa);
    expect_same(label + " fast db", db, fb);
    expect_same(label + " da alone", da, only);
    expect_same(label + " in place", da, inplace);
  }
}

// ---------------------------------------------------------------------------
// Layer normalisation

constexpr double ln_eps = 1e-5;

struct ln_grads {
  std::vector<double> dx, dgamma, dbeta;  // in C (dx) and A (the column sums)
};

template <class P>
ln_grads model_layer_norm_backward(std::int64_t rows, std::int64_t cols,
                                   const std::vector<double>& xv, const std::vector<double>* gv,
                                   const std::vector<double>& mean, const std::vector<double>& rstd,
                                   const std::vector<double>& gin) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  ln_grads out;
  out.dgamma.assign(sz(cols), 0.0);
  out.dbeta.assign(sz(cols), 0.0);
  const double count = rnd<C>(static_cast<double>(cols));
  for (std::int64_t r = 0; r < rows; ++r) {
    const double mu = rnd<C>(mean[sz(r)]), rs = rnd<C>(rstd[sz(r)]);
    std::vector<double> xh, dh, g;
    double s1 = 0, s2 = 0;
    for (std::int64_t i = 0; i < cols; ++i) {
      const double xi = rnd<C>(xv[sz(r * cols + i)]);
      g.push_back(rnd<C>(gin[sz(r * cols + i)]));
      xh.push_back(rnd<C>(rnd<C>(xi - mu) * rs));
      dh.push_back(gv != nullptr ? held(rnd<C>(g.back() * rnd<C>((*gv)[sz(i)]))) : g.back());
      s1 = rnd<A>(s1 + dh.back());
      s2 = rnd<A>(s2 + held(rnd<C>(dh.back() * xh.back())));
    }
    const double m1 = rnd<C>(rnd<C>(s1) / count), m2 = rnd<C>(rnd<C>(s2) / count);
    for (std::size_t i = 0; i < xh.size(); ++i) {
      const double c = rnd<C>(rnd<C>(dh[i] - m1) - held(rnd<C>(xh[i] * m2)));
      out.dx.push_back(rnd<C>(c * rs));
      out.dgamma[i] = rnd<A>(out.dgamma[i] + held(rnd<C>(g[i] * xh[i])));
      out.dbeta[i] = rnd<A>(out.dbeta[i] + g[i]);
    }
  }
  return out;
}

template <class P, class W>
void check_layer_norm_backward_model(bool with_gamma) {
  using S = typename P::storage;
  using C = typename P::compute;
  for (std::int64_t rows : {1, 3}) {
    for (std::int64_t cols : {1, 3, 17, 100}) {
      const std::int64_t n = rows * cols;
      const std::vector<S> x = make<S>(uniform(sz(n), -2, 4, sz(n) + 21));
      const std::vector<W> gamma = make<W>(uniform(sz(cols), 0.5, 1.5, 22));
      const std::vector<W> beta = make<W>(uniform(sz(cols), -1, 1, 23));
      const std::vector<S> dy = make<S>(uniform(sz(n), -1, 1, sz(n) + 24));
      const W* gp = with_gamma ? gamma.data() : nullptr;
      std::vector<S> y(sz(n));
      std::vector<C> mean(sz(rows)), rstd(sz(rows));
      cpu::layer_norm_reference<P, S, S, W>(rows, cols, x.data(), gp, beta.data(), ln_eps, y.data(),
                                            mean.data(), rstd.data());
      std::vector<S> ref(sz(n)), fast(sz(n)), fast2(sz(n));
      std::vector<W> dg(sz(cols)), db(sz(cols)), fdg(sz(cols)), fdb(sz(cols));
      cpu::layer_norm_backward_reference<P, S, S, S, W>(rows, cols, x.data(), gp, mean.data(),
                                                        rstd.data(), dy.data(), ref.data(),
                                                        dg.data(), db.data());
      cpu::layer_norm_backward<P, S, S, S, W>(rows, cols, x.data(), gp, mean.data(), rstd.data(),
                                              dy.data(), fast.data(), fdg.data(), fdb.data());
      cpu::layer_norm_backward<P, S, S, S, W>(rows, cols, x.data(), gp, mean.data(), rstd.data(),
                                              dy.data(), fast2.data());
      const std::vector<double> gv = values(gamma);
      const ln_grads want =
          model_layer_norm_backward<P>(rows, cols, values(x), with_gamma ? &gv : nullptr,
                                       values(mean), values(rstd), values(dy));
      std::vector<double> wdx, wdg, wdb;
      for (double v : want.dx) wdx.push_back(rnd<S>(v));
      for (double v : want.dgamma) wdg.push_back(rnd<W>(v));
      for (double v : want.dbeta) wdb.push_back(rnd<W>(v));
      const std::string label = "layer_norm_backward " + std::to_string(rows) + "x" +
                                std::to_string(cols) + (with_gamma ? " gamma" : "");
      expect_values(label + " dx", wdx, ref);
      expect_values(label + " dgamma", wdg, dg);
      expect_values(label + " dbeta", wdb, db);
      expect_same(label + " fast dx", ref, fast);
      expect_same(label + " fast dx alone", ref, fast2);
      expect_same(label + " fast dgamma", dg, fdg);
      expect_same(label + " fast dbeta", db, fdb);
    }
  }
}

// ---------------------------------------------------------------------------
// Gather and dropout models

template <class P, class T>
std::vector<double> model_embedding_backward(std::int64_t dim, const std::vector<std::int64_t>& idx,
                                             const std::vector<double>& table,
                                             const std::vector<double>& dout) {
  using C = typename P::compute;
  using A = typename P::accumulate;
  std::vector<double> out = table;
  const auto vocab = static_cast<std::int64_t>(table.size()) / dim;
  for (std::int64_t v = 0; v < vocab; ++v) {
    if (std::find(idx.begin(), idx.end(), v) == idx.end()) continue;
    for (std::int64_t k = 0; k < dim; ++k) {
      double acc = rnd<A>(table[sz(v * dim + k)]);
      for (std::size_t i = 0; i < idx.size(); ++i) {
        if (idx[i] == v) acc = rnd<A>(acc + rnd<C>(dout[i * sz(dim) + sz(k)]));
      }
      out[sz(v * dim + k)] = rnd<T>(acc);
    }
  }
  return out;
}

/// The keep decision of element `counter`, from the definition: dropped when the 32 random bits
/// are below ceil(p 2^32).
bool model_kept(double p, std::uint64_t seed, std::uint64_t counter) {
  const double t = std::ceil(p * 4294967296.0);
  return static_cast<double>(mixprec::detail::random_bits(seed, counter)) >= t;
}

}  // namespace

TEST_SUITE("backend/cpu/backward") {
  TEST_CASE_TEMPLATE("unary_backward reference = model; fast = reference", P, BACKWARD_PRECISIONS) {
    const char* const names[] = {"neg", "relu", "exp", "log", "tanh", "sigmoid", "gelu"};
    for_unary_ops<P, ops::neg, ops::relu, ops::exp, ops::log, ops::tanh, ops::sigmoid, ops::gelu>(
        names);
  }

  TEST_CASE("unary_backward = central differences of the forward kernel, in double") {
    check_unary_backward_numerical<ops::neg>("neg");
    check_unary_backward_numerical<ops::relu>("relu");
    check_unary_backward_numerical<ops::exp>("exp");
    check_unary_backward_numerical<ops::log>("log");
    check_unary_backward_numerical<ops::tanh>("tanh");
    check_unary_backward_numerical<ops::sigmoid>("sigmoid");
    check_unary_backward_numerical<ops::gelu>("gelu");
  }

  TEST_CASE("unary_backward: special values, mixed types, unused inputs") {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> x = {-inf, -1.0f, -0.0f, 0.0f, 2.0f, inf, nan};
    const std::vector<float> dy(x.size(), 3.0f);
    std::vector<float> dx(x.size());
    const float* none = nullptr;
    cpu::unary_backward<p_fp32, ops::relu>(7, x.data(), none, dy.data(), dx.data());
    CHECK(dx == std::vector<float>{0, 0, 0, 0, 3, 3, 3});  // a NaN x passes dy, as PyTorch
    CHECK(!std::signbit(dx[0]));
    cpu::unary_backward<p_fp32, ops::gelu>(7, x.data(), none, dy.data(), dx.data());
    CHECK(dx[0] == 0.0f);
    CHECK(dx[5] == 3.0f);
    CHECK(dx[2] == 1.5f);  // gelu'(0) = 1/2
    CHECK(std::isnan(dx[6]));
    // exp reads y only; neg reads neither. bf16 gradients, float activations, float results.
    const std::vector<bf16> g = make<bf16>({1.5, -2.0, 0.25});
    const std::vector<float> y = {2.0f, 0.5f, 4.0f};
    std::vector<float> out(3);
    cpu::unary_backward<p_bf16_fp32, ops::exp>(3, none, y.data(), g.data(), out.data());
    CHECK(out == std::vector<float>{3.0f, -1.0f, 1.0f});
    cpu::unary_backward_reference<p_bf16, ops::neg>(3, none, none, g.data(), out.data());
    CHECK(out == std::vector<float>{-1.5f, 2.0f, -0.25f});
  }

  TEST_CASE_TEMPLATE("sum_rows reference = model; fast = reference", P, BACKWARD_PRECISIONS) {
    using S = typename P::storage;
    using C = typename P::compute;
    using A = typename P::accumulate;
    const std::int64_t shapes[][2] = {{1, 1}, {3, 5}, {17, 33}, {5, 1}};
    for (const auto& shape : shapes) {
      const std::int64_t rows = shape[0], cols = shape[1];
      const std::vector<S> dy = make<S>(uniform(sz(rows * cols), -2, 2, sz(rows + cols)));
      std::vector<S> ref(sz(cols)), fast(sz(cols));
      cpu::sum_rows_reference<P>(rows, cols, dy.data(), ref.data());
      cpu::sum_rows<P>(rows, cols, dy.data(), fast.data());
      std::vector<double> want;
      for (std::int64_t j = 0; j < cols; ++j) {
        double acc = 0;
        for (std::int64_t i = 0; i < rows; ++i)
          acc = rnd<A>(acc + rnd<C>(val(dy[sz(i * cols + j)])));
        want.push_back(rnd<S>(acc));
      }
      const std::string label = "sum_rows " + std::to_string(rows) + "x" + std::to_string(cols);
      expect_values(label, want, ref);
      if (cols > 1 || !fast_float<P>) expect_same(label + " fast", ref, fast);
    }
  }

  TEST_CASE_TEMPLATE("softmax and log_softmax backward: reference = model; fast = reference", P,
                     BACKWARD_PRECISIONS) {
    check_softmax_backward_model<P, false>();
    check_softmax_backward_model<P, true>();
  }

  TEST_CASE("softmax and log_softmax backward = central differences, in double") {
    check_softmax_backward_numerical<false>();
    check_softmax_backward_numerical<true>();
  }

  TEST_CASE_TEMPLATE("cross_entropy and mse backward: reference = model; fast = reference", P,
                     BACKWARD_PRECISIONS) {
    check_cross_entropy_backward_model<P>();
    check_mse_backward_model<P>();
  }

  TEST_CASE("cross_entropy and mse backward = central differences, in double") {
    const std::int64_t rows = 3, classes = 4;
    const std::vector<double> x = uniform(sz(rows * classes), -2, 2, 51);
    const std::vector<std::int64_t> t = labels_for(rows, classes);
    const double dloss = 0.75;
    std::vector<double> dx(x.size());
    cpu::cross_entropy_backward_reference<p_f64>(rows, classes, x.data(), t.data(), dloss,
                                                 dx.data());
    const auto ce = [&](const std::vector<double>& v) {
      return dloss * cpu::cross_entropy_reference<p_f64>(rows, classes, v.data(), t.data());
    };
    std::vector<double> want;
    for (std::size_t k = 0; k < x.size(); ++k) want.push_back(central(ce, x, k));
    expect_close("cross_entropy_backward", want, dx);

    const std::vector<double> a = uniform(5, -2, 2, 52), b = uniform(5, -2, 2, 53);
    std::vector<double> da(5), db(5), want_a, want_b;
    cpu::mse_backward_reference<p_f64>(5, a.data(), b.data(), dloss, da.data(), db.data());
    for (std::size_t k = 0; k < a.size(); ++k) {
      want_a.push_back(central(
          [&](const std::vector<double>& v) {
            return dloss * cpu::mse_reference<p_f64>(5, v.data(), b.data());
          },
          a, k));
      want_b.push_back(central(
          [&](const std::vector<double>& v) {
            return dloss * cpu::mse_reference<p_f64>(5, a.data(), v.data());
          },
          b, k));
    }
    expect_close("mse_backward da", want_a, da);
    expect_close("mse_backward db", want_b, db);
  }

  TEST_CASE_TEMPLATE("layer_norm_backward: reference = model; fast = reference", P,
                     BACKWARD_PRECISIONS) {
    using S = typename P::storage;
    check_layer_norm_backward_model<P, S>(true);
    check_layer_norm_backward_model<P, S>(false);
    check_layer_norm_backward_model<P, float>(true);  // float parameters and their gradients
  }

  TEST_CASE("layer_norm_backward = central differences of layer_norm, in double") {
    const std::int64_t rows = 3, cols = 6;
    const std::vector<double> x = uniform(sz(rows * cols), -2, 3, 61);
    const std::vector<double> gamma = uniform(sz(cols), 0.5, 1.5, 62);
    const std::vector<double> beta = uniform(sz(cols), -1, 1, 63);
    const std::vector<double> dy = uniform(x.size(), -1, 1, 64);
    std::vector<double> y(x.size()), mean(sz(rows)), rstd(sz(rows));
    cpu::layer_norm_reference<p_f64>(rows, cols, x.data(), gamma.data(), beta.data(), ln_eps,
                                     y.data(), mean.data(), rstd.data());
    std::vector<double> dx(x.size()), dg(sz(cols)), db(sz(cols));
    cpu::layer_norm_backward_reference<p_f64>(rows, cols, x.data(), gamma.data(), mean.data(),
                                              rstd.data(), dy.data(), dx.data(), dg.data(),
                                              db.data());
    const auto loss = [&](const std::vector<double>& xv, const std::vector<double>& gv,
                          const std::vector<double>& bv) {
      std::vector<double> out(xv.size());
      cpu::layer_norm_reference<p_f64>(rows, cols, xv.data(), gv.data(), bv.data(), ln_eps,
                                       out.data());
      double l = 0;
      for (std::size_t i = 0; i < out.size(); ++i) l += dy[i] * out[i];
      return l;
    };
    std::vector<double> want_x, want_g, want_b;
    for (std::size_t k = 0; k < x.size(); ++k) {
      want_x.push_back(
          central([&](const std::vector<double>& v) { return loss(v, gamma, beta); }, x, k));
    }
    for (std::size_t k = 0; k < gamma.size(); ++k) {
      want_g.push_back(
          central([&](const std::vector<double>& v) { return loss(x, v, beta); }, gamma, k));
      want_b.push_back(
          central([&](const std::vector<double>& v) { return loss(x, gamma, v); }, beta, k));
    }
    expect_close("layer_norm_backward dx", want_x, dx);
    expect_close("layer_norm_backward dgamma", want_g, dg);
    expect_close("layer_norm_backward dbeta", want_b, db);
  }

  TEST_CASE("the thread count changes no bit") {
    const std::int64_t rows = 64, cols = 700, n = rows * cols;
    const std::vector<bf16> x = make<bf16>(uniform(sz(n), -3, 3, 71));
    const std::vector<bf16> dy = make<bf16>(uniform(sz(n), -1, 1, 72));
    const std::vector<bf16> gamma = make<bf16>(uniform(sz(cols), 0.5, 1.5, 73));
    const std::vector<std::int64_t> labels = labels_for(rows, cols);
    std::vector<float> mean(sz(rows)), rstd(sz(rows));
    std::vector<bf16> y(sz(n));
    cpu::layer_norm<p_bf16_fp32>(rows, cols, x.data(), gamma.data(), nullptr, ln_eps, y.data(),
                                 mean.data(), rstd.data());
    cpu::softmax<p_bf16_fp32>(rows, cols, x.data(), y.data());
    for (int threads : {2, 3}) {
      const cpu::execution one{1}, many{threads};
      std::vector<bf16> a(sz(n)), b(sz(n)), ga(sz(cols)), gb(sz(cols)), ba(sz(cols)), bb(sz(cols));
      cpu::unary_backward<p_bf16_fp32, ops::gelu>(n, x.data(), y.data(), dy.data(), a.data(), one);
      cpu::unary_backward<p_bf16_fp32, ops::gelu>(n, x.data(), y.data(), dy.data(), b.data(), many);
      expect_same("unary_backward", a, b);
      cpu::softmax_backward<p_bf16_fp32>(rows, cols, y.data(), dy.data(), a.data(), one);
      cpu::softmax_backward<p_bf16_fp32>(rows, cols, y.data(), dy.data(), b.data(), many);
      expect_same("softmax_backward", a, b);
      cpu::log_softmax_backward<p_bf16_fp32>(rows, cols, y.data(), dy.data(), a.data(), one);
      cpu::log_softmax_backward<p_bf16_fp32>(rows, cols, y.data(), dy.data(), b.data(), many);
      expect_same("log_softmax_backward", a, b);
      cpu::cross_entropy_backward<p_bf16_fp32>(rows, cols, x.data(), labels.data(), 1.0, a.data(),
                                               one);
      cpu::cross_entropy_backward<p_bf16_fp32>(rows, cols, x.data(), labels.data(), 1.0, b.data(),
                                               many);
      expect_same("cross_entropy_backward", a, b);
      cpu::mse_backward<p_bf16_fp32>(n, x.data(), dy.data(), 1.0, a.data(), nullptr, one);
      cpu::mse_backward<p_bf16_fp32>(n, x.data(), dy.data(), 1.0, b.data(), nullptr, many);
      expect_same("mse_backward", a, b);
      cpu::layer_norm_backward<p_bf16_fp32>(rows, cols, x.data(), gamma.data(), mean.data(),
                                            rstd.data(), dy.data(), a.data(), ga.data(), ba.data(),
                                            one);
      cpu::layer_norm_backward<p_bf16_fp32>(rows, cols, x.data(), gamma.data(), mean.data(),
                                            rstd.data(), dy.data(), b.data(), gb.data(), bb.data(),
                                            many);
      expect_same("layer_norm_backward dx", a, b);
      expect_same("layer_norm_backward dgamma", ga, gb);
      expect_same("layer_norm_backward dbeta", ba, bb);
      // And the reference agrees on this larger case.
      cpu::layer_norm_backward_reference<p_bf16_fp32>(rows, cols, x.data(), gamma.data(),
                                                      mean.data(), rstd.data(), dy.data(), a.data(),
                                                      ga.data(), ba.data());
      expect_same("layer_norm_backward reference", a, b);
      expect_same("layer_norm_backward reference dgamma", ga, gb);
    }
  }

  TEST_CASE("bad arguments throw, naming the op, and write nothing") {
    std::vector<float> x(6, 1.0f), y(6, 0.5f), dx(6, -7.0f), w(3, -7.0f);
    const float* none = nullptr;
    CHECK_THROWS_WITH_AS(
        (cpu::unary_backward<p_fp32, ops::exp>(6, x.data(), none, y.data(), dx.data())),
        doctest::Contains("cpu::unary_backward: y is null but 6 elements are needed"),
        mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::unary_backward_reference<p_bf16, ops::log>(-1, x.data(), none, y.data(), dx.data())),
        doctest::Contains("cpu::unary_backward: n = -1 is negative"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::sum_rows<p_fp32>(-2, 3, x.data(), w.data())),
                         doctest::Contains("cpu::sum_rows: rows = -2 is negative"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::softmax_backward<p_fp32>(2, 3, x.data(), none, dx.data())),
                         doctest::Contains("cpu::softmax_backward: dy is null"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::log_softmax_backward_reference<p_fp16>(2, -3, x.data(), y.data(), dx.data())),
        doctest::Contains("cpu::log_softmax_backward: cols = -3 is negative"), mixprec::error);
    const std::int64_t labels[] = {1, 3};
    CHECK_THROWS_WITH_AS(
        (cpu::cross_entropy_backward<p_fp32>(2, 3, x.data(), labels, 1.0, dx.data())),
        doctest::Contains("cpu::cross_entropy_backward: label 3 of row 1 is outside [0, 3)"),
        mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::cross_entropy_backward_reference<p_bf16>(2, 3, x.data(), labels, 1.0, dx.data())),
        doctest::Contains("label 3 of row 1"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::mse_backward<p_fp32>(6, x.data(), none, 1.0, dx.data())),
                         doctest::Contains("cpu::mse_backward: b is null"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::layer_norm_backward<p_fp32>(2, 3, x.data(), w.data(), none, y.data(), y.data(),
                                          dx.data(), w.data(), w.data())),
        doctest::Contains("cpu::layer_norm_backward: mean is null"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::layer_norm_backward_reference<p_bf16, float, float, float, float, float>(
            2, 3, x.data(), nullptr, y.data(), y.data(), y.data(), static_cast<float*>(nullptr),
            w.data(), w.data())),
        doctest::Contains("cpu::layer_norm_backward: dx is null"), mixprec::error);
    for (float v : dx) CHECK(v == -7.0f);
    for (float v : w) CHECK(v == -7.0f);
  }
}

TEST_SUITE("backend/cpu/transpose") {
  TEST_CASE("reference = index model; blocked = reference; conversion rounds once") {
    const std::int64_t shapes[][2] = {{1, 1}, {1, 7}, {7, 1}, {33, 65}, {100, 37}};
    for (const auto& shape : shapes) {
      const std::int64_t rows = shape[0], cols = shape[1];
      const std::vector<double> xv = uniform(sz(rows * cols), -100, 100, sz(rows * 131 + cols));
      const std::vector<float> x = make<float>(xv);
      std::vector<float> ref(x.size()), fast(x.size());
      std::vector<bf16> ref_b(x.size()), fast_b(x.size());
      cpu::transpose_2d_reference(rows, cols, x.data(), ref.data());
      cpu::transpose_2d(rows, cols, x.data(), fast.data());
      cpu::transpose_2d_reference(rows, cols, x.data(), ref_b.data());
      cpu::transpose_2d(rows, cols, x.data(), fast_b.data(), cpu::execution{3});
      std::vector<double> want(x.size()), want_b(x.size());
      for (std::int64_t i = 0; i < rows; ++i) {
        for (std::int64_t j = 0; j < cols; ++j) {
          want[sz(j * rows + i)] = val(x[sz(i * cols + j)]);
          want_b[sz(j * rows + i)] = rnd<bf16>(val(x[sz(i * cols + j)]));
        }
      }
      const std::string label = "transpose " + std::to_string(rows) + "x" + std::to_string(cols);
      expect_values(label, want, ref);
      expect_same(label + " blocked", ref, fast);
      expect_values(label + " to bf16", want_b, ref_b);
      expect_same(label + " blocked to bf16", ref_b, fast_b);
    }
  }

  TEST_CASE("the thread count changes no bit; transposing twice is the identity") {
    const std::int64_t rows = 300, cols = 211;
    const std::vector<fp16> x = make<fp16>(uniform(sz(rows * cols), -10, 10, 81));
    std::vector<fp16> a(x.size()), b(x.size()), back(x.size());
    cpu::transpose_2d(rows, cols, x.data(), a.data(), cpu::execution{1});
    cpu::transpose_2d(rows, cols, x.data(), b.data(), cpu::execution{2});
    cpu::transpose_2d(cols, rows, b.data(), back.data(), cpu::execution{3});
    expect_same("threads", a, b);
    expect_same("twice", x, back);
  }

  TEST_CASE("bad arguments throw, naming the op, and write nothing") {
    std::vector<float> x(6, 1.0f), y(6, -7.0f);
    CHECK_THROWS_WITH_AS((cpu::transpose_2d(-1, 3, x.data(), y.data())),
                         doctest::Contains("cpu::transpose_2d: rows = -1 is negative"),
                         mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::transpose_2d(2, 3, static_cast<const float*>(nullptr), y.data())),
                         doctest::Contains("cpu::transpose_2d: x is null"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::transpose_2d_reference(2, -3, x.data(), y.data())),
                         doctest::Contains("cpu::transpose_2d: cols = -3 is negative"),
                         mixprec::error);
    for (float v : y) CHECK(v == -7.0f);
    cpu::transpose_2d(0, 3, x.data(), y.data());  // nothing to do
    cpu::transpose_2d_reference(3, 0, x.data(), y.data());
    for (float v : y) CHECK(v == -7.0f);
  }
}

TEST_SUITE("backend/cpu/gather") {
  TEST_CASE("embedding copies the named rows; fast = reference") {
    const std::int64_t vocab = 11;
    const std::vector<std::int64_t> idx = {3, 0, 10, 3, 7, 3, 1};
    const auto n = static_cast<std::int64_t>(idx.size());
    for (std::int64_t dim : {1, 5, 33}) {
      const std::vector<float> table = make<float>(uniform(sz(vocab * dim), -4, 4, sz(dim)));
      std::vector<float> ref(sz(n * dim)), fast(ref.size());
      std::vector<bf16> ref_b(ref.size()), fast_b(ref.size());
      cpu::embedding_reference(n, idx.data(), vocab, dim, table.data(), ref.data());
      cpu::embedding(n, idx.data(), vocab, dim, table.data(), fast.data());
      cpu::embedding_reference(n, idx.data(), vocab, dim, table.data(), ref_b.data());
      cpu::embedding(n, idx.data(), vocab, dim, table.data(), fast_b.data(), cpu::execution{3});
      std::vector<double> want, want_b;
      for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t k = 0; k < dim; ++k) {
          want.push_back(val(table[sz(idx[sz(i)] * dim + k)]));
          want_b.push_back(rnd<bf16>(want.back()));
        }
      }
      const std::string label = "embedding dim = " + std::to_string(dim);
      expect_values(label, want, ref);
      expect_same(label + " fast", ref, fast);
      expect_values(label + " to bf16", want_b, ref_b);
      expect_same(label + " fast to bf16", ref_b, fast_b);
    }
  }

  TEST_CASE_TEMPLATE("embedding_backward reference = model; fast = reference", P,
                     BACKWARD_PRECISIONS) {
    using S = typename P::storage;
    const std::int64_t vocab = 9;
    const std::vector<std::int64_t> idx = {4, 1, 4, 8, 0, 4, 1, 6, 4};
    const auto n = static_cast<std::int64_t>(idx.size());
    for (std::int64_t dim : {1, 7, 40}) {
      const std::vector<S> dout = make<S>(uniform(sz(n * dim), -3, 3, sz(dim) + 91));
      // Into storage-type and into float (master) gradients, as given (not zeroed).
      const std::vector<S> table_s = make<S>(uniform(sz(vocab * dim), -1, 1, sz(dim) + 92));
      const std::vector<float> table_f = make<float>(uniform(sz(vocab * dim), -1, 1, sz(dim) + 93));
      std::vector<S> ref_s = table_s, fast_s = table_s;
      std::vector<float> ref_f = table_f, fast_f = table_f;
      cpu::embedding_backward_reference<P>(n, idx.data(), vocab, dim, dout.data(), ref_s.data());
      cpu::embedding_backward<P>(n, idx.data(), vocab, dim, dout.data(), fast_s.data());
      cpu::embedding_backward_reference<P>(n, idx.data(), vocab, dim, dout.data(), ref_f.data());
      cpu::embedding_backward<P>(n, idx.data(), vocab, dim, dout.data(), fast_f.data(),
                                 cpu::execution{3});
      const std::string label = "embedding_backward dim = " + std::to_string(dim);
      expect_values(label + " into S",
                    model_embedding_backward<P, S>(dim, idx, values(table_s), values(dout)), ref_s);
      expect_values(label + " into float",
                    model_embedding_backward<P, float>(dim, idx, values(table_f), values(dout)),
                    ref_f);
      expect_same(label + " fast into S", ref_s, fast_s);
      expect_same(label + " fast into float", ref_f, fast_f);
    }
  }

  TEST_CASE("embedding_backward: the thread count changes no bit") {
    const std::int64_t vocab = 1000, dim = 64, n = 5000;
    std::vector<std::int64_t> idx;
    for (std::int64_t i = 0; i < n; ++i) idx.push_back((i * i * 7 + 13) % vocab);
    const std::vector<bf16> dout = make<bf16>(uniform(sz(n * dim), -1, 1, 95));
    std::vector<bf16> a(sz(vocab * dim)), b(a.size()), c(a.size());
    cpu::embedding_backward<p_bf16_fp32>(n, idx.data(), vocab, dim, dout.data(), a.data(),
                                         cpu::execution{1});
    cpu::embedding_backward<p_bf16_fp32>(n, idx.data(), vocab, dim, dout.data(), b.data(),
                                         cpu::execution{3});
    cpu::embedding_backward_reference<p_bf16_fp32>(n, idx.data(), vocab, dim, dout.data(),
                                                   c.data());
    expect_same("threads", a, b);
    expect_same("reference", a, c);
  }

  TEST_CASE("a bad index throws, naming the position and the index, and writes nothing") {
    const std::vector<float> table(5 * 2, 1.0f), dout(3 * 2, 1.0f);
    std::vector<float> out(3 * 2, -7.0f), dtable(5 * 2, -7.0f);
    const std::int64_t idx[] = {0, 4, 5};
    const std::int64_t neg[] = {-1, 0, 0};
    CHECK_THROWS_WITH_AS(
        (cpu::embedding(3, idx, 5, 2, table.data(), out.data())),
        doctest::Contains("cpu::embedding: index 5 at position 2 is outside [0, 5)"),
        mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::embedding_reference(3, neg, 5, 2, table.data(), out.data())),
                         doctest::Contains("index -1 at position 0"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::embedding_backward<p_fp32>(3, idx, 5, 2, dout.data(), dtable.data())),
        doctest::Contains("cpu::embedding_backward: index 5 at position 2"), mixprec::error);
    CHECK_THROWS_WITH_AS(
        (cpu::embedding_backward_reference<p_bf16>(3, neg, 5, 2, dout.data(), dtable.data())),
        doctest::Contains("cpu::embedding_backward: index -1 at position 0"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::embedding(3, idx, 5, -2, table.data(), out.data())),
                         doctest::Contains("cpu::embedding: dim = -2 is negative"), mixprec::error);
    for (float v : out) CHECK(v == -7.0f);
    for (float v : dtable) CHECK(v == -7.0f);
  }
}

TEST_SUITE("backend/cpu/dropout") {
  TEST_CASE_TEMPLATE("dropout and its backward: reference = model; fast = reference", P,
                     BACKWARD_PRECISIONS) {
    using S = typename P::storage;
    using C = typename P::compute;
    const std::uint64_t seed = 0x1234'5678'9abc'def0ull, c0 = 77;
    for (double p : {0.0, 0.1, 0.5, 0.9}) {
      for (std::int64_t n : {1, 7, 1500}) {
        const std::vector<S> x = make<S>(uniform(sz(n), -3, 3, sz(n) + 101));
        const std::vector<S> dy = make<S>(uniform(sz(n), -3, 3, sz(n) + 102));
        std::vector<S> ref(sz(n)), fast(sz(n)), dref(sz(n)), dmask(sz(n)), dseed(sz(n)),
            dseed_ref(sz(n));
        std::vector<std::uint8_t> mask(sz(n), 9), fmask(sz(n), 9);
        cpu::dropout_reference<P>(n, x.data(), p, seed, c0, ref.data(), mask.data());
        cpu::dropout<P>(n, x.data(), p, seed, c0, fast.data(), fmask.data());
        cpu::dropout_backward_reference<P>(n, mask.data(), dy.data(), p, dref.data());
        cpu::dropout_backward<P>(n, mask.data(), dy.data(), p, dmask.data());
        cpu::dropout_backward<P>(n, seed, c0, dy.data(), p, dseed.data());
        cpu::dropout_backward_reference<P>(n, seed, c0, dy.data(), p, dseed_ref.data());
        const double scale = rnd<C>(1.0 / (1.0 - p));
        std::vector<double> want_y, want_dx;
        mismatches bad_mask;
        for (std::int64_t i = 0; i < n; ++i) {
          const bool kept = model_kept(p, seed, c0 + static_cast<std::uint64_t>(i));
          want_y.push_back(kept ? rnd<S>(rnd<C>(rnd<C>(val(x[sz(i)])) * scale)) : 0.0);
          want_dx.push_back(kept ? rnd<S>(rnd<C>(rnd<C>(val(dy[sz(i)])) * scale)) : 0.0);
          if (mask[sz(i)] != (kept ? 1 : 0) || fmask[sz(i)] != mask[sz(i)]) {
            bad_mask.add("mask at " + std::to_string(i));
          }
        }
        const std::string label = "dropout p = " + num(p) + " n = " + std::to_string(n);
        bad_mask.check(label + " mask");
        expect_values(label + " y", want_y, ref);
        expect_same(label + " fast y", ref, fast);
        expect_values(label + " dx", want_dx, dref);
        expect_same(label + " fast dx (mask)", dref, dmask);
        expect_same(label + " fast dx (seed)", dref, dseed);
        expect_same(label + " dx (seed)", dref, dseed_ref);
      }
    }
  }

  TEST_CASE(
      "the keep rate is 1 - p; counters and seeds select the stream; threads change nothing") {
    const std::int64_t n = 200000;
    const std::vector<float> x(sz(n), 1.0f);
    std::vector<float> y(sz(n));
    std::vector<std::uint8_t> mask(sz(n));
    for (double p : {0.1, 0.3, 0.5}) {
      cpu::dropout<p_fp32>(n, x.data(), p, 42, 0, y.data(), mask.data());
      double kept = 0;
      for (std::uint8_t m : mask) kept += m;
      const double sigma = std::sqrt(p * (1 - p) / static_cast<double>(n));
      CHECK(std::fabs(kept / static_cast<double>(n) - (1 - p)) < 5 * sigma);
    }
    // Element i uses counter counter0 + i: an offset call is the tail of a longer one.
    std::vector<std::uint8_t> longer(1100), shorter(1000), other(1000);
    std::vector<float> yl(1100), ys(1000), yo(1000);
    cpu::dropout<p_fp32>(1100, x.data(), 0.5, 9, 0, yl.data(), longer.data());
    cpu::dropout<p_fp32>(1000, x.data(), 0.5, 9, 100, ys.data(), shorter.data());
    cpu::dropout<p_fp32>(1000, x.data(), 0.5, 10, 100, yo.data(), other.data());
    CHECK(std::equal(shorter.begin(), shorter.end(), longer.begin() + 100));
    CHECK(shorter != other);
    // Threads.
    std::vector<bf16> xb = make<bf16>(uniform(sz(n), -1, 1, 111)), a(sz(n)), b(sz(n));
    std::vector<std::uint8_t> ma(sz(n)), mb(sz(n));
    cpu::dropout<p_bf16_fp32>(n, xb.data(), 0.25, 5, 1, a.data(), ma.data(), cpu::execution{1});
    cpu::dropout<p_bf16_fp32>(n, xb.data(), 0.25, 5, 1, b.data(), mb.data(), cpu::execution{3});
    expect_same("dropout threads", a, b);
    CHECK(ma == mb);
    cpu::dropout_backward<p_bf16_fp32>(n, 5, 1, xb.data(), 0.25, a.data(), cpu::execution{1});
    cpu::dropout_backward<p_bf16_fp32>(n, ma.data(), xb.data(), 0.25, b.data(), cpu::execution{3});
    expect_same("dropout_backward threads", a, b);
    // In place.
    std::vector<bf16> inplace = xb;
    cpu::dropout<p_bf16_fp32>(n, inplace.data(), 0.25, 5, 1, inplace.data());
    cpu::dropout_reference<p_bf16_fp32>(n, xb.data(), 0.25, 5, 1, a.data());
    expect_same("dropout in place", a, inplace);
  }

  TEST_CASE("bad arguments throw, naming the op, and write nothing") {
    std::vector<float> x(6, 1.0f), y(6, -7.0f);
    std::vector<std::uint8_t> mask(6, 9);
    for (double p : {-0.1, 1.0, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
      CHECK_THROWS_WITH_AS((cpu::dropout<p_fp32>(6, x.data(), p, 1, 0, y.data(), mask.data())),
                           doctest::Contains("cpu::dropout: p = "), mixprec::error);
      CHECK_THROWS_WITH_AS(
          (cpu::dropout_reference<p_bf16>(6, x.data(), p, 1, 0, y.data(), mask.data())),
          doctest::Contains("is outside [0, 1)"), mixprec::error);
      CHECK_THROWS_WITH_AS((cpu::dropout_backward<p_fp32>(6, mask.data(), x.data(), p, y.data())),
                           doctest::Contains("cpu::dropout_backward: p = "), mixprec::error);
      CHECK_THROWS_WITH_AS(
          (cpu::dropout_backward_reference<p_fp32>(6, 1, 0, x.data(), p, y.data())),
          doctest::Contains("cpu::dropout_backward: p = "), mixprec::error);
    }
    CHECK_THROWS_WITH_AS(
        (cpu::dropout_backward<p_fp32>(6, static_cast<const std::uint8_t*>(nullptr), x.data(), 0.5,
                                       y.data())),
        doctest::Contains("cpu::dropout_backward: mask is null"), mixprec::error);
    CHECK_THROWS_WITH_AS((cpu::dropout<p_fp32>(-3, x.data(), 0.5, 1, 0, y.data())),
                         doctest::Contains("cpu::dropout: n = -3 is negative"), mixprec::error);
    for (float v : y) CHECK(v == -7.0f);
    for (std::uint8_t m : mask) CHECK(m == 9);
  }
}
