/* A 1/8-scale JPEG decoder for the common case: what the recognition pipeline needs from a phone photo.
 *
 * At 1/8 scale libjpeg turns each 8x8 luma block into one pixel from its DC coefficient, yet it still decodes
 * every AC code one at a time, and that Huffman loop is most of the time Cairn spends on a photo. The AC codes
 * cannot be skipped without reading them (their lengths are only known by decoding), but for the luma blocks
 * their values are not needed, so a table indexed by the next 12 bits can say how many bits the next one, two
 * or three codes with their value bits take and how many coefficients they advance, and the loop moves over
 * several coefficients per lookup. (Measured on the 12 MP bench library: 0.78x libjpeg's time per photo.)
 *
 * Chroma of 4:2:0 files is scaled by libjpeg with its 2x2 reduced IDCT (libjpeg-turbo scales chroma up in the
 * IDCT rather than by upsampling), which reads AC coefficients: those blocks are decoded in full. The output is
 * then built with the same arithmetic as libjpeg's (1x1 and 2x2 IDCT, replicating upsampling, JFIF YCbCr to RGB
 * in 16-bit fixed point), so it is byte-identical to libjpeg's 1/8 decode; EighthScaleDecoderTests check that
 * on every JPEG of the shared data.
 *
 * Tried and not kept: reading the stuffed bytes in place instead of copying the scan without them first (the
 * extra branches per refill cost more than the copy), and decoding two photos block by block in one loop.
 *
 * Anything unusual (progressive or arithmetic coding, several scans, CMYK, a bad code, data ending early, a
 * restart marker out of sequence) returns 0 and libjpeg decodes the file instead. */
#include "eighth.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum {
    LOOKUP_BITS = 12,                  /* width of the code tables' index */
    MAX_BLOCKS_PER_MCU = 10,           /* the JPEG limit */
    MAX_SCAN_COMPONENTS = 3,
    PAD_BYTES = 1024                   /* zeros after the entropy data: loads past its end stay in bounds */
};

/* One Huffman table. `code[i]` decodes the code at the head of the next LOOKUP_BITS bits: its length in the low
 * 5 bits and its symbol above bit 8; 0 when the code is longer. `pair[i]` (AC tables) says, for the same bits,
 * how far one or two complete AC codes with their value bits reach: bits and coefficients for the first code,
 * then for both (the same again when the second does not fit); 0 when not even the first fits. */
typedef struct {
    uint16_t code[1 << LOOKUP_BITS];
    uint32_t pair[1 << LOOKUP_BITS];
    uint16_t triple[1 << LOOKUP_BITS];  /* AC: up to three codes' bits (low 6) and coefficients (above) */
    int32_t max_code[18];              /* largest code of each length, -1 when none; [17] ends the search */
    int32_t value_offset[17];          /* symbol index = value_offset[length] + code */
    uint8_t symbols[256];
} huffman_table;

/* The fields of a `pair` entry. The bits both codes take sit lowest, so a shift by the entry itself (x86 shifts
 * use the count's low 6 bits) consumes them with no masking in the hot loop. */
enum { PAIR_BOTH_BITS = 0, PAIR_BOTH_STEP = 6, PAIR_FIRST_BITS = 13, PAIR_FIRST_STEP = 19 };
/* A DC table's `pair` entry: code and value bits together (lowest), then the code's length, then the value's. */
enum { DC_LENGTH = 6, DC_SIZE = 11 };

/* Zigzag position to natural (row-major) position, then 63 for positions past the block, as libjpeg has, so that a
 * run past the last coefficient of a corrupt block lands on 63 rather than outside the block. */
