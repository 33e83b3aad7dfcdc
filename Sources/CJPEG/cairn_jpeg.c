#include "cairn_jpeg.h"
#include "eighth.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/* libjpeg's error manager longjmps back here; nothing of this leaves the C target. */
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    char *message;
    int truncated;   /* libjpeg hit the end of the data before the image was complete */
} cairn_error_mgr;

static void cairn_error_exit(j_common_ptr cinfo) {
    cairn_error_mgr *err = (cairn_error_mgr *)cinfo->err;
    if (err->message) {
        (*cinfo->err->format_message)(cinfo, err->message);
    }
    longjmp(err->escape, 1);
}

/* Warnings (corrupt data that libjpeg recovers from) are kept, not printed to stderr. */
static void cairn_emit_message(j_common_ptr cinfo, int level) {
    cairn_error_mgr *err = (cairn_error_mgr *)cinfo->err;
    if (level < 0 && err->message && err->message[0] == '\0') {
        (*cinfo->err->format_message)(cinfo, err->message);
    }
    if (level < 0) {
        cinfo->err->num_warnings++;
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
            err->truncated = 1;
        }
    }
}

/* CAIRN_JPEG_LIBJPEG_ONLY=1 in the environment turns Cairn's 1/8 decoder off everywhere: for benchmarks that
 * compare the two, and as a way out should it ever misbehave on some file. */
static int libjpeg_only_from_environment;
static pthread_once_t environment_once = PTHREAD_ONCE_INIT;

static void read_environment(void) {
    const char *value = getenv("CAIRN_JPEG_LIBJPEG_ONLY");
    libjpeg_only_from_environment = value && value[0] && strcmp(value, "0") != 0;
}

static int libjpeg_only_requested(void) {
    pthread_once(&environment_once, read_environment);
    return libjpeg_only_from_environment;
}

int cairn_jpeg_eighth_enabled(void) { return !libjpeg_only_requested(); }

static void fill_info(struct jpeg_decompress_struct *cinfo, cairn_jpeg_info *info) {
    info->width = cinfo->image_width;
    info->height = cinfo->image_height;
    info->components = cinfo->num_components;
    info->color_space = (int)cinfo->jpeg_color_space;
    info->progressive = cinfo->progressive_mode ? 1 : 0;
}

cairn_jpeg_status cairn_jpeg_read_info(const uint8_t *data, size_t length, cairn_jpeg_info *info) {
    struct jpeg_decompress_struct cinfo;
    cairn_error_mgr err;
    memset(info, 0, sizeof(*info));
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = cairn_error_exit;
    err.base.emit_message = cairn_emit_message;
    err.message = info->message;
    err.truncated = 0;
    if (setjmp(err.escape)) {
        jpeg_destroy_decompress(&cinfo);
        return CAIRN_JPEG_ERROR;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_read_header(&cinfo, TRUE);
    fill_info(&cinfo, info);
    info->message[0] = '\0';
    jpeg_destroy_decompress(&cinfo);
    return CAIRN_JPEG_OK;
}

cairn_jpeg_status cairn_jpeg_decode_rgb(const uint8_t *data, size_t length, uint32_t min_short_side,
                                        uint64_t max_pixels, int flags, uint8_t **out_rgb, cairn_jpeg_info *info) {
    struct jpeg_decompress_struct cinfo;
    cairn_error_mgr err;
    /* volatile: these change between setjmp and a possible longjmp. */
    uint8_t *volatile rgb = NULL;
    uint8_t *volatile row = NULL;
    memset(info, 0, sizeof(*info));
    *out_rgb = NULL;
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = cairn_error_exit;
    err.base.emit_message = cairn_emit_message;
    err.message = info->message;
    err.truncated = 0;
    if (setjmp(err.escape)) {
        free(rgb);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return CAIRN_JPEG_ERROR;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_read_header(&cinfo, TRUE);
    fill_info(&cinfo, info);
    if ((uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height > max_pixels) {
        snprintf(info->message, sizeof(info->message), "declared size %ux%u exceeds the limit of %llu pixels",
                 cinfo.image_width, cinfo.image_height, (unsigned long long)max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return CAIRN_JPEG_TOO_LARGE;
    }

    /* The smallest DCT scale whose output short side is still >= min_short_side. */
    uint32_t short_side = cinfo.image_width < cinfo.image_height ? cinfo.image_width : cinfo.image_height;
    unsigned int denom = 8;
    while (denom > 1 && (short_side + denom - 1) / denom < min_short_side) {
        denom /= 2;
    }
    if (denom == 8 && !(flags & CAIRN_JPEG_LIBJPEG_ONLY) && !libjpeg_only_requested()) {
        /* The common case of a phone photo: Cairn's own 1/8 decoder, byte-identical to libjpeg's unless asked for
         * DC chroma (eighth.c).
         * Anything it does not handle, or any damage, falls through to libjpeg below. */
        uint32_t w = (cinfo.image_width + 7) / 8, h = (cinfo.image_height + 7) / 8;
        rgb = malloc((size_t)w * h * 3);
        if (rgb && cairn_jpeg_decode_eighth(&cinfo, rgb, (flags & CAIRN_JPEG_DC_CHROMA) != 0)) {
            jpeg_destroy_decompress(&cinfo);
            info->message[0] = '\0';
            info->width = w;
            info->height = h;
            info->engine = CAIRN_JPEG_ENGINE_EIGHTH;
            *out_rgb = rgb;
            return CAIRN_JPEG_OK;
        }
        free(rgb);
        rgb = NULL;
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = denom;
    cinfo.dct_method = JDCT_ISLOW;
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;

    jpeg_start_decompress(&cinfo);
    uint32_t w = cinfo.output_width, h = cinfo.output_height;
    int nc = cinfo.output_components;
    rgb = malloc((size_t)w * h * 3);
    row = malloc((size_t)w * (size_t)nc);
    if (!rgb || !row) {
        free(rgb);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return CAIRN_JPEG_NO_MEMORY;
    }
    while (cinfo.output_scanline < h) {
        uint32_t y = cinfo.output_scanline;
        JSAMPROW rows[1] = {row};
        jpeg_read_scanlines(&cinfo, rows, 1);
        uint8_t *dst = rgb + (size_t)y * w * 3;
        if (cmyk) {
            /* Adobe writes inverted CMYK: RGB = C*K/255 on the stored (inverted) values. */
            for (uint32_t x = 0; x < w; x++) {
                unsigned k = row[x * 4 + 3];
                dst[x * 3 + 0] = (uint8_t)(row[x * 4 + 0] * k / 255);
                dst[x * 3 + 1] = (uint8_t)(row[x * 4 + 1] * k / 255);
                dst[x * 3 + 2] = (uint8_t)(row[x * 4 + 2] * k / 255);
            }
        } else {
            memcpy(dst, row, (size_t)w * 3);
        }
    }
    if (err.truncated) {
        /* libjpeg filled the missing rows with grey; the photo is damaged, not just noisy. */
        free(rgb);
        free(row);
        jpeg_destroy_decompress(&cinfo);
        return CAIRN_JPEG_TRUNCATED;
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    info->message[0] = '\0';
    info->width = w;
    info->height = h;
    *out_rgb = rgb;
    return CAIRN_JPEG_OK;
}
