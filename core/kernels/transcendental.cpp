#include <minidl/core/kernels/transcendental.hpp>

#include <cstring>

namespace minidl::kernels {
namespace {

// GCC/Clang vector extensions: one source for every instruction set, 16 floats per value (one
// AVX-512 register, two AVX2 or four SSE registers).
typedef float Floats __attribute__((vector_size(64)));
typedef std::int32_t Ints __attribute__((vector_size(64)));
constexpr std::int64_t lanes = 16;

#define MINIDL_TRANSCENDENTAL_INLINE __attribute__((always_inline)) inline

MINIDL_TRANSCENDENTAL_INLINE Floats splat(float value) { return Floats{} + value; }

// where `mask` (all ones or zero per lane) then `yes` else `no`. (Bitwise, as Clang 14 lacks ?:
// on these vectors.)
MINIDL_TRANSCENDENTAL_INLINE Floats select(Ints mask, Floats yes, Floats no) {
  return (Floats)((mask & (Ints)yes) | (~mask & (Ints)no));
}

// e^x: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r from Cephes's expf polynomial, 2^n put straight into
// exponent bits, in two halves so that results down into the subnormals (n to −150) and up to
// overflow come out right. ln 2 is split in two so that n·ln 2 is exact enough.
MINIDL_TRANSCENDENTAL_INLINE Floats exp16(Floats x) {
  const Floats clamped = select(x > 89.0f, splat(89.0f), select(x < -104.0f, splat(-104.0f), x));
  const Floats round_shift = splat(12582912.0f);  // 1.5·2^23: adding it rounds to an integer
  Floats n = (clamped * 1.44269504088896341f + round_shift) - round_shift;
  n = select(n == n, n, splat(0.0f));  // NaN: keep the integer conversion defined; r carries the NaN
  const Floats r = clamped - n * 0.693359375f + n * 2.12194440e-4f;
  Floats p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const Ints whole = __builtin_convertvector(n, Ints);
  const Ints half = whole >> 1;
  const Floats scaled = p * (Floats)((half + 127) << 23) * (Floats)((whole - half + 127) << 23);
  return select(x < -104.0f, splat(0.0f), scaled);
}

// tanh, computed on |x| and given x's sign (−0 stays −0): Cephes's odd polynomial below 0.625,
// where 1 − 2/(e^{2|x|} + 1) would cancel, that form above.
MINIDL_TRANSCENDENTAL_INLINE Floats tanh16(Floats x) {
  const Ints sign_bit = Ints{} + std::int32_t(0x80000000u);
  const Floats magnitude = (Floats)((Ints)x & ~sign_bit);
  const Floats z = x * x;
  Floats small = splat(-5.70498872745e-3f);
  small = small * z + 2.06390887954e-2f;
  small = small * z - 5.37397155531e-2f;
  small = small * z + 1.33314422036e-1f;
  small = small * z - 3.33332819422e-1f;
  small = small * z * magnitude + magnitude;
  const Floats large = 1.0f - 2.0f / (exp16(magnitude + magnitude) + 1.0f);
  const Floats result = select(magnitude < 0.625f, small, large);
  return (Floats)((Ints)result | ((Ints)x & sign_bit));
}

// 1/(1 + e^−x), from e = e^−|x| ≤ 1 so that nothing overflows: e/(1 + e) for negative x.
MINIDL_TRANSCENDENTAL_INLINE Floats sigmoid16(Floats x) {
  const Ints sign_bit = Ints{} + std::int32_t(0x80000000u);
  const Floats e = exp16((Floats)((Ints)x | sign_bit));
  const Floats reciprocal = 1.0f / (1.0f + e);
  return select(x < 0.0f, e * reciprocal, reciprocal);
}

// The tail goes through the same vector code (padded), so every element's result is the same
// wherever it sits in the row.
template <Floats (*f)(Floats)>
MINIDL_TRANSCENDENTAL_INLINE void map_row(const float* in, float* out, std::int64_t n) {
  std::int64_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    Floats v;
    std::memcpy(&v, in + i, sizeof v);
    v = f(v);
    std::memcpy(out + i, &v, sizeof v);
  }
  if (i == n) return;
  Floats v = splat(0.0f);
  std::memcpy(&v, in + i, std::size_t(n - i) * sizeof(float));
  v = f(v);
  std::memcpy(out + i, &v, std::size_t(n - i) * sizeof(float));
}

}  // namespace

// Chosen by CPU feature when the program loads, as the depthwise kernels.
#if defined(__x86_64__) || defined(__i386__)
#define MINIDL_TRANSCENDENTAL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MINIDL_TRANSCENDENTAL_CLONES
#endif

MINIDL_TRANSCENDENTAL_CLONES void tanh_row(const float* in, float* out, std::int64_t n) { map_row<tanh16>(in, out, n); }

MINIDL_TRANSCENDENTAL_CLONES void sigmoid_row(const float* in, float* out, std::int64_t n) { map_row<sigmoid16>(in, out, n); }

}  // namespace minidl::kernels
