// The tests of the pointwise, reduction, softmax, layer_norm, loss and backward kernels compiled
// with -march=native (see tests/CMakeLists.txt), so that the bulk converter's conversion
// instructions (F16C, AVX-512 BF16) and the FMA-capable instruction set are the ones the kernels
// are tested with. One executable for all of them, to keep the build short.
#include "backend/test_backward.cpp"
#include "backend/test_elementwise.cpp"
#include "backend/test_loss.cpp"
#include "backend/test_norm.cpp"
#include "backend/test_reduce.cpp"
#include "backend/test_softmax.cpp"
