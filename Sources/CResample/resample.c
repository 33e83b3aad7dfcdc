#include "cairn_resample.h"

#include <string.h>

/* The loops below are written so the compiler vectorises them without changing any result: products are added in
 * tap order, from 0, per output value; no fused multiply-add (-ffp-contract=off in Package.swift). */

typedef float v4f __attribute__((vector_size(16)));

/* Four consecutive floats from anywhere (an RGB pixel and the next pixel's red, which is ignored). */
static inline v4f load4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store3(float *p, v4f v)
{
    p[0] = v[0];
    p[1] = v[1];
    p[2] = v[2];
}

/* One source row: bytes to floats, then each output pixel's taps. A pixel's three channels are summed in the lanes
 * of one vector, and four output pixels at a time, so the sums run side by side instead of each waiting for its
 * previous add; each lane still adds its products in tap order from 0. `row` has one float of padding. */
static void horizontal_row(
    const uint8_t *restrict src, int32_t width, float *restrict row, float *restrict out, int32_t new_width,
    cairn_taps h)
{
    for (int32_t i = 0; i < width * 3; i++) row[i] = (float)src[i];
    row[width * 3] = 0;
    const int32_t taps = h.taps;
    int32_t x = 0;
    for (; x + 4 <= new_width; x += 4) {
        const float *w = h.weights + (ptrdiff_t)x * taps;
        const float *s0 = row + (ptrdiff_t)h.starts[x] * 3, *s1 = row + (ptrdiff_t)h.starts[x + 1] * 3;
        const float *s2 = row + (ptrdiff_t)h.starts[x + 2] * 3, *s3 = row + (ptrdiff_t)h.starts[x + 3] * 3;
        v4f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int32_t i = 0; i < taps; i++) {
            a0 += w[i] * load4(s0 + 3 * i);
            a1 += w[taps + i] * load4(s1 + 3 * i);
            a2 += w[2 * taps + i] * load4(s2 + 3 * i);
            a3 += w[3 * taps + i] * load4(s3 + 3 * i);
        }
        store3(out + 3 * x, a0);
        store3(out + 3 * x + 3, a1);
        store3(out + 3 * x + 6, a2);
        store3(out + 3 * x + 9, a3);
    }
    for (; x < new_width; x++) {
        const float *w = h.weights + (ptrdiff_t)x * taps;
        const float *s = row + (ptrdiff_t)h.starts[x] * 3;
        v4f a = {0};
        for (int32_t i = 0; i < taps; i++) a += w[i] * load4(s + 3 * i);
        store3(out + 3 * x, a);
    }
}

/* Clamped to 0…255, rounded half away from zero: for 0 ≤ v < 256, v − trunc(v) is exact. */
static inline uint8_t rounded_byte(float value)
{
    float v = value < 0 ? 0 : (value > 255 ? 255 : value);
    int32_t whole = (int32_t)v;
    return (uint8_t)(v - (float)whole >= 0.5f ? whole + 1 : whole);
}

int cairn_resample_rgb(
    const uint8_t *source, int32_t width, int32_t height, ptrdiff_t row_bytes,
    uint8_t *destination, int32_t new_width, int32_t new_height,
    cairn_taps horizontal, cairn_taps vertical, float *scratch)
{
    for (int32_t x = 0; x < new_width; x++) {
        if (horizontal.starts[x] < 0 || horizontal.starts[x] + horizontal.taps > width) return -1;
    }
    for (int32_t y = 0; y < new_height; y++) {
        if (vertical.starts[y] < 0 || vertical.starts[y] + vertical.taps > height) return -1;
    }
    const ptrdiff_t stride = (ptrdiff_t)new_width * 3;
    const int32_t taps = vertical.taps;
    float *ring = scratch;                                 /* (taps, new_width, 3): source row r in slot r % taps */
    float *row = scratch + (ptrdiff_t)taps * stride;       /* (width, 3) + 1 */
    float *sum = row + (ptrdiff_t)width * 3 + 1;           /* (new_width, 3) */
    /* Output row y reads source rows starts[y] ..< starts[y] + taps, and the starts only grow: each source row is
     * resampled horizontally once, into a ring of `taps` rows that stays in the cache, when first needed. */
    int64_t next = INT64_MIN / 2;                          /* rows next - taps ..< next are in the ring */
    for (int32_t y = 0; y < new_height; y++) {
        const int32_t first = vertical.starts[y];
        if (first < next - taps || first > next) next = first;  /* nothing it needs is in the ring */
        for (; next < (int64_t)first + taps; next++) {
            horizontal_row(source + (ptrdiff_t)next * row_bytes, width, row, ring + (ptrdiff_t)(next % taps) * stride,
                new_width, horizontal);
        }
        for (ptrdiff_t x = 0; x < stride; x++) sum[x] = 0;
        for (int32_t i = 0; i < taps; i++) {
            const float weight = vertical.weights[(ptrdiff_t)y * taps + i];
            const float *restrict m = ring + (ptrdiff_t)((first + i) % taps) * stride;
            for (ptrdiff_t x = 0; x < stride; x++) sum[x] += weight * m[x];
        }
        uint8_t *restrict d = destination + (ptrdiff_t)y * stride;
        for (ptrdiff_t x = 0; x < stride; x++) d[x] = rounded_byte(sum[x]);
    }
    return 0;
}
