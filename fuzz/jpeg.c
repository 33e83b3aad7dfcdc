// libFuzzer target over the whole JPEG decode path of Sources/CJPEG/cairn_jpeg.c, run by scripts/fuzz.sh: the header
// read, the choice of DCT scale, Cairn's 1/8 decoder with its fall-back to libjpeg, libjpeg's own decode at other
// scales, CMYK conversion and the truncation check, as a file dropped into a watched folder would take them. Debian's
// libjpeg underneath is not instrumented: the sanitizers watch the shim's code (setjmp/longjmp clean-up, buffer
// sizes, the 1/8 decoder) and catch what crashes inside the library. The header-keeping mutator (jpeg_mutator.h)
// is shared with eighth.c.
#include <stdint.h>
#include <stdlib.h>

#include "cairn_jpeg.h"

#include "jpeg_mutator.h"

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    return mutate_keeping_header(data, size, max_size, seed, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    // 16 megapixels at most, as in formats.c; 2 megapixels where libjpeg decodes at full scale, to stay fast.
    const uint64_t max_pixels = 16u << 20, max_full_pixels = 2u << 20;
    cairn_jpeg_info info;
    uint8_t *rgb = NULL;

    if (cairn_jpeg_read_info(data, size, &info) != CAIRN_JPEG_OK) return 0;
    // 1/8 scale: Cairn's decoder (exact, then DC chroma), falling back to libjpeg on anything it declines.
    if (cairn_jpeg_decode_rgb(data, size, 1, max_pixels, 0, &rgb, &info) == CAIRN_JPEG_OK) free(rgb);
    if (cairn_jpeg_decode_rgb(data, size, 1, max_pixels, CAIRN_JPEG_DC_CHROMA, &rgb, &info) == CAIRN_JPEG_OK) free(rgb);
    // What cairnd asks for (a 224-pixel short side: 1/1 to 1/8 by the image's size), and libjpeg alone at 1/8.
    if (cairn_jpeg_decode_rgb(data, size, 224, max_full_pixels, 0, &rgb, &info) == CAIRN_JPEG_OK) free(rgb);
    if (cairn_jpeg_decode_rgb(data, size, 1, max_pixels, CAIRN_JPEG_LIBJPEG_ONLY, &rgb, &info) == CAIRN_JPEG_OK)
        free(rgb);
    return 0;
}
