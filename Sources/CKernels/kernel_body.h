/* One instruction set's kernels. kernels.c includes this file once per instruction set, after defining:
 *   SUFFIX  name suffix of the functions (sse2, avx2, avx512)
 *   VL      floats per vector
 *   MR      rows of the pointwise kernel's register tile (accumulators: MR × 2 vectors)
 * and with the matching target attribute applied to every function (#pragma clang attribute). No include guard:
 * that is the point. */

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUFFIX)
#define VF FN(vf)

typedef float VF __attribute__((vector_size(VL * 4)));

static inline VF FN(load)(const float *p) { VF v; memcpy(&v, p, sizeof v); return v; }
static inline void FN(store)(float *p, VF v) { memcpy(p, &v, sizeof v); }
/* x − (+0) is x for every x (−0 included), so this folds to a single broadcast. */
static inline VF FN(splat)(float x) { return x - (VF){0}; }
static inline VF FN(relu6)(VF v) {
    VF zero = {0};
    return __builtin_elementwise_min(__builtin_elementwise_max(v, zero), zero + 6.0f);
}

/* Packed layout: bias padded to a whole vector, then the columns in panels of 2 vectors (the last panel 1 vector
 * when at most one is left), each panel k-major: panel[k][j] = weight[k][col0 + j], zero past cout. */
static size_t FN(packed_count)(int cin, int cout) {
    size_t padded = ((size_t)cout + VL - 1) / VL * VL;
    return padded + padded * (size_t)cin;
}

static void FN(pack)(const float *weight, const float *bias, int cin, int cout, float *packed) {
    size_t padded = ((size_t)cout + VL - 1) / VL * VL;
    for (size_t c = 0; c < padded; c++) packed[c] = c < (size_t)cout ? bias[c] : 0;
    float *panels = packed + padded;
    for (int col0 = 0; col0 < cout; col0 += 2 * VL) {
        int width = cout - col0 > VL ? 2 * VL : VL;
        float *panel = panels + (size_t)col0 * cin;
        for (int k = 0; k < cin; k++)
            for (int j = 0; j < width; j++)
                panel[(size_t)k * width + j] = col0 + j < cout ? weight[(size_t)k * cout + col0 + j] : 0;
    }
}

/* MR rows × NV vectors of output over the whole of cin, accumulators in registers. Input rows are `cin` apart
 * (row r at in + r·cin: the compiler keeps one pointer per row in a register); output and residual rows are
 * `stride` apart. `columns` output columns are stored; a partial last vector is stored lane by lane. */
