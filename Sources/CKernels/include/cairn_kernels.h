#ifndef CAIRN_KERNELS_H
#define CAIRN_KERNELS_H

/* The backbone's convolution kernels, compiled once per instruction set and chosen at run time.
 *
 * Swift has no per-function target features: a Swift loop compiled for baseline x86-64 can only use 128-bit SSE,
 * and compiling the module for AVX-512 would make the binary crash on older CPUs. These kernels are compiled three
 * times (SSE2, AVX2 + FMA, AVX-512) from one source (kernel_body.h); the caller names the instruction set,
 * normally the best the CPU has (cairn_isa_best). Activations are channels-last: (rows, channels) row-major. */

#include <stddef.h>

typedef enum {
    CAIRN_ISA_SSE2 = 0,    /* every x86-64 CPU: 4 floats per vector */
    CAIRN_ISA_AVX2 = 1,    /* AVX2 and FMA (Haswell, Zen and later): 8 floats */
    CAIRN_ISA_AVX512 = 2,  /* AVX-512 F/VL/BW/DQ (Skylake-X, Zen 4 and later): 16 floats */
} cairn_isa;

/* The best instruction set this CPU supports (non-x86 builds: SSE2 names the portable vector code). */
cairn_isa cairn_isa_best(void);
const char *cairn_isa_name(cairn_isa isa);

/* Floats a packed pointwise convolution takes: its bias and weights, laid out for `isa`'s kernel. */
size_t cairn_pointwise_packed_count(cairn_isa isa, int cin, int cout);

/* Packs weight (cin, cout) row-major and bias (cout) for cairn_pointwise on `isa`. */
void cairn_pointwise_pack(cairn_isa isa, const float *weight, const float *bias, int cin, int cout, float *packed);

/* out (rows, cout) = in (rows, cin) · weight + bias, then ReLU6 when relu6 is non-zero, then + residual (rows, cout)
 * when residual is not NULL. `packed` comes from cairn_pointwise_pack for the same isa, cin and cout. out must not
 * overlap in or residual. */
void cairn_pointwise(cairn_isa isa, const float *in, int rows, int cin, const float *packed, int cout, int relu6,
                     const float *residual, float *out);

/* Depthwise k×k convolution (vectorised for k = 3 and 5; any k and stride work) with TensorFlow "same" padding, + bias, ReLU6:
 * in (height, width, channels), weight (k, k, channels), bias (channels), out (⌈height/stride⌉, ⌈width/stride⌉,
 * channels). */
void cairn_depthwise(cairn_isa isa, const float *in, int height, int width, int channels, const float *weight,
                     const float *bias, int kernel, int stride, float *out);

/* Output rows [oy0, oy1) of the same convolution, reading only the input rows they need: `in` holds the input's
 * rows first … last as given by cairn_depthwise_input_rows (channels-last, `width` pixels each), `out` is the whole
 * output. For running an expansion and its depthwise convolution band by band, so the expanded rows stay in
 * cache. */
void cairn_depthwise_rows(cairn_isa isa, const float *in, int first, int height, int width, int channels,
                          const float *weight, const float *bias, int kernel, int stride, int oy0, int oy1,
                          float *out);

/* The input rows first … last (inclusive, clamped to the image) that output rows [oy0, oy1) read. */
void cairn_depthwise_input_rows(int height, int kernel, int stride, int oy0, int oy1, int *first, int *last);

#endif
