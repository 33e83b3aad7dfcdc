#include "cairn_kernels.h"

#include <stdint.h>
#include <string.h>

/* The kernels once per instruction set (kernel_body.h), each instance compiled for its target. */
#define SUFFIX sse2
#define VL 4
#define MR 6
#include "kernel_body.h"
#undef SUFFIX
#undef VL
#undef MR

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define SUFFIX avx2
#define VL 8
#define MR 6
#include "kernel_body.h"
#undef SUFFIX
#undef VL
#undef MR
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))), apply_to = function)
#define SUFFIX avx512
#define VL 16
#define MR 12
#include "kernel_body.h"
#undef SUFFIX
#undef VL
#undef MR
#pragma clang attribute pop
#endif

cairn_isa cairn_isa_best(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq"))
        return CAIRN_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CAIRN_ISA_AVX2;
#endif
    return CAIRN_ISA_SSE2;
}

const char *cairn_isa_name(cairn_isa isa) {
    switch (isa) {
    case CAIRN_ISA_AVX512: return "AVX-512";
    case CAIRN_ISA_AVX2: return "AVX2";
    default: return "SSE2";
    }
}

/* An instruction set the CPU lacks falls back to the best it has, so a wrong argument cannot crash the process. */
static cairn_isa usable(cairn_isa isa) {
    cairn_isa best = cairn_isa_best();
    return isa > best || isa < CAIRN_ISA_SSE2 ? best : isa;
}

size_t cairn_pointwise_packed_count(cairn_isa isa, int cin, int cout) {
    switch (usable(isa)) {
#if defined(__x86_64__)
    case CAIRN_ISA_AVX512: return packed_count_avx512(cin, cout);
    case CAIRN_ISA_AVX2: return packed_count_avx2(cin, cout);
#endif
    default: return packed_count_sse2(cin, cout);
    }
}

void cairn_pointwise_pack(cairn_isa isa, const float *weight, const float *bias, int cin, int cout, float *packed) {
    switch (usable(isa)) {
#if defined(__x86_64__)
    case CAIRN_ISA_AVX512: pack_avx512(weight, bias, cin, cout, packed); return;
    case CAIRN_ISA_AVX2: pack_avx2(weight, bias, cin, cout, packed); return;
#endif
    default: pack_sse2(weight, bias, cin, cout, packed); return;
    }
}

void cairn_pointwise(cairn_isa isa, const float *in, int rows, int cin, const float *packed, int cout, int relu6,
                     const float *residual, float *out) {
    switch (usable(isa)) {
#if defined(__x86_64__)
    case CAIRN_ISA_AVX512: pointwise_avx512(in, rows, cin, packed, cout, relu6, residual, out); return;
    case CAIRN_ISA_AVX2: pointwise_avx2(in, rows, cin, packed, cout, relu6, residual, out); return;
#endif
    default: pointwise_sse2(in, rows, cin, packed, cout, relu6, residual, out); return;
    }
}

void cairn_depthwise(cairn_isa isa, const float *in, int height, int width, int channels, const float *weight,
                     const float *bias, int kernel, int stride, float *out) {
    int oh = (height + stride - 1) / stride;
    cairn_depthwise_rows(isa, in, 0, height, width, channels, weight, bias, kernel, stride, 0, oh, out);
}

void cairn_depthwise_input_rows(int height, int kernel, int stride, int oy0, int oy1, int *first, int *last) {
    int oh = (height + stride - 1) / stride;
    int pad = (oh - 1) * stride + kernel - height;
    int padTop = pad > 0 ? pad / 2 : 0;
    int y0 = oy0 * stride - padTop, y1 = (oy1 - 1) * stride - padTop + kernel - 1;
    *first = y0 < 0 ? 0 : y0;
    *last = y1 > height - 1 ? height - 1 : y1;
}

void cairn_depthwise_rows(cairn_isa isa, const float *in, int first, int height, int width, int channels,
                          const float *weight, const float *bias, int kernel, int stride, int oy0, int oy1,
                          float *out) {
    /* TensorFlow "same": output ⌈size/stride⌉, total padding split with the extra row/column after. */
    int oh = (height + stride - 1) / stride, ow = (width + stride - 1) / stride;
    int padH = (oh - 1) * stride + kernel - height, padW = (ow - 1) * stride + kernel - width;
    int padTop = padH > 0 ? padH / 2 : 0, padLeft = padW > 0 ? padW / 2 : 0;
    if (oy0 < 0) oy0 = 0;
    if (oy1 > oh) oy1 = oh;
    switch (usable(isa)) {
#if defined(__x86_64__)
    case CAIRN_ISA_AVX512:
        depthwise_avx512(in, first, height, width, channels, weight, bias, kernel, stride, padTop, padLeft, oy0, oy1,
                         ow, out);
        return;
    case CAIRN_ISA_AVX2:
        depthwise_avx2(in, first, height, width, channels, weight, bias, kernel, stride, padTop, padLeft, oy0, oy1,
                       ow, out);
        return;
#endif
    default:
        depthwise_sse2(in, first, height, width, channels, weight, bias, kernel, stride, padTop, padLeft, oy0, oy1,
                       ow, out);
        return;
    }
}
