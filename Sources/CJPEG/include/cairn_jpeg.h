#ifndef CAIRN_JPEG_H
#define CAIRN_JPEG_H

#include <stddef.h>
#include <stdint.h>

/// Result codes of the libjpeg shim. libjpeg reports errors by longjmp; the shim catches them in C and
/// turns them into these codes plus a message, so no setjmp/longjmp crosses into Swift.
typedef enum {
    CAIRN_JPEG_OK = 0,
    CAIRN_JPEG_ERROR = 1,          /* libjpeg rejected the data; see message */
    CAIRN_JPEG_TOO_LARGE = 2,      /* declared size exceeds the caller's pixel limit */
    CAIRN_JPEG_NO_MEMORY = 3,
    CAIRN_JPEG_TRUNCATED = 4       /* the data ended before the image did; see message */
} cairn_jpeg_status;

/// Flags of `cairn_jpeg_decode_rgb`.
enum {
    CAIRN_JPEG_LIBJPEG_ONLY = 1,   /* never Cairn's own 1/8 decoder: tests and benchmarks compare the two */
    CAIRN_JPEG_DC_CHROMA = 2       /* Cairn's 1/8 decoder takes 4:2:0 chroma from each block's DC alone: about a
                                      fifth faster on a 12 MP phone photo, no longer libjpeg's pixels */
};

/// Which decoder produced the pixels.
typedef enum {
    CAIRN_JPEG_ENGINE_LIBJPEG = 0,
    CAIRN_JPEG_ENGINE_EIGHTH = 1   /* Cairn's 1/8-scale decoder for baseline files (eighth.c) */
} cairn_jpeg_engine;

typedef struct {
    uint32_t width;            /* declared image width in pixels */
    uint32_t height;           /* declared image height in pixels */
    int components;            /* 1 grayscale, 3 YCbCr/RGB, 4 CMYK/YCCK */
    int color_space;           /* libjpeg's J_COLOR_SPACE of the file */
    int progressive;           /* 1 when the file is progressive */
    cairn_jpeg_engine engine;  /* after a successful decode: which decoder made the pixels */
    char message[200];         /* libjpeg's message on failure, else empty */
} cairn_jpeg_info;

/// 0 when CAIRN_JPEG_LIBJPEG_ONLY in the environment has turned Cairn's 1/8 decoder off, else 1.
int cairn_jpeg_eighth_enabled(void);

/// Reads the JPEG header of `data` without decoding pixels.
cairn_jpeg_status cairn_jpeg_read_info(const uint8_t *data, size_t length, cairn_jpeg_info *info);

/// Decodes `data` to packed 8-bit RGB at the smallest DCT scale (1/1, 1/2, 1/4, 1/8) whose output's
/// short side is still at least `min_short_side`. Refuses files whose declared pixel count exceeds
/// `max_pixels` before allocating. On success `*out_rgb` holds width*height*3 bytes the caller frees
/// with `free`, and `info->width/height` are the output size.
///
/// At 1/8 scale a baseline file is decoded by Cairn's own decoder (eighth.c: it skips the AC codes libjpeg would
/// decode one by one), with output byte-identical to libjpeg's; every other file, and any file that decoder
/// finds anything wrong with, goes through libjpeg. `flags` CAIRN_JPEG_LIBJPEG_ONLY forces libjpeg;
/// CAIRN_JPEG_DC_CHROMA trades the byte-identical chroma for speed (see eighth.h).
cairn_jpeg_status cairn_jpeg_decode_rgb(const uint8_t *data, size_t length, uint32_t min_short_side,
                                        uint64_t max_pixels, int flags, uint8_t **out_rgb, cairn_jpeg_info *info);

#endif
