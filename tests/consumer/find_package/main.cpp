// A program that uses mixprec as a consumer would: converts 1.0f to a half and
// checks its encoding. Exits non-zero on failure.
#include <cstdio>
#include <mixprec/mixprec.hpp>

int main() {
  const mixprec::half h{1.0f};
  if (h.bits() != 0x3C00) {
    std::printf("consumer: mixprec::half{1.0f}.bits() == 0x%04x, expected 0x3c00\n",
                static_cast<unsigned>(h.bits()));
    return 1;
  }
  if (static_cast<float>(h) != 1.0f) {
    std::printf("consumer: float(mixprec::half{1.0f}) != 1.0f\n");
    return 1;
  }
  std::printf("consumer: ok (mixprec::half{1.0f}.bits() == 0x3c00)\n");
  return 0;
}
