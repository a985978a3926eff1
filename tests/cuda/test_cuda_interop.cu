// CUDA interop of the formats layer (format/cuda_interop.hpp), checked on a device:
//
//  1. For every code, half / bfloat16 / float8_e4m3 / float8_e5m2 convert bit-exactly to and from
//     __half / __nv_bfloat16 / __nv_fp8_e4m3 / __nv_fp8_e5m2, and decode to the same float as
//     CUDA's own conversion (NaN codes: both NaN).
//  2. Rounding a float on the device gives the same code as on the host, for every rounding mode
//     (stochastic included), both overflow modes and flushed subnormals.
//  3. Round-to-nearest-even conversions match CUDA's: __float2half_rn, __float2bfloat16_rn and the
//     saturating __nv_fp8_e4m3 / __nv_fp8_e5m2 constructors (non-NaN inputs; CUDA's NaN has no
//     payload).
//
// Prints "skipped: no CUDA device" and exits 0 when there is no device.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mixprec/mixprec.hpp>
#include <type_traits>
#include <vector>

namespace {

int failures = 0;

void check_cuda(cudaError_t status, const char* what, int line) {
  if (status != cudaSuccess) {
    std::fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, line, what,
                 cudaGetErrorString(status));
    std::exit(1);
  }
}
#define CHECK_CUDA(call) check_cuda((call), #call, __LINE__)

// CUDA's types and their raw codes, written against the CUDA headers alone (independent of
// mixprec's own accessors).
template <class Format>
struct native;

template <>
struct native<mixprec::formats::fp16> {
  using type = __half;
  __host__ __device__ static std::uint32_t code(__half h) { return static_cast<__half_raw>(h).x; }
  __host__ __device__ static __half make(std::uint32_t code) {
    __half_raw raw;
    raw.x = static_cast<unsigned short>(code);
    return __half(raw);
  }
  __device__ static float to_float(__half h) { return __half2float(h); }
  __device__ static std::uint32_t round_nearest(float x) { return code(__float2half_rn(x)); }
};

template <>
struct native<mixprec::formats::bf16> {
  using type = __nv_bfloat16;
  __host__ __device__ static std::uint32_t code(__nv_bfloat16 h) {
    return static_cast<__nv_bfloat16_raw>(h).x;
  }
  __host__ __device__ static __nv_bfloat16 make(std::uint32_t code) {
    __nv_bfloat16_raw raw;
    raw.x = static_cast<unsigned short>(code);
    return __nv_bfloat16(raw);
  }
  __device__ static float to_float(__nv_bfloat16 h) { return __bfloat162float(h); }
  __device__ static std::uint32_t round_nearest(float x) { return code(__float2bfloat16_rn(x)); }
};

template <class Fp8>
struct native_fp8 {
  using type = Fp8;
  __host__ __device__ static std::uint32_t code(Fp8 v) { return v.__x; }
  __host__ __device__ static Fp8 make(std::uint32_t code) {
    Fp8 v;
    v.__x = static_cast<__nv_fp8_storage_t>(code);
    return v;
  }
  __device__ static float to_float(Fp8 v) { return static_cast<float>(v); }
  // The constructor from float rounds to nearest even and saturates (__NV_SATFINITE).
  __device__ static std::uint32_t round_nearest(float x) { return code(Fp8(x)); }
};

template <>
struct native<mixprec::formats::e4m3> : native_fp8<__nv_fp8_e4m3> {};
template <>
struct native<mixprec::formats::e5m2> : native_fp8<__nv_fp8_e5m2> {};

// How many indices failed a check, and the smallest of them.
struct mismatches {
  unsigned int count;
  unsigned int first;
};

__device__ void record(mismatches* m, unsigned int index) {
  atomicAdd(&m->count, 1u);
  atomicMin(&m->first, index);
}

__device__ bool same_float(float a, float b) {
  if (isnan(a) || isnan(b)) {
    return isnan(a) && isnan(b);
  }
  return __float_as_uint(a) == __float_as_uint(b);
}

// 1. Every code: mixprec -> CUDA -> code, CUDA -> mixprec -> code, and the decoded floats.
template <class T>
__global__ void codes_kernel(mismatches* to_native, mismatches* from_native, mismatches* decoded) {
  using format = typename T::format;
  using nat = native<format>;
  using storage = typename T::storage;
  constexpr unsigned int n_codes = 1u << (8 * sizeof(storage));
  for (unsigned int code = blockIdx.x * blockDim.x + threadIdx.x; code < n_codes;
       code += gridDim.x * blockDim.x) {
    const T m = T::from_bits(static_cast<storage>(code));
    const auto n = static_cast<typename nat::type>(m);
    if (nat::code(n) != code) {
      record(to_native, code);
    }
    const T back(nat::make(code));
    if (back.bits() != code) {
      record(from_native, code);
    }
    if (!same_float(static_cast<float>(m), nat::to_float(nat::make(code)))) {
      record(decoded, code);
    }
  }
}

template <class T>
__global__ void round_kernel(const float* in, unsigned int n, typename T::storage* out) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    out[i] = T(in[i]).bits();
  }
}

