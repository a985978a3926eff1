// Trains one small classifier under any precision policy: the model code below names no
// element type; the tape's policy decides where every op of the forward and backward passes
// rounds. Plain SGD on fp32 master weights, a fresh tape step per batch.
//
//   $ train_mlp                # fp32, mixed_bf16, mixed_fp16, pure_bf16 side by side
//   $ train_mlp fp8_hybrid     # one preset
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <mixprec/autodiff/functional.hpp>
#include <mixprec/autodiff/tape.hpp>
#include <mixprec/policy/presets.hpp>
#include <mixprec/tensor/tensor.hpp>
#include <string>
#include <vector>

namespace mp = mixprec;
namespace ad = mixprec::ad;

namespace {

constexpr int features = 16, hidden = 32, classes = 4, batch = 64, steps = 200;

// A synthetic task: the label is the quadrant of the first two of 16 noisy features.
struct dataset {
  mp::tensor<float> x = mp::tensor<float>::normal({batch * 8, features}, 0.0, 1.0, 100);
  std::vector<std::int64_t> labels;
  dataset() {
    for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
      labels.push_back((x(i, 0) > 0 ? 1 : 0) + (x(i, 1) > 0 ? 2 : 0));
    }
  }
};

struct model {
  mp::tensor<float> w1 = mp::tensor<float>::normal({features, hidden}, 0.0, 0.25, 1);
  mp::tensor<float> b1 = mp::tensor<float>::zeros({hidden});
  mp::tensor<float> w2 = mp::tensor<float>::normal({hidden, classes}, 0.0, 0.18, 2);
  mp::tensor<float> b2 = mp::tensor<float>::zeros({classes});
};

// The model, written once.
template <class Tape>
auto loss(Tape& t, const model& m, const mp::tensor_view<const float>& x,
          std::span<const std::int64_t> labels) {
  auto h = ad::gelu(ad::linear(t.input(x), t.parameter(m.w1), t.parameter(m.b1)));
  return ad::cross_entropy(ad::linear(h, t.parameter(m.w2), t.parameter(m.b2)), labels);
}

void sgd(mp::tensor<float>& w, const mp::tensor<float>& grad, float lr) {
  for (std::int64_t i = 0; i < w.size(); ++i) {
    w.data()[i] -= lr * grad.data()[i];
  }
}

// Trains a fresh model under Policy and returns the loss of every 50th step and the last.
template <class Policy>
std::vector<double> train(const dataset& data) {
  model m;
  mp::tape<Policy> t;
  std::vector<double> trace;
  for (int step = 0; step < steps; ++step) {
    const std::int64_t first = (step % 8) * batch;
    const std::span<const std::int64_t> labels(data.labels.data() + first, batch);
    auto l = loss(t, m, data.x.rows(first, first + batch), labels);
    t.backward(l);
    if (step % 50 == 0 || step == steps - 1) {
      trace.push_back(static_cast<double>(l.value().data()[0]));
    }
    const auto p1 = t.parameter(m.w1), q1 = t.parameter(m.b1);
    const auto p2 = t.parameter(m.w2), q2 = t.parameter(m.b2);
    const float lr = 0.5f;
    // Read every gradient before the weights change: parameters are read in place.
    const auto g1 = mp::tensor<float>(mp::cast<float>(p1.grad()));
    const auto h1 = mp::tensor<float>(mp::cast<float>(q1.grad()));
    const auto g2 = mp::tensor<float>(mp::cast<float>(p2.grad()));
    const auto h2 = mp::tensor<float>(mp::cast<float>(q2.grad()));
    t.clear();
    sgd(m.w1, g1, lr);
    sgd(m.b1, h1, lr);
    sgd(m.w2, g2, lr);
    sgd(m.b2, h2, lr);
  }
  return trace;
}

/// Prints the trace; returns whether the loss fell: the last loss below 0.9 times the first.
bool report(std::string_view name, const std::vector<double>& trace) {
  std::printf("%-16s", std::string(name).c_str());
  for (double v : trace) std::printf(" %9.5f", v);
  std::printf("\n");
  const bool fell = trace.size() >= 2 && trace.back() < 0.9 * trace.front();
  if (!fell) std::fprintf(stderr, "train_mlp: the loss under %s did not fall\n", name.data());
  return fell;
}

}  // namespace

int main(int argc, char** argv) {
  const dataset data;
  std::printf("%-16s %9s %9s %9s %9s %9s\n", "loss at step", "0", "50", "100", "150",
              std::to_string(steps - 1).c_str());
  try {
    bool all_fell = true;
    if (argc > 1) {
      mp::with_preset(argv[1],
                      [&](auto p) { all_fell = report(argv[1], train<decltype(p)>(data)); });
      return all_fell ? 0 : 1;
    }
    for (std::string_view name : {"fp32", "mixed_bf16", "mixed_fp16", "pure_bf16"}) {
      mp::with_preset(
          name, [&](auto p) { all_fell = report(name, train<decltype(p)>(data)) && all_fell; });
    }
    if (!all_fell) return 1;
  } catch (const mp::error& e) {
    std::fprintf(stderr, "train_mlp: %s\n", e.what());
    return 2;
  }
  return 0;
}
