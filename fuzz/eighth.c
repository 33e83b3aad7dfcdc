// libFuzzer target over Cairn's own 1/8-scale JPEG entropy decoder (Sources/CJPEG/eighth.c), run by scripts/fuzz.sh.
//
// Random bytes almost never get past libjpeg's header reader, and a mutated header mostly makes a file the 1/8
// decoder declines (progressive, CMYK, odd sampling), so the custom mutator below keeps the header of the input (SOI
// up to the end of the first SOS segment) and mutates the entropy-coded data after it most of the time: every such
// input reaches the Huffman tables, the AC skipping loops and the 2x2 IDCT. One mutation in eight still changes the
// whole file, header included, to reach the table building and the plan.
//
// Besides the sanitizers, the decoder's promise is checked: when it succeeds and libjpeg decodes the same data at
// 1/8 scale without a warning, the two outputs are byte-identical (eighth.h).
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "eighth.h"

#include "jpeg_mutator.h"

// 16 megapixels at most, as in formats.c: an input declaring a huge image is refused before allocation.
static const uint64_t max_pixels = 16u << 20;

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf escape;
} error_mgr;

static void error_exit(j_common_ptr cinfo) { longjmp(((error_mgr *)cinfo->err)->escape, 1); }

static void emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) cinfo->err->num_warnings++;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    return mutate_keeping_header(data, size, max_size, seed, 8);
}

// libjpeg's own 1/8 decode of the same data into `out`; 1 when it finished without a warning.
static int decode_with_libjpeg(const uint8_t *data, size_t size, uint8_t *out, uint32_t width, uint32_t height) {
    struct jpeg_decompress_struct cinfo;
    error_mgr err;
    uint8_t *volatile row = NULL;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = error_exit;
    err.base.emit_message = emit_message;
    if (setjmp(err.escape)) {
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.scale_num = 1;
    cinfo.scale_denom = 8;
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    int ok = cinfo.output_width == width && cinfo.output_height == height && cinfo.output_components == 3;
    row = malloc((size_t)cinfo.output_width * 3);
    while (ok && row && cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rows[1] = {row};
        uint32_t y = cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, rows, 1);
        memcpy(out + (size_t)y * width * 3, row, (size_t)width * 3);
    }
    if (ok && row) jpeg_finish_decompress(&cinfo);
    ok = ok && row && err.base.num_warnings == 0;
    free(row);
    jpeg_destroy_decompress(&cinfo);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct jpeg_decompress_struct cinfo;
    error_mgr err;
    uint8_t *volatile rgb = NULL;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = error_exit;
    err.base.emit_message = emit_message;
    if (setjmp(err.escape)) {
        free(rgb);
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if ((uint64_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        return 0;
    }
    uint32_t width = (cinfo.image_width + 7) / 8, height = (cinfo.image_height + 7) / 8;
    size_t bytes = (size_t)width * height * 3;
    rgb = malloc(bytes);
    if (rgb && cairn_jpeg_decode_eighth(&cinfo, rgb, 0)) {
        uint8_t *expected = malloc(bytes);
        if (expected && decode_with_libjpeg(data, size, expected, width, height) && memcmp(rgb, expected, bytes)) {
            fprintf(stderr, "eighth: output differs from libjpeg's 1/8 decode (%ux%u)\n", width, height);
            abort();
        }
        free(expected);
    }
    if (rgb) cairn_jpeg_decode_eighth(&cinfo, rgb, 1);  // DC chroma: a different path through the chroma blocks
    jpeg_destroy_decompress(&cinfo);
    free(rgb);
    return 0;
}