#define POINTWISE_TILE(NV)                                                                                         \
    static inline void FN(tile##NV)(const float *in, int cin, const float *panel, const float *bias, int columns, \
                                    int relu6, const float *residual, float *out, int stride) {                   \
        VF acc[MR][NV];                                                                                            \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {                                         \
            VF b = FN(load)(bias + v * VL);                                                                        \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) acc[r][v] = b;                         \
        }                                                                                                          \
        for (int k = 0; k < cin; k++) {                                                                            \
            /* The weights come from memory once per image (the late layers' are megabytes): fetch ahead. */       \
            _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++)                                        \
                __builtin_prefetch(panel + ((k + 32) * NV + v) * VL);                                              \
            VF w[NV];                                                                                              \
            _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) w[v] = FN(load)(panel + (k * NV + v) * VL); \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {                                      \
                VF x = FN(splat)(in[(size_t)r * cin + k]);                                                         \
                _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) acc[r][v] += x * w[v];             \
            }                                                                                                      \
        }                                                                                                          \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {                                          \
            _Pragma("clang loop unroll(full)") for (int v = 0; v < NV; v++) {                                      \
                VF a = acc[r][v];                                                                                  \
                if (relu6) a = FN(relu6)(a);                                                                       \
                int lanes = columns - v * VL;                                                                      \
                float *o = out + (size_t)r * stride + v * VL;                                                      \
                const float *res = residual ? residual + (size_t)r * stride + v * VL : 0;                          \
                if (lanes >= VL) {                                                                                 \
                    if (res) a += FN(load)(res);                                                                   \
                    FN(store)(o, a);                                                                               \
                } else {                                                                                           \
                    float t[VL];                                                                                   \
                    memcpy(t, &a, sizeof t);                                                                       \
                    for (int i = 0; i < lanes; i++) o[i] = t[i] + (res ? res[i] : 0);                              \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }
POINTWISE_TILE(1)
POINTWISE_TILE(2)
#undef POINTWISE_TILE

/* Rows [first, first + count) of one column panel, fewer than MR: a vector loop per row, both vectors of the
 * panel in one pass over the weights, with two accumulators each so the additions do not wait on each other. */
static void FN(pointwise_tail)(const float *in, int first, int count, int cin, const float *packed, int cout,
                               int col0, int relu6, const float *residual, float *out) {
    size_t padded = ((size_t)cout + VL - 1) / VL * VL;
    int width = cout - col0 > VL ? 2 : 1;
    const float *panel = packed + padded + (size_t)col0 * cin;
    for (int r = first; r < first + count; r++) {
        const float *x = in + (size_t)r * cin;
        VF acc[2][2] = {{FN(load)(packed + col0), (VF){0}}, {FN(load)(packed + col0 + (width - 1) * VL), (VF){0}}};
        int k = 0;
        for (; k + 1 < cin; k += 2) {
            /* One row streams the whole weight matrix (the classifier at batch 1: 5 MB): prefetch well ahead. */
            const float *ahead = panel + (size_t)(k + 64) * width * VL;
            for (int line = 0; line < 2 * width * VL; line += 16) __builtin_prefetch(ahead + line);
            VF x0 = FN(splat)(x[k]), x1 = FN(splat)(x[k + 1]);
            for (int v = 0; v < width; v++) {
                acc[v][0] += x0 * FN(load)(panel + (k * width + v) * VL);
                acc[v][1] += x1 * FN(load)(panel + ((k + 1) * width + v) * VL);
            }
        }
        for (; k < cin; k++)
            for (int v = 0; v < width; v++) acc[v][0] += FN(splat)(x[k]) * FN(load)(panel + (k * width + v) * VL);
        for (int v = 0; v < width; v++) {
            VF a = acc[v][0] + acc[v][1];
            if (relu6) a = FN(relu6)(a);
            float t[VL];
            memcpy(t, &a, sizeof t);
            int lanes = cout - col0 - v * VL < VL ? cout - col0 - v * VL : VL;
            size_t at = (size_t)r * cout + col0 + v * VL;
            for (int i = 0; i < lanes; i++) out[at + i] = t[i] + (residual ? residual[at + i] : 0);
        }
    }
}

/* Rows [r0, r0 + MR) of one column panel. */
static inline void FN(pointwise_tile)(const float *in, int r0, int cin, const float *packed, int cout, int col0,
                                      int relu6, const float *residual, float *out) {
    size_t padded = ((size_t)cout + VL - 1) / VL * VL;
    int columns = cout - col0 < 2 * VL ? cout - col0 : 2 * VL;
    const float *panel = packed + padded + (size_t)col0 * cin;
    const float *res = residual ? residual + (size_t)r0 * cout + col0 : 0;
    float *o = out + (size_t)r0 * cout + col0;
    if (columns > VL)
        FN(tile2)(in + (size_t)r0 * cin, cin, panel, packed + col0, columns, relu6, res, o, cout);
    else
        FN(tile1)(in + (size_t)r0 * cin, cin, panel, packed + col0, columns, relu6, res, o, cout);
}

static void FN(pointwise)(const float *in, int rows, int cin, const float *packed, int cout, int relu6,
                          const float *residual, float *out) {
    int whole = rows / MR * MR;
    if (cout > rows) {
        /* More weights than input (the late, small layers): each column panel once, kept in cache across all the
         * rows, so the weights are read from memory once per image. */
        for (int col0 = 0; col0 < cout; col0 += 2 * VL) {
            for (int r0 = 0; r0 < whole; r0 += MR)
                FN(pointwise_tile)(in, r0, cin, packed, cout, col0, relu6, residual, out);
            FN(pointwise_tail)(in, whole, rows - whole, cin, packed, cout, col0, relu6, residual, out);
        }
    } else {
        /* More input than weights (the early, large layers): a block of rows stays in cache across the panels. */
        for (int r0 = 0; r0 < whole; r0 += MR)
            for (int col0 = 0; col0 < cout; col0 += 2 * VL)
                FN(pointwise_tile)(in, r0, cin, packed, cout, col0, relu6, residual, out);
        for (int col0 = 0; col0 < cout; col0 += 2 * VL)
            FN(pointwise_tail)(in, whole, rows - whole, cin, packed, cout, col0, relu6, residual, out);
    }
}

/* K×K depthwise at stride S over one block of VL channels, weights held in registers across the image. Inside
 * the image, four neighbouring outputs of a row are computed together: each input vector loaded serves every
 * output whose window covers it (for 3×3 at stride 1, 18 loads for 4 outputs instead of 36). */
#define DEPTHWISE(K, S)                                                                                            \
    static void FN(depthwise##K##s##S)(const float *in, int first, int h, int w, int c, int c0,                   \
                                       const float *weight, const float *bias, int padTop, int padLeft, int oy0,  \
                                       int oy1, int ow, float *out) {                                             \
        VF wv[K * K];                                                                                              \
        for (int i = 0; i < K * K; i++) wv[i] = FN(load)(weight + (size_t)i * c + c0);                             \
        VF b = FN(load)(bias + c0);                                                                                \
        for (int oy = oy0; oy < oy1; oy++) {                                                                       \
            int y0 = oy * S - padTop;                                                                              \
            int ox = 0;                                                                                            \
            for (; ox < ow; ox++) {                                                                                \
                int x0 = ox * S - padLeft;                                                                         \
                if (x0 >= 0 && ox + 4 <= ow && x0 + 3 * S + K <= w) {                                              \
                    VF a0 = b, a1 = b, a2 = b, a3 = b;                                                             \
                    _Pragma("clang loop unroll(full)") for (int ky = 0; ky < K; ky++) {                            \
                        if (y0 + ky < 0 || y0 + ky >= h) continue;                                                 \
                        const float *row = in + ((ptrdiff_t)(y0 + ky - first) * w + x0) * c + c0;                  \
                        VF x[3 * S + K];                                                                           \
                        _Pragma("clang loop unroll(full)") for (int j = 0; j < 3 * S + K; j++)                     \
                            x[j] = FN(load)(row + (ptrdiff_t)j * c);                                               \
                        _Pragma("clang loop unroll(full)") for (int kx = 0; kx < K; kx++) {                        \
                            VF wk = wv[ky * K + kx];                                                               \
                            a0 += x[kx] * wk;                                                                      \
                            a1 += x[S + kx] * wk;                                                                  \
                            a2 += x[2 * S + kx] * wk;                                                              \
                            a3 += x[3 * S + kx] * wk;                                                              \
                        }                                                                                          \
                    }                                                                                              \
                    float *o = out + ((size_t)oy * ow + ox) * c + c0;                                              \
                    FN(store)(o, FN(relu6)(a0));                                                                   \
                    FN(store)(o + c, FN(relu6)(a1));                                                               \
                    FN(store)(o + 2 * (size_t)c, FN(relu6)(a2));                                                   \
                    FN(store)(o + 3 * (size_t)c, FN(relu6)(a3));                                                   \
                    ox += 3;                                                                                       \
                    continue;                                                                                      \
                }                                                                                                  \
                VF acc = b;                                                                                        \
                for (int ky = 0; ky < K; ky++) {                                                                   \
                    if (y0 + ky < 0 || y0 + ky >= h) continue;                                                     \
                    for (int kx = 0; kx < K; kx++) {                                                               \
                        if (x0 + kx < 0 || x0 + kx >= w) continue;                                                 \
                        acc += FN(load)(in + ((ptrdiff_t)(y0 + ky - first) * w + x0 + kx) * c + c0)              \
                               * wv[ky * K + kx];                                                                 \
                    }                                                                                              \
                }                                                                                                  \
                FN(store)(out + ((size_t)oy * ow + ox) * c + c0, FN(relu6)(acc));                                  \
            }                                                                                                      \
        }                                                                                                          \
    }
DEPTHWISE(3, 1)
DEPTHWISE(3, 2)
DEPTHWISE(5, 1)
DEPTHWISE(5, 2)
#undef DEPTHWISE

/* Output rows [oy0, oy1) of a depthwise convolution over an image of h rows, of which `in` holds rows
 * first … (every row those output rows read). */
static void FN(depthwise)(const float *in, int first, int h, int w, int c, const float *weight, const float *bias,
                          int k, int stride, int padTop, int padLeft, int oy0, int oy1, int ow, float *out) {
    int c0 = 0;
    if ((k == 3 || k == 5) && (stride == 1 || stride == 2)) {
        /* An input larger than the core's cache goes output row by output row, and within a row one channel
         * vector after the other: the input rows a row needs stay in cache while every channel vector passes over
         * them. A smaller one goes channel vector by channel vector over all the rows, weights in registers. */
        int vectors = c / VL;
        int inputRows = (oy1 - oy0 - 1) * stride + k;
        int rowsPerPass = (size_t)inputRows * w * c * sizeof(float) > (1u << 20) ? 1 : oy1 - oy0;
        for (int oy = oy0; oy < oy1; oy += rowsPerPass) {
            int end = oy + rowsPerPass < oy1 ? oy + rowsPerPass : oy1;
            for (int v = 0; v < vectors; v++) {
                int cv = v * VL;
                if (k == 3 && stride == 1)
                    FN(depthwise3s1)(in, first, h, w, c, cv, weight, bias, padTop, padLeft, oy, end, ow, out);
                else if (k == 3)
                    FN(depthwise3s2)(in, first, h, w, c, cv, weight, bias, padTop, padLeft, oy, end, ow, out);
                else if (stride == 1)
                    FN(depthwise5s1)(in, first, h, w, c, cv, weight, bias, padTop, padLeft, oy, end, ow, out);
                else
                    FN(depthwise5s2)(in, first, h, w, c, cv, weight, bias, padTop, padLeft, oy, end, ow, out);
            }
        }
        c0 = vectors * VL;
    }
    for (; c0 < c; c0++) {  /* channels past the last whole vector, and shapes without a vector path */
        for (int oy = oy0; oy < oy1; oy++)
            for (int ox = 0; ox < ow; ox++) {
                float sum = bias[c0];
                for (int ky = 0; ky < k; ky++) {
                    int y = oy * stride - padTop + ky;
                    if (y < 0 || y >= h) continue;
                    for (int kx = 0; kx < k; kx++) {
                        int x = ox * stride - padLeft + kx;
                        if (x < 0 || x >= w) continue;
                        sum += in[((size_t)(y - first) * w + x) * c + c0] * weight[(size_t)(ky * k + kx) * c + c0];
                    }
                }
                out[((size_t)oy * ow + ox) * c + c0] = sum < 0 ? 0 : sum > 6 ? 6 : sum;
            }
    }
}

#undef VF
#undef FN
#undef CAT
#undef CAT_
