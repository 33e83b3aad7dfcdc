#ifndef CAIRN_RESAMPLE_H
#define CAIRN_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

/// Separable resampling of 8-bit RGB with precomputed filter taps (CairnImaging computes them): output pixel x of a
/// row reads source pixels starts[x] ..< starts[x] + taps with weights weights[x * taps ..< (x + 1) * taps].
typedef struct {
    const int32_t *starts;   /* (count) first source index of each output index */
    const float *weights;    /* (count, taps) normalised weights, zero-padded to `taps` */
    int32_t taps;
} cairn_taps;

/// Resamples the `width`×`height` RGB image at `source` (rows `row_bytes` apart) to `new_width`×`new_height` RGB
/// bytes at `destination`: a horizontal pass into floats, then a vertical pass rounded to bytes (half away from
/// zero, clamped to 0…255). Every sum adds the same products in the same order, from 0, as a plain per-pixel loop,
/// so the result does not depend on the instruction set. The vertical starts should not decrease (a start that does
/// costs its rows again). `scratch` holds (vertical.taps + 1) × new_width × 3 + width × 3 + 1 floats. Returns 0, or
/// -1 (nothing written) when a tap lies outside the image.
int cairn_resample_rgb(
    const uint8_t *source, int32_t width, int32_t height, ptrdiff_t row_bytes,
    uint8_t *destination, int32_t new_width, int32_t new_height,
    cairn_taps horizontal, cairn_taps vertical, float *scratch);

#endif
