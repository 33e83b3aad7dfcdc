// libFuzzer target over the format shims of Sources/CFormats (PNG, WebP, TIFF, JPEG XL, camera raw previews):
// every input goes through each probe and decode, as any file dropped into a watched folder could. Run by
// scripts/fuzz.sh. The Debian libraries underneath are not instrumented: the sanitizers watch the shims' own code
// (size checks, buffer handling, pixel conversion) and catch what crashes inside the libraries.
#include <stdint.h>
#include <stdlib.h>

#include "cairn_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    // 16 megapixels at most: a fuzzer's input declaring a huge image is refused before allocation, as in cairnd.
    const uint64_t max_pixels = 16u << 20;
    cairn_format_info info;
    uint8_t *out = NULL;
    size_t length = 0;

    cairn_png_probe(data, size, &info);
    if (cairn_png_decode(data, size, max_pixels, &out, &info) == CAIRN_FORMAT_OK) free(out);
    cairn_webp_probe(data, size, &info);
    if (cairn_webp_decode(data, size, max_pixels, 0, 0, &out, &info) == CAIRN_FORMAT_OK) free(out);
    if (cairn_webp_decode(data, size, max_pixels, 33, 17, &out, &info) == CAIRN_FORMAT_OK) free(out);
    cairn_tiff_probe(data, size, &info);
    if (cairn_tiff_decode(data, size, max_pixels, &out, &info) == CAIRN_FORMAT_OK) free(out);
    cairn_jxl_probe(data, size, &info);
    if (cairn_jxl_decode(data, size, max_pixels, &out, &info) == CAIRN_FORMAT_OK) free(out);
    cairn_raw_probe(data, size, &info);
    if (cairn_raw_preview(data, size, max_pixels, &out, &length, &info) == CAIRN_FORMAT_OK) free(out);
    return 0;
}