static uint8_t zigzag_to_natural[128];
static const uint8_t zigzag[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

/* Builds the tables of `source`; 0 when libjpeg would refuse it (too many codes, codes that do not fit their
 * length, a DC category above 15). */
static int build_table(huffman_table *table, const JHUFF_TBL *source, int is_ac) {
    int lengths[256];
    uint32_t codes[256];
    int count = 0;
    for (int length = 1; length <= 16; length++) {
        for (int i = 0; i < source->bits[length]; i++) {
            if (count == 256) return 0;
            lengths[count++] = length;
        }
    }
    uint32_t code = 0;
    int index = 0;
    for (int length = 1; length <= 16; length++) {
        table->max_code[length] = -1;
        int first = index;
        while (index < count && lengths[index] == length) codes[index++] = code++;
        if (code >= (1u << length)) return 0;   /* the all-ones code is reserved: libjpeg refuses the table */
        if (index > first) {
            table->value_offset[length] = first - (int32_t)codes[first];
            table->max_code[length] = (int32_t)codes[index - 1];
        }
        code <<= 1;
    }
    table->max_code[17] = INT32_MAX;
    memcpy(table->symbols, source->huffval, 256);
    if (!is_ac) {
        for (int i = 0; i < count; i++) {
            if (source->huffval[i] > 15) return 0;
        }
    }

    memset(table->code, 0, sizeof table->code);
    for (int i = 0; i < count; i++) {
        if (lengths[i] > LOOKUP_BITS) break;
        int shift = LOOKUP_BITS - lengths[i];
        uint16_t entry = (uint16_t)(lengths[i] | (source->huffval[i] << 8));
        for (uint32_t low = 0; low < (1u << shift); low++) table->code[(codes[i] << shift) | low] = entry;
    }
    if (!is_ac) {
        /* For DC tables `pair` says how far a code and its value bits reach together, when they fit. */
        for (uint32_t bits = 0; bits < (1u << LOOKUP_BITS); bits++) {
            uint16_t entry = table->code[bits];
            int length = entry & 31, size = (entry >> 8) & 15;
            table->pair[bits] = entry && length + size <= LOOKUP_BITS
                                    ? (uint32_t)((length + size) | (length << DC_LENGTH) | (size << DC_SIZE))
                                    : 0;
        }
        return 1;
    }

    /* A code's reach: its bits plus its value bits, and the coefficients it moves over (a zero run and one
     * coefficient; 16 for ZRL; an end of block moves past the end, 64). */
    for (uint32_t bits = 0; bits < (1u << LOOKUP_BITS); bits++) {
        uint16_t first = table->code[bits];
        int first_symbol = first >> 8, first_bits = (first & 31) + (first_symbol & 15);
        if (first == 0 || first_bits > LOOKUP_BITS) {
            table->pair[bits] = 0;
            continue;
        }
        int first_step = (first_symbol & 15) ? (first_symbol >> 4) + 1 : ((first_symbol >> 4) == 15 ? 16 : 64);
        int both_bits = first_bits, both_step = first_step;
        if (first_step < 64) {
            uint16_t second = table->code[(bits << first_bits) & ((1u << LOOKUP_BITS) - 1)];
            int second_symbol = second >> 8, second_bits = (second & 31) + (second_symbol & 15);
            if (second != 0 && first_bits + second_bits <= LOOKUP_BITS) {
                int second_step =
                    (second_symbol & 15) ? (second_symbol >> 4) + 1 : ((second_symbol >> 4) == 15 ? 16 : 64);
                both_bits += second_bits;
                both_step += second_step;
            }
        }
        if (both_step > 127) both_step = 127;
        table->pair[bits] = (uint32_t)(first_bits << PAIR_FIRST_BITS) | (uint32_t)(first_step << PAIR_FIRST_STEP) |
                            (uint32_t)(both_bits << PAIR_BOTH_BITS) | (uint32_t)(both_step << PAIR_BOTH_STEP);
    }
    /* Three codes a lookup where they fit: for the start of a block, where three steps cannot pass its end. */
    for (uint32_t bits = 0; bits < (1u << LOOKUP_BITS); bits++) {
        uint32_t pair = table->pair[bits];
        int used = (int)(pair & 63), step = (int)((pair >> PAIR_BOTH_STEP) & 127);
        int first_bits = (int)((pair >> PAIR_FIRST_BITS) & 63);
        table->triple[bits] = 0;
        if (!pair) continue;
        if (used > first_bits && step < 64) {
            uint16_t third = table->code[(bits << used) & ((1u << LOOKUP_BITS) - 1)];
            int third_symbol = third >> 8, third_bits = (third & 31) + (third_symbol & 15);
            if (third != 0 && used + third_bits <= LOOKUP_BITS) {
                used += third_bits;
                step += (third_symbol & 15) ? (third_symbol >> 4) + 1 : ((third_symbol >> 4) == 15 ? 16 : 64);
            }
        }
        if (step > 127) step = 127;
        table->triple[bits] = (uint16_t)(used | (step << 6));
    }
    return 1;
}

/* The entropy-coded data with byte stuffing removed, cut into restart intervals. */
typedef struct {
    uint8_t *bytes;
    size_t *segment_start;             /* segment i is [segment_start[i], segment_start[i + 1]) */
    size_t segments;
} clean_stream;

/* Copies the scan's data without its stuffed zero bytes, up to the first marker that is not the restart marker
 * expected next. 0 on a restart marker out of sequence, fill bytes before a stuffed zero or no memory. */
static int unstuff(const uint8_t *data, size_t length, size_t max_segments, clean_stream *out) {
    out->bytes = malloc(length + PAD_BYTES);
    out->segment_start = malloc((max_segments + 1) * sizeof(size_t));
    if (!out->bytes || !out->segment_start) return 0;
    const uint8_t *p = data, *end = data + length;
    size_t n = 0;
    out->segments = 1;
    out->segment_start[0] = 0;
    while (p < end) {
        /* Copy up to the next 0xFF: 16 bytes at a time while there is none (most of the data). */
#if defined(__SSE2__)
        const __m128i ff = _mm_set1_epi8((char)0xFF);
        while (end - p >= 16) {
            __m128i chunk = _mm_loadu_si128((const __m128i *)p);
            int found = _mm_movemask_epi8(_mm_cmpeq_epi8(chunk, ff));
            if (found) {
                int run = __builtin_ctz((unsigned)found);
                memcpy(out->bytes + n, p, (size_t)run);
                n += (size_t)run;
                p += run;
                break;
            }
            _mm_storeu_si128((__m128i *)(out->bytes + n), chunk);
            n += 16;
            p += 16;
        }
#endif
        while (p < end && *p != 0xFF) out->bytes[n++] = *p++;
        if (p + 1 >= end) break;
        uint8_t next = p[1];
        if (next == 0x00) {
            out->bytes[n++] = 0xFF;
            p += 2;
        } else if (next == 0xFF) {
            /* Fill bytes, which belong before a marker. Before a stuffed zero instead (FF FF ... FF 00: damaged data)
             * libjpeg-turbo's two Huffman decoders disagree: its slow one reads a 0xFF data byte, as here, its fast
             * one a marker, and which one runs depends on how much input its source has buffered (the same file
             * gave other pixels from memory than from a stdio file; found by fuzzing: fuzz/regressions/eighth/).
             * Declined, so the file goes to libjpeg and the output stays libjpeg's. */
            const uint8_t *fill = p + 1;
            while (fill < end && *fill == 0xFF) fill++;
            if (fill < end && *fill == 0x00) return 0;
            p += 1;
        } else if (next >= 0xD0 && next <= 0xD7) {
            if (next != 0xD0 + (out->segments - 1) % 8 || out->segments == max_segments) return 0;
            out->segment_start[out->segments++] = n;
            p += 2;
        } else {
            break;                     /* the end of the scan (EOI or the next marker) */
        }
    }
    out->segment_start[out->segments] = n;
    memset(out->bytes + n, 0, PAD_BYTES);
    return 1;
}

/* A left-aligned 64-bit buffer over the clean stream: `count` valid bits at the top. Refilled without a branch
 * per byte: the bits below `count` are already the right next bits, so topping them up again is harmless. */
typedef struct {
    const uint8_t *next;
    uint64_t bits;
    int count;
} bit_reader;

static inline uint64_t load_big_endian(const uint8_t *p) {
    uint64_t value;
    memcpy(&value, p, 8);
    return __builtin_bswap64(value);
}

static inline void refill(bit_reader *reader) {
    reader->bits |= load_big_endian(reader->next) >> reader->count;
    reader->next += (63 - reader->count) >> 3;
    reader->count |= 56;
}

static inline void consume(bit_reader *reader, int n) {
    reader->bits <<= n;
    reader->count -= n;
}

/* The next `n` (0…16) bits as an unsigned number; needs count >= n. */
static inline int take(bit_reader *reader, int n) {
    if (n == 0) return 0;
    int value = (int)(reader->bits >> (64 - n));
    consume(reader, n);
    return value;
}

/* A JPEG magnitude: `n` bits of value, the low half of the range standing for negative numbers. */
static inline int signed_value(int raw, int n) {
    return (n > 0 && raw < (1 << (n - 1))) ? raw - (1 << n) + 1 : raw;
}

/* The next symbol, or -1 for a code no table entry has; needs count >= 16. */
static inline int next_symbol(const huffman_table *table, bit_reader *reader) {
    uint16_t entry = table->code[reader->bits >> (64 - LOOKUP_BITS)];
    if (entry) {
        consume(reader, entry & 31);
        return entry >> 8;
    }
    for (int length = 1; length <= 16; length++) {
        int32_t code = (int32_t)(reader->bits >> (64 - length));
        if (code <= table->max_code[length]) {
            consume(reader, length);
            return table->symbols[(table->value_offset[length] + code) & 0xFF];
        }
    }
    return -1;
}

/* The long way for a code skip_ac's table cannot take: refill, decode, skip its value bits. -1 on a bad code. */
static inline int skip_long(const huffman_table *table, bit_reader *reader, int *k) {
    refill(reader);
    int symbol = next_symbol(table, reader);
    if (symbol < 0) return -1;
    int run = symbol >> 4, size = symbol & 15;
    if (size) {
        consume(reader, size);
        *k += run + 1;
    } else {
        *k += run == 15 ? 16 : 64;
    }
    refill(reader);
    return 0;
}

/* Moves over a block's AC codes without their values. A refill leaves at least 56 bits and a table step takes at
 * most LOOKUP_BITS, so the buffer is topped up once per four steps rather than tested before each. A code moves at
 * most 16 coefficients, so below coefficient 32 three codes of a lookup always belong to this block, and below 48
 * two: those loops need no test; the last stretch takes the second code only if the first did not end the block.
 * (Three codes a lookup: 5% faster on camera photos, no change on the noisy bench library.) -1 on a bad code. */
static inline int skip_ac(const huffman_table *table, bit_reader *reader) {
    int k = 1;
    /* The first two loops differ only in their table and limit; one helper for both (k by pointer, both tables
     * 32-bit) measured 10% slower, so they stay written out. */
    while (k < 32) {
        refill(reader);
        for (int i = 0; i < 4 && k < 32; i++) {
            uint32_t entry = table->triple[reader->bits >> (64 - LOOKUP_BITS)];
            if (entry) {
                k += entry >> 6;
                reader->bits <<= entry & 63;
                reader->count -= entry & 63;
            } else if (skip_long(table, reader, &k) < 0) {
                return -1;
            }
        }
    }
    while (k < 48) {
        refill(reader);
        for (int i = 0; i < 4 && k < 48; i++) {
            uint32_t entry = table->pair[reader->bits >> (64 - LOOKUP_BITS)];
            if (entry) {
                k += (entry >> PAIR_BOTH_STEP) & 127;
                reader->bits <<= entry & 63;
                reader->count -= entry & 63;
            } else if (skip_long(table, reader, &k) < 0) {
                return -1;
            }
        }
    }
    while (k < 64) {
        refill(reader);
        uint32_t entry = table->pair[reader->bits >> (64 - LOOKUP_BITS)];
        if (entry) {
            int first_step = (entry >> PAIR_FIRST_STEP) & 127;
            int both = k + first_step < 64;
            consume(reader, both ? (int)((entry >> PAIR_BOTH_BITS) & 63) : (int)((entry >> PAIR_FIRST_BITS) & 63));
            k += both ? (int)((entry >> PAIR_BOTH_STEP) & 127) : first_step;
        } else if (skip_long(table, reader, &k) < 0) {
            return -1;
        }
    }
    return 0;
}

/* Value of the `size`-bit (0…15) magnitude that follows a `length`-bit code at the top of `bits`; 0 for size 0. */
static inline int16_t value_after(uint64_t bits, int length, int size) {
    return (int16_t)signed_value((int)((bits << length) >> 1 >> (63 - size)), size);
}

enum { BLOCK_SLOTS = 65 };             /* a block's 64 coefficients and a slot for codes that store nothing */

/* Decodes a block's AC coefficients into `block` (natural order, zeroed by the caller), two codes a lookup when
 * they fit, as skip_ac does. Codes without a value (end of block, a run of 16 zeros) and a second code that is
 * not there write to the spare slot 64 instead of branching. Returns whether any AC coefficient was coded, or -1
 * on a bad code. */
static inline int decode_ac(const huffman_table *table, bit_reader *reader, int16_t block[BLOCK_SLOTS]) {
    int k = 1, coded = 0;
    while (k < 64) {
        if (reader->count < 32) refill(reader);
        uint32_t index = (uint32_t)(reader->bits >> (64 - LOOKUP_BITS));
        uint32_t entry = table->pair[index];
        if (entry) {
            uint64_t bits = reader->bits;
            int first_bits = (entry >> PAIR_FIRST_BITS) & 63, first_step = (entry >> PAIR_FIRST_STEP) & 127;
            int both_bits = (entry >> PAIR_BOTH_BITS) & 63, both_step = (entry >> PAIR_BOTH_STEP) & 127;
            uint16_t first = table->code[index];
            uint16_t second = table->code[(index << first_bits) & ((1u << LOOKUP_BITS) - 1)];
            int first_size = (first >> 8) & 15, second_size = (second >> 8) & 15;
            int has_second = (k + first_step < 64) & (both_bits > first_bits);
            int first_slot = first_size ? zigzag_to_natural[k + first_step - 1] : 64;
            int second_slot = has_second && second_size ? zigzag_to_natural[(k + both_step - 1) & 127] : 64;
            block[first_slot] = value_after(bits, first & 31, first_size);
            block[second_slot] = value_after(bits << first_bits, second & 31, second_size);
            coded |= first_size | (has_second & second_size);
            consume(reader, has_second ? both_bits : first_bits);
            k += has_second ? both_step : first_step;
            continue;
        }
        int symbol = next_symbol(table, reader);
        if (symbol < 0) return -1;
        int run = symbol >> 4, size = symbol & 15;
        if (size) {
            k += run;
            block[zigzag_to_natural[k]] = (int16_t)signed_value(take(reader, size), size);
            coded = 1;
            k++;
        } else if (run == 15) {
            k += 16;
        } else {
            break;
        }
    }
    return coded != 0;
}

/* libjpeg's range limit after the IDCT: the low 10 bits of a level shifted by 128, clamped, wrapping as
 * libjpeg's table does for values far out of range. */
static uint8_t idct_limit[1024];
/* The clamp after colour conversion, for sums in [-256, 511]. */
static uint8_t clamp_table[768];
/* JFIF YCbCr to RGB in 16-bit fixed point, rounded as libjpeg rounds. */
static int cr_to_r[256], cb_to_b[256];
static int32_t cr_to_g[256], cb_to_g[256];

static int32_t fixed16(double x) { return (int32_t)(x * 65536.0 + 0.5); }

static void build_shared_tables(void) {
    for (int k = 0; k < 128; k++) zigzag_to_natural[k] = k < 64 ? zigzag[k] : 63;
    for (int v = 0; v < 1024; v++) {
        int x = v < 512 ? v : v - 1024;        /* the signed value these 10 bits stand for */
        int level = x + 128;
        idct_limit[v] = (uint8_t)(level < 0 ? 0 : level > 255 ? 255 : level);
        /* libjpeg's table wraps: from 512 on, values read as negative. */
    }
    for (int i = 0; i < 768; i++) {
        int x = i - 256;
        clamp_table[i] = (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
    }
    for (int i = 0; i < 256; i++) {
        int64_t x = i - 128;
        cr_to_r[i] = (int)((fixed16(1.40200) * x + (1 << 15)) >> 16);
        cb_to_b[i] = (int)((fixed16(1.77200) * x + (1 << 15)) >> 16);
        cr_to_g[i] = (int32_t)(-fixed16(0.71414) * x);
        cb_to_g[i] = (int32_t)(-fixed16(0.34414) * x + (1 << 15));
    }
}

static pthread_once_t shared_tables_once = PTHREAD_ONCE_INIT;

/* libjpeg's 1x1 IDCT: the dequantised DC, descaled by 8, level-shifted. */
static inline uint8_t idct_1x1(int dc, int16_t quant) {
    int value = (int16_t)dc * quant;
    return idct_limit[((value + 4) >> 3) & 1023];
}

/* The constants of libjpeg's 2x2 reduced IDCT (13 fractional bits): sqrt(2) times sums of cos(k*pi/16). */
enum { CONST_BITS = 13, PASS1_BITS = 2 };
static int64_t idct2_c1, idct2_c3, idct2_c5, idct2_c7;

static void build_idct_constants(void) {
    double c[8];
    for (int k = 0; k < 8; k++) c[k] = cos(k * M_PI / 16);
    double s = sqrt(2.0), one = (double)(1 << CONST_BITS);
    idct2_c1 = (int64_t)(s * (c[1] + c[3] + c[5] + c[7]) * one + 0.5);     /* 29692 */
    idct2_c3 = -(int64_t)(s * (c[1] - c[3] + c[5] + c[7]) * one + 0.5);    /* -10426 */
    idct2_c5 = (int64_t)(s * (-c[1] + c[3] + c[5] + c[7]) * one + 0.5);    /* 6967 */
    idct2_c7 = -(int64_t)(s * (c[1] - c[3] + c[5] - c[7]) * one + 0.5);    /* -5906 */
}

static inline int64_t descale(int64_t x, int n) { return (x + ((int64_t)1 << (n - 1))) >> n; }

/* libjpeg's 2x2 reduced IDCT: columns 0, 1, 3, 5, 7 then two rows, from rows/columns 0, 1, 3, 5, 7 of the
 * dequantised block; `out` gets the 2x2 samples, rows `stride` apart.
 *
 * libjpeg-turbo runs this IDCT in SSE2 with 16-bit lanes: it dequantises with a 16-bit multiply, saturates the
 * first pass to 16 bits and clamps the result, where its C code (and this one) keeps 32 bits and wraps the result
 * through the 1024-entry range-limit table. The two agree as long as every dequantised coefficient and every
 * first-pass value fits in 16 bits and each result is within [-512, 511]; an encoder's data always is (its
 * coefficients come from 8-bit samples), damaged data need not be (found by fuzzing: fuzz/regressions/eighth/).
 * Returns 0 for such a block, and the file goes to libjpeg, so the output stays libjpeg's. */
static int idct_2x2(const int16_t *block, const int16_t *quant, uint8_t *out, size_t stride) {
    static const int used[5] = {0, 1, 3, 5, 7};
    int work[2][8] = {{0}};
    for (int u = 0; u < 5; u++) {
        int col = used[u];
        int64_t dq[8];
        for (int r = 0; r < 5; r++) {
            int row = used[r];
            dq[row] = (int64_t)block[row * 8 + col] * quant[row * 8 + col];
            if (dq[row] < INT16_MIN || dq[row] > INT16_MAX) return 0;
        }
        int64_t even = dq[0] * ((int64_t)1 << (CONST_BITS + 2));
        int64_t odd = dq[7] * idct2_c7 + dq[5] * idct2_c5 + dq[3] * idct2_c3 + dq[1] * idct2_c1;
        int64_t top = descale(even + odd, CONST_BITS - PASS1_BITS + 2);
        int64_t bottom = descale(even - odd, CONST_BITS - PASS1_BITS + 2);
        if (top < INT16_MIN || top > INT16_MAX || bottom < INT16_MIN || bottom > INT16_MAX) return 0;
        work[0][col] = (int)top;
        work[1][col] = (int)bottom;
    }
    int64_t samples[2][2];
    for (int row = 0; row < 2; row++) {
        const int *w = work[row];
        int64_t even = (int64_t)w[0] * ((int64_t)1 << (CONST_BITS + 2));
        int64_t odd = (int64_t)w[7] * idct2_c7 + (int64_t)w[5] * idct2_c5 + (int64_t)w[3] * idct2_c3 +
                      (int64_t)w[1] * idct2_c1;
        int shift = CONST_BITS + PASS1_BITS + 3 + 2;
        samples[row][0] = descale(even + odd, shift);
        samples[row][1] = descale(even - odd, shift);
        if (samples[row][0] < -512 || samples[row][0] > 511 || samples[row][1] < -512 || samples[row][1] > 511) {
            return 0;
        }
    }
    for (int row = 0; row < 2; row++) {
        out[row * stride + 0] = idct_limit[(int)samples[row][0] & 1023];
        out[row * stride + 1] = idct_limit[(int)samples[row][1] & 1023];
    }
    return 1;
}

static void build_all_shared_tables(void) {
    build_shared_tables();
    build_idct_constants();
}

/* What the decode of one component needs. */
typedef struct {
    int h, v;                          /* sampling factors */
    int scale;                         /* samples per block side at 1/8 scale: 1, or 2 where libjpeg scales
                                          chroma up in the IDCT */
    int dc_table, ac_table;            /* indexes into the decoder's tables */
    const int16_t *quant;              /* natural order, as libjpeg multiplies: 16-bit */
    int16_t quant_values[64];
    uint8_t *plane;                    /* samples, `stride` per row */
    size_t stride;
    int expand_x, expand_y;            /* output pixels per sample */
} component_plan;

typedef struct {
    huffman_table *tables[4];          /* DC 0, 1 then AC 0, 1 (baseline has two of each) */
    component_plan components[MAX_SCAN_COMPONENTS];
    int component_count;
    clean_stream stream;
} decoder;

static void release(decoder *d) {
    for (int i = 0; i < 4; i++) free(d->tables[i]);
    for (int c = 0; c < d->component_count; c++) free(d->components[c].plane);
    free(d->stream.bytes);
    free(d->stream.segment_start);
}

static huffman_table *table_for(decoder *d, const struct jpeg_decompress_struct *cinfo, int is_ac, int number) {
    if (number < 0 || number > 1) return NULL;
    int slot = is_ac * 2 + number;
    if (d->tables[slot]) return d->tables[slot];
    const JHUFF_TBL *source = is_ac ? cinfo->ac_huff_tbl_ptrs[number] : cinfo->dc_huff_tbl_ptrs[number];
    if (!source) return NULL;
    huffman_table *table = malloc(sizeof *table);
    if (!table) return NULL;
    if (!build_table(table, source, is_ac)) {
        free(table);
        return NULL;
    }
    d->tables[slot] = table;
    return table;
}

/* The per-component plan, as libjpeg's master control would choose it at 1/8 scale; 0 when the file is not one
 * this decoder handles. */
static int plan(decoder *d, const struct jpeg_decompress_struct *cinfo, int mcus_x, int mcus_y, int dc_chroma) {
    if (cinfo->progressive_mode || cinfo->arith_code || cinfo->data_precision != 8) return 0;
    if (cinfo->comps_in_scan != cinfo->num_components) return 0;
    int gray = cinfo->num_components == 1 && cinfo->jpeg_color_space == JCS_GRAYSCALE;
    int ycc = cinfo->num_components == 3 && cinfo->jpeg_color_space == JCS_YCbCr;
    if (!gray && !ycc) return 0;
    d->component_count = cinfo->num_components;
    int blocks = 0;
    for (int c = 0; c < d->component_count; c++) {
        const jpeg_component_info *info = cinfo->cur_comp_info[c];
        if (info != &cinfo->comp_info[c]) return 0;      /* scan order differs from frame order */
        component_plan *p = &d->components[c];
        p->h = gray ? 1 : info->h_samp_factor;
        p->v = gray ? 1 : info->v_samp_factor;
        blocks += p->h * p->v;
        int max_h = gray ? 1 : cinfo->max_h_samp_factor, max_v = gray ? 1 : cinfo->max_v_samp_factor;
        /* libjpeg scales a component up in the IDCT by powers of two while its sampling allows. */
        int scale = 1;
        while (scale < 8 && max_h % (p->h * scale * 2) == 0 && max_v % (p->v * scale * 2) == 0) scale *= 2;
        if (scale > 2) return 0;
        if (dc_chroma && c > 0) scale = 1;  /* one sample per block from its DC, repeated by `convert` */
        p->scale = scale;
        if (max_h % (p->h * scale) || max_v % (p->v * scale)) return 0;
        p->expand_x = max_h / (p->h * scale);
        p->expand_y = max_v / (p->v * scale);
        if ((p->expand_x & (p->expand_x - 1)) || (p->expand_y & (p->expand_y - 1))) return 0;
        const JQUANT_TBL *quant = info->quant_tbl_no >= 0 && info->quant_tbl_no < NUM_QUANT_TBLS
                                      ? cinfo->quant_tbl_ptrs[info->quant_tbl_no]
                                      : NULL;
        if (!quant) return 0;
        for (int i = 0; i < 64; i++) p->quant_values[i] = (int16_t)quant->quantval[i];
        p->quant = p->quant_values;
        if (!table_for(d, cinfo, 0, info->dc_tbl_no) || !table_for(d, cinfo, 1, info->ac_tbl_no)) return 0;
        p->dc_table = info->dc_tbl_no;
        p->ac_table = 2 + info->ac_tbl_no;
        p->stride = (size_t)mcus_x * (size_t)p->h * (size_t)scale;
        p->plane = malloc(p->stride * (size_t)mcus_y * (size_t)p->v * (size_t)scale);
        if (!p->plane) return 0;
    }
    return blocks <= MAX_BLOCKS_PER_MCU;
}

/* Bit position of the reader within the clean stream. */
static inline size_t position(const decoder *d, const bit_reader *reader) {
    return (size_t)(reader->next - d->stream.bytes) * 8 - (size_t)reader->count;
}

static void start_segment(decoder *d, bit_reader *reader, size_t segment) {
    reader->next = d->stream.bytes + d->stream.segment_start[segment];
    reader->bits = 0;
    reader->count = 0;
    refill(reader);
}

/* The next DC difference; -1 on a bad code. Needs count >= 32. */
static inline int dc_difference(const huffman_table *table, bit_reader *reader) {
    uint64_t bits = reader->bits;
    uint32_t entry = table->pair[bits >> (64 - LOOKUP_BITS)];
    if (entry) {
        consume(reader, entry & 63);
        int size = (entry >> DC_SIZE) & 15;
        return signed_value((int)((bits << ((entry >> DC_LENGTH) & 31)) >> 1 >> (63 - size)), size);
    }
    int size = next_symbol(table, reader);
    if (size < 0) return INT32_MIN;
    return signed_value(take(reader, size), size);
}

/* One block of an MCU: its component, tables and where its samples go relative to the MCU's corner. */
typedef struct {
    int component;
    const huffman_table *dc, *ac;
    const component_plan *plan;
    size_t offset;                     /* from the MCU's corner in the component's plane */
} block_plan;

/* Entropy-decodes every MCU into the component planes. 0 on a bad code or data that runs out. */
static int decode_scan(decoder *d, int mcus_x, int mcus_y, unsigned restart_interval) {
    block_plan blocks[MAX_BLOCKS_PER_MCU];
    int block_count = 0;
    for (int c = 0; c < d->component_count; c++) {
        const component_plan *p = &d->components[c];
        for (int by = 0; by < p->v; by++) {
            for (int bx = 0; bx < p->h; bx++) {
                blocks[block_count++] = (block_plan){
                    c, d->tables[p->dc_table], d->tables[p->ac_table], p,
                    (size_t)by * p->scale * p->stride + (size_t)bx * p->scale};
            }
        }
    }
    size_t segment = 0;
    bit_reader reader;
    start_segment(d, &reader, 0);
    int predictions[MAX_SCAN_COMPONENTS] = {0};
    unsigned left_in_interval = restart_interval;
    const uint8_t *limit = d->stream.bytes + d->stream.segment_start[d->stream.segments] + 256;
    int16_t block[BLOCK_SLOTS];
    for (int my = 0; my < mcus_y; my++) {
        uint8_t *corner[MAX_SCAN_COMPONENTS];
        for (int c = 0; c < d->component_count; c++) {
            const component_plan *p = &d->components[c];
            corner[c] = p->plane + (size_t)my * p->v * p->scale * p->stride;
        }
        for (int mx = 0; mx < mcus_x; mx++) {
            if (restart_interval) {
                if (left_in_interval == 0) {
                    if (position(d, &reader) > d->stream.segment_start[segment + 1] * 8) return 0;
                    if (++segment >= d->stream.segments) return 0;
                    start_segment(d, &reader, segment);
                    memset(predictions, 0, sizeof predictions);
                    left_in_interval = restart_interval;
                }
                left_in_interval--;
            }
            for (int b = 0; b < block_count; b++) {
                const block_plan *bp = &blocks[b];
                const component_plan *p = bp->plan;
                refill(&reader);
                int difference = dc_difference(bp->dc, &reader);
                if (difference == INT32_MIN) return 0;
                int dc = predictions[bp->component] += difference;
                uint8_t *out = corner[bp->component] + bp->offset;
                if (p->scale == 1) {
                    if (skip_ac(bp->ac, &reader) < 0) return 0;
                    *out = idct_1x1(dc, p->quant[0]);
                } else {
                    memset(block, 0, sizeof block);
                    block[0] = (int16_t)dc;
                    int coded = decode_ac(bp->ac, &reader, block);
                    if (coded < 0) return 0;
                    if (coded) {
                        if (!idct_2x2(block, p->quant, out, p->stride)) return 0;
                    } else {
                        /* DC only: libjpeg's 2x2 IDCT gives its 1x1 value four times, within the range where its
                         * C and SIMD code agree (see idct_2x2). */
                        int value = ((int16_t)dc * p->quant[0] + 4) >> 3;
                        if (value < -512 || value > 511) return 0;
                        out[0] = out[1] = out[p->stride] = out[p->stride + 1] = idct_1x1(dc, p->quant[0]);
                    }
                }
                if (reader.next > limit) return 0;
            }
            for (int c = 0; c < d->component_count; c++) {
                corner[c] += (size_t)d->components[c].h * d->components[c].scale;
            }
        }
    }
    return position(d, &reader) <= d->stream.segment_start[segment + 1] * 8;
}

static inline int log2_of(int power_of_two) { return __builtin_ctz((unsigned)power_of_two); }

/* JFIF YCbCr to RGB for one row whose three planes are already at output resolution (4:2:0 and 4:4:4 at 1/8):
 * libjpeg's tables written out as arithmetic (the same 16-bit fixed-point products and rounding), so the compiler
 * can vectorise it. */
static void convert_row(const uint8_t *luma, const uint8_t *cb, const uint8_t *cr, uint8_t *out, uint32_t width) {
    const int32_t r_cr = fixed16(1.40200), g_cb = fixed16(0.34414), g_cr = fixed16(0.71414), b_cb = fixed16(1.77200);
    for (uint32_t x = 0; x < width; x++) {
        int32_t l = luma[x], b = cb[x] - 128, r = cr[x] - 128;
        int32_t red = l + ((r_cr * r + (1 << 15)) >> 16);
        int32_t green = l + ((-g_cb * b + (1 << 15) - g_cr * r) >> 16);
        int32_t blue = l + ((b_cb * b + (1 << 15)) >> 16);
        out[3 * x + 0] = (uint8_t)(red < 0 ? 0 : red > 255 ? 255 : red);
        out[3 * x + 1] = (uint8_t)(green < 0 ? 0 : green > 255 ? 255 : green);
        out[3 * x + 2] = (uint8_t)(blue < 0 ? 0 : blue > 255 ? 255 : blue);
    }
}

/* Replicating upsampling and colour conversion of the planes into packed RGB. */
static void convert(const decoder *d, uint8_t *rgb, uint32_t width, uint32_t height) {
    const component_plan *y_plan = &d->components[0];
    int y_shift_x = log2_of(y_plan->expand_x), y_shift_y = log2_of(y_plan->expand_y);
    for (uint32_t y = 0; y < height; y++) {
        const uint8_t *luma = y_plan->plane + (y >> y_shift_y) * y_plan->stride;
        uint8_t *out = rgb + (size_t)y * width * 3;
        if (d->component_count == 1) {
            for (uint32_t x = 0; x < width; x++) {
                uint8_t g = luma[x >> y_shift_x];
                out[3 * x] = out[3 * x + 1] = out[3 * x + 2] = g;
            }
            continue;
        }
        const component_plan *cb_plan = &d->components[1], *cr_plan = &d->components[2];
        int cb_shift_x = log2_of(cb_plan->expand_x), cr_shift_x = log2_of(cr_plan->expand_x);
        const uint8_t *cb = cb_plan->plane + (y >> log2_of(cb_plan->expand_y)) * cb_plan->stride;
        const uint8_t *cr = cr_plan->plane + (y >> log2_of(cr_plan->expand_y)) * cr_plan->stride;
        if (y_shift_x == 0 && cb_shift_x == 0 && cr_shift_x == 0) {
            convert_row(luma, cb, cr, out, width);
            continue;
        }
        for (uint32_t x = 0; x < width; x++) {
            int l = luma[x >> y_shift_x], b = cb[x >> cb_shift_x], r = cr[x >> cr_shift_x];
            out[3 * x + 0] = clamp_table[256 + l + cr_to_r[r]];
            out[3 * x + 1] = clamp_table[256 + l + (int)((cb_to_g[b] + cr_to_g[r]) >> 16)];
            out[3 * x + 2] = clamp_table[256 + l + cb_to_b[b]];
        }
    }
}

int cairn_jpeg_decode_eighth(const struct jpeg_decompress_struct *cinfo, uint8_t *rgb, int dc_chroma) {
    pthread_once(&shared_tables_once, build_all_shared_tables);
    decoder d;
    memset(&d, 0, sizeof d);
    int ok = 0;
    uint32_t width = (cinfo->image_width + 7) / 8, height = (cinfo->image_height + 7) / 8;
    int max_h = cinfo->num_components == 1 ? 1 : cinfo->max_h_samp_factor;
    int max_v = cinfo->num_components == 1 ? 1 : cinfo->max_v_samp_factor;
    if (max_h < 1 || max_v < 1 || max_h > 4 || max_v > 4 || width == 0 || height == 0) return 0;
    int mcus_x = (int)((cinfo->image_width + 8 * max_h - 1) / (8 * max_h));
    int mcus_y = (int)((cinfo->image_height + 8 * max_v - 1) / (8 * max_v));
    size_t mcus = (size_t)mcus_x * (size_t)mcus_y;
    size_t intervals = cinfo->restart_interval ? (mcus + cinfo->restart_interval - 1) / cinfo->restart_interval : 1;
    if (plan(&d, cinfo, mcus_x, mcus_y, dc_chroma) &&
        unstuff(cinfo->src->next_input_byte, cinfo->src->bytes_in_buffer, intervals, &d.stream) &&
        decode_scan(&d, mcus_x, mcus_y, cinfo->restart_interval)) {
        convert(&d, rgb, width, height);
        ok = 1;
    }
    release(&d);
    return ok;
}