template <class Format>
__global__ void cuda_round_kernel(const float* in, unsigned int n, std::uint32_t* out) {
  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    out[i] = native<Format>::round_nearest(in[i]);
  }
}

constexpr int threads = 256;
constexpr int blocks = 256;

template <class T>
void check_codes(const char* name) {
  mismatches* d = nullptr;
  CHECK_CUDA(cudaMalloc(&d, 3 * sizeof(mismatches)));
  const mismatches init[3] = {{0, ~0u}, {0, ~0u}, {0, ~0u}};
  CHECK_CUDA(cudaMemcpy(d, init, sizeof(init), cudaMemcpyHostToDevice));
  codes_kernel<T><<<blocks, threads>>>(d, d + 1, d + 2);
  CHECK_CUDA(cudaGetLastError());
  mismatches h[3];
  CHECK_CUDA(cudaMemcpy(h, d, sizeof(h), cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaFree(d));
  const char* what[3] = {"to the CUDA type", "from the CUDA type", "decoded to float"};
  for (int k = 0; k < 3; ++k) {
    if (h[k].count != 0) {
      ++failures;
      std::printf("FAILED: %s codes %s: %u mismatches, first at code 0x%x\n", name, what[k],
                  h[k].count, h[k].first);
    }
  }
}

// Floats that reach every rounding case of the four formats: specials, random bit patterns,
// values near each format's range, and exact ties and near-ties at each format's last place.
std::vector<float> make_inputs() {
  std::vector<std::uint32_t> bits = {
      0x00000000u, 0x80000000u, 0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFC00000u,
      0x7F800001u, 0xFFC12345u, 0x7F7FFFFFu, 0xFF7FFFFFu, 0x00800000u, 0x80800000u,
      0x00000001u, 0x807FFFFFu, 0x3F800000u, 0xBF800000u, 0x477FE000u, 0x477FF000u,
      0x43E00000u, 0x43E80000u, 0x43E80001u, 0x47600000u, 0x47700000u};
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::uint32_t>(state >> 32);
  };
  // Low bits forming a tie at the last place of fp16 (13 dropped bits), bf16 (16), e4m3 (20),
  // e5m2 (21).
  const int dropped[4] = {13, 16, 20, 21};
  for (int i = 0; i < (1 << 20); ++i) {
    std::uint32_t u = next();
    if (i % 2 == 0) {  // exponent within about [2^-30, 2^20]: the formats' ranges and edges
      const std::uint32_t exponent = 127u - 30u + next() % 51u;
      u = (u & 0x807FFFFFu) | (exponent << 23);
    }
    switch (i % 8) {
      case 1:
      case 3:
      case 5:
      case 7: {
        const int d = dropped[(i / 2) % 4];
        const std::uint32_t low = (1u << d) - 1u;
        const std::uint32_t tie = 1u << (d - 1);
        const std::uint32_t variants[3] = {tie, tie - 1u, tie + 1u};
        u = (u & ~low) | variants[next() % 3];
        break;
      }
      default:
        break;
    }
    bits.push_back(u);
  }
  std::vector<float> out(bits.size());
  std::memcpy(out.data(), bits.data(), bits.size() * sizeof(float));
  return out;
}

