// libFuzzer target over the whole JPEG decode path of Sources/CJPEG/cairn_jpeg.c, run by scripts/fuzz.sh: the header
// read, the choice of DCT scale, Cairn's 1/8 decoder with its fall-back to libjpeg, libjpeg's own decode at other
// scales, CMYK conversion and the truncation check, as a file dropped into a watched folder would take them. Debian's
// libjpeg underneath is not instrumented: the sanitizers watch the shim's code (setjmp/longjmp clean-up, buffer
// sizes, the 1/8 decoder) and catch what crashes inside the library. The header-keeping mutator is eighth.c's.
#include <stdint.h>
#include <stdlib.h>

#include "cairn_jpeg.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

// Offset just past the first SOS segment (where the entropy-coded data starts), or 0 when there is none.
static size_t entropy_start(const uint8_t *data, size_t size) {
    if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return 0;
    size_t p = 2;
    while (p + 4 <= size) {
        if (data[p] != 0xFF) return 0;
        uint8_t marker = data[p + 1];
        if (marker == 0xFF) {
            p++;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
            p += 2;
            continue;
        }
        size_t length = (size_t)data[p + 2] << 8 | data[p + 3];
        if (length < 2 || p + 2 + length > size) return 0;
        p += 2 + length;
        if (marker == 0xDA) return p;
    }
    return 0;
}

// Half the mutations keep the header and change only the entropy-coded data (the decoders' inner loops); the other
// half change the whole file (markers, tables, sizes: the header reader and the choice of decoder).
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    size_t header = entropy_start(data, size);
    if (header == 0 || header >= max_size || seed % 2 == 0) return LLVMFuzzerMutate(data, size, max_size);
    return header + LLVMFuzzerMutate(data + header, size - header, max_size - header);
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