// 2. Device rounding equals host rounding.
template <class T>
void check_device_equals_host(const char* name, const float* d_in, const std::vector<float>& in) {
  using storage = typename T::storage;
  const auto n = static_cast<unsigned int>(in.size());
  storage* d_out = nullptr;
  CHECK_CUDA(cudaMalloc(&d_out, n * sizeof(storage)));
  round_kernel<T><<<blocks, threads>>>(d_in, n, d_out);
  CHECK_CUDA(cudaGetLastError());
  std::vector<storage> device(n);
  CHECK_CUDA(cudaMemcpy(device.data(), d_out, n * sizeof(storage), cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaFree(d_out));
  unsigned int bad = 0;
  for (unsigned int i = 0; i < n; ++i) {
    const storage host = T(in[i]).bits();
    if (device[i] != host) {
      if (bad == 0) {
        std::uint32_t x;
        std::memcpy(&x, &in[i], sizeof(x));
        std::printf("FAILED: %s: float 0x%08x rounds to 0x%x on the device, 0x%x on the host\n",
                    name, x, static_cast<unsigned>(device[i]), static_cast<unsigned>(host));
      }
      ++bad;
    }
  }
  if (bad != 0) {
    ++failures;
    std::printf("FAILED: %s: %u of %u device conversions differ from the host\n", name, bad, n);
  }
}

template <class Format>
void check_all_modes(const char* name, const float* d_in, const std::vector<float>& in) {
  using mixprec::floating;
  using mixprec::overflow;
  using mixprec::rounding;
  using mixprec::subnormals;
  char label[96];
  auto run = [&](auto tag, const char* mode) {
    using T = typename decltype(tag)::type;
    std::snprintf(label, sizeof(label), "%s %s", name, mode);
    check_device_equals_host<T>(label, d_in, in);
  };
  run(std::type_identity<floating<Format, rounding::nearest_even>>{}, "nearest_even");
  run(std::type_identity<floating<Format, rounding::nearest_away>>{}, "nearest_away");
  run(std::type_identity<floating<Format, rounding::toward_zero>>{}, "toward_zero");
  run(std::type_identity<floating<Format, rounding::upward>>{}, "upward");
  run(std::type_identity<floating<Format, rounding::downward>>{}, "downward");
  run(std::type_identity<floating<Format, rounding::to_odd>>{}, "to_odd");
  run(std::type_identity<floating<Format, rounding::stochastic>>{}, "stochastic");
  run(std::type_identity<floating<Format, rounding::nearest_even, overflow::saturate>>{},
      "nearest_even saturate");
  run(std::type_identity<
          floating<Format, rounding::nearest_even, overflow::standard, subnormals::flush>>{},
      "nearest_even flush");
}

// 3. Round-to-nearest-even conversions equal CUDA's, for non-NaN inputs.
template <class T>
void check_against_cuda(const char* name, const float* d_in, const std::vector<float>& in) {
  const auto n = static_cast<unsigned int>(in.size());
  std::uint32_t* d_out = nullptr;
  CHECK_CUDA(cudaMalloc(&d_out, n * sizeof(std::uint32_t)));
  cuda_round_kernel<typename T::format><<<blocks, threads>>>(d_in, n, d_out);
  CHECK_CUDA(cudaGetLastError());
  std::vector<std::uint32_t> cuda(n);
  CHECK_CUDA(cudaMemcpy(cuda.data(), d_out, n * sizeof(std::uint32_t), cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaFree(d_out));
  unsigned int bad = 0;
  for (unsigned int i = 0; i < n; ++i) {
    if (std::isnan(in[i])) {
      continue;
    }
    const std::uint32_t ours = T(in[i]).bits();
    if (cuda[i] != ours) {
      if (bad == 0) {
        std::uint32_t x;
        std::memcpy(&x, &in[i], sizeof(x));
        std::printf("FAILED: %s: float 0x%08x rounds to 0x%x, CUDA gives 0x%x\n", name, x, ours,
                    cuda[i]);
      }
      ++bad;
    }
  }
  if (bad != 0) {
    ++failures;
    std::printf("FAILED: %s: %u of %u conversions differ from CUDA's\n", name, bad, n);
  }
}

}  // namespace

int main() {
  int devices = 0;
  const cudaError_t status = cudaGetDeviceCount(&devices);
  if (status != cudaSuccess || devices == 0) {
    std::printf("skipped: no CUDA device (%s)\n",
                status != cudaSuccess ? cudaGetErrorString(status) : "device count is 0");
    return 0;
  }

  using mixprec::floating;
  using mixprec::overflow;
  using mixprec::rounding;
  namespace formats = mixprec::formats;

  static_assert(sizeof(mixprec::half) == sizeof(__half));
  static_assert(sizeof(mixprec::bfloat16) == sizeof(__nv_bfloat16));
  static_assert(sizeof(mixprec::float8_e4m3) == sizeof(__nv_fp8_e4m3));
  static_assert(sizeof(mixprec::float8_e5m2) == sizeof(__nv_fp8_e5m2));

  check_codes<mixprec::half>("half");
  check_codes<mixprec::bfloat16>("bfloat16");
  check_codes<mixprec::float8_e4m3>("float8_e4m3");
  check_codes<mixprec::float8_e5m2>("float8_e5m2");

  const std::vector<float> in = make_inputs();
  float* d_in = nullptr;
  CHECK_CUDA(cudaMalloc(&d_in, in.size() * sizeof(float)));
  CHECK_CUDA(cudaMemcpy(d_in, in.data(), in.size() * sizeof(float), cudaMemcpyHostToDevice));

  check_all_modes<formats::fp16>("half", d_in, in);
  check_all_modes<formats::bf16>("bfloat16", d_in, in);
  check_all_modes<formats::e4m3>("float8_e4m3", d_in, in);
  check_all_modes<formats::e5m2>("float8_e5m2", d_in, in);

  check_against_cuda<mixprec::half>("half vs __float2half_rn", d_in, in);
  check_against_cuda<mixprec::bfloat16>("bfloat16 vs __float2bfloat16_rn", d_in, in);
  check_against_cuda<floating<formats::e4m3, rounding::nearest_even, overflow::saturate>>(
      "float8_e4m3 (saturate) vs __nv_fp8_e4m3", d_in, in);
  check_against_cuda<floating<formats::e5m2, rounding::nearest_even, overflow::saturate>>(
      "float8_e5m2 (saturate) vs __nv_fp8_e5m2", d_in, in);

  CHECK_CUDA(cudaFree(d_in));
  CHECK_CUDA(cudaDeviceSynchronize());

  if (failures != 0) {
    std::printf("cuda interop: %d checks FAILED\n", failures);
    return 1;
  }
  std::printf("cuda interop: all checks passed (%zu float inputs)\n", in.size());
  return 0;
}
