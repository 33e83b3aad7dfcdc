// The photo formats Cairn reads through Debian's libraries, each behind two calls (probe, decode) with one error
// convention: a status, the library's own message, and nothing printed. Sizes are checked against the caller's
// pixel limit, with overflow-checked arithmetic, before any pixel buffer is allocated.
#include "formats_internal.h"

#include <jxl/decode.h>
#include <spng.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <webp/decode.h>

void cairn_format_say(cairn_format_info *info, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(info->message, sizeof info->message, format, args);
    va_end(args);
}

#define say cairn_format_say

static void clear(cairn_format_info *info) { memset(info, 0, sizeof *info); }

#define checked_size cairn_format_checked_size

/// width × height × channels in bytes, or 0 when it overflows or exceeds the limit (then `info` says why).
size_t cairn_format_checked_size(uint64_t width, uint64_t height, uint64_t channels, uint64_t max_pixels,
                                 cairn_format_info *info, cairn_format_status *status) {
    if (width == 0 || height == 0) {
        say(info, "the image has no size (%llux%llu)", (unsigned long long)width, (unsigned long long)height);
        *status = CAIRN_FORMAT_CORRUPT;
        return 0;
    }
    if (width > UINT32_MAX || height > UINT32_MAX || width * height > max_pixels) {
        say(info, "declared size %llux%llu exceeds the limit of %llu pixels", (unsigned long long)width,
            (unsigned long long)height, (unsigned long long)max_pixels);
        *status = CAIRN_FORMAT_TOO_LARGE;
        return 0;
    }
    uint64_t bytes = width * height * channels;
    if (bytes / channels / height != width || bytes > SIZE_MAX) {
        say(info, "declared size %llux%llu is too large to address", (unsigned long long)width,
            (unsigned long long)height);
        *status = CAIRN_FORMAT_TOO_LARGE;
        return 0;
    }
    *status = CAIRN_FORMAT_OK;
    return (size_t)bytes;
}

// MARK: PNG (libspng)

static cairn_format_status png_status(int error, cairn_format_info *info) {
    say(info, "%s", spng_strerror(error));
    switch (error) {
    case SPNG_EMEM: return CAIRN_FORMAT_NO_MEMORY;
    case SPNG_IO_EOF:
    case SPNG_EOF:
    case SPNG_EIDAT_TOO_SHORT: return CAIRN_FORMAT_TRUNCATED;
    case SPNG_EOVERFLOW:
    case SPNG_EWIDTH:
    case SPNG_EHEIGHT:
    case SPNG_EUSER_WIDTH:
    case SPNG_EUSER_HEIGHT: return CAIRN_FORMAT_TOO_LARGE;
    default: return CAIRN_FORMAT_CORRUPT;
    }
}

static spng_ctx *png_open(const uint8_t *data, size_t length, struct spng_ihdr *ihdr, cairn_format_info *info,
                          cairn_format_status *status) {
    spng_ctx *ctx = spng_ctx_new(0);
    if (!ctx) {
        say(info, "out of memory");
        *status = CAIRN_FORMAT_NO_MEMORY;
        return NULL;
    }
    // Text and other ancillary chunks are capped: a photo's metadata fits in 8 MB, a chunk bomb does not.
    spng_set_chunk_limits(ctx, 8u << 20, 32u << 20);
    int error = spng_set_png_buffer(ctx, data, length);
    if (!error) error = spng_get_ihdr(ctx, ihdr);
    if (error) {
        *status = png_status(error, info);
        spng_ctx_free(ctx);
        return NULL;
    }
    info->width = ihdr->width;
    info->height = ihdr->height;
    *status = CAIRN_FORMAT_OK;
    return ctx;
}

cairn_format_status cairn_png_probe(const uint8_t *data, size_t length, cairn_format_info *info) {
    clear(info);
    struct spng_ihdr ihdr;
    cairn_format_status status;
    spng_ctx *ctx = png_open(data, length, &ihdr, info, &status);
    if (ctx) spng_ctx_free(ctx);
    return status;
}

cairn_format_status cairn_png_decode(const uint8_t *data, size_t length, uint64_t max_pixels, uint8_t **out,
                                     cairn_format_info *info) {
    clear(info);
    *out = NULL;
    struct spng_ihdr ihdr;
    cairn_format_status status;
    spng_ctx *ctx = png_open(data, length, &ihdr, info, &status);
    if (!ctx) return status;
    size_t bytes = checked_size(ihdr.width, ihdr.height, 3, max_pixels, info, &status);
    size_t decoded = 0;
    int error = bytes ? spng_decoded_image_size(ctx, SPNG_FMT_RGB8, &decoded) : 0;
    if (bytes && (error || decoded != bytes)) {
        status = error ? png_status(error, info) : CAIRN_FORMAT_CORRUPT;
        if (!error) say(info, "unexpected decoded size");
        bytes = 0;
    }
    uint8_t *rgb = bytes ? malloc(bytes) : NULL;
    if (bytes && !rgb) {
        say(info, "out of memory");
        status = CAIRN_FORMAT_NO_MEMORY;
    } else if (rgb) {
        // 16-bit samples are reduced to 8, palettes and grey expanded; alpha is dropped (Cairn looks at colour).
        error = spng_decode_image(ctx, rgb, bytes, SPNG_FMT_RGB8, 0);
        if (error) {
            status = png_status(error, info);
            free(rgb);
            rgb = NULL;
        }
    }
    spng_ctx_free(ctx);
    *out = rgb;
    return rgb ? CAIRN_FORMAT_OK : status;
}

const char *cairn_png_version(void) { return spng_version_string(); }

// MARK: WebP (libwebp)

static cairn_format_status webp_status(VP8StatusCode code, cairn_format_info *info) {
    switch (code) {
    case VP8_STATUS_OUT_OF_MEMORY: say(info, "out of memory"); return CAIRN_FORMAT_NO_MEMORY;
    case VP8_STATUS_NOT_ENOUGH_DATA: say(info, "the data ends early"); return CAIRN_FORMAT_TRUNCATED;
    case VP8_STATUS_UNSUPPORTED_FEATURE: say(info, "a feature libwebp does not decode"); return CAIRN_FORMAT_UNSUPPORTED;
    case VP8_STATUS_INVALID_PARAM: say(info, "invalid parameter"); return CAIRN_FORMAT_CORRUPT;
    default: say(info, "bitstream error (libwebp status %d)", (int)code); return CAIRN_FORMAT_CORRUPT;
    }
}

static cairn_format_status webp_features(const uint8_t *data, size_t length, WebPBitstreamFeatures *features,
                                         cairn_format_info *info) {
    VP8StatusCode code = WebPGetFeatures(data, length, features);
    if (code != VP8_STATUS_OK) return webp_status(code, info);
    info->width = (uint32_t)features->width;
    info->height = (uint32_t)features->height;
    if (features->has_animation) {
        say(info, "animated WebP (Cairn reads still images)");
        return CAIRN_FORMAT_UNSUPPORTED;
    }
    return CAIRN_FORMAT_OK;
}

cairn_format_status cairn_webp_probe(const uint8_t *data, size_t length, cairn_format_info *info) {
    clear(info);
    WebPBitstreamFeatures features;
    return webp_features(data, length, &features, info);
}

cairn_format_status cairn_webp_decode(const uint8_t *data, size_t length, uint64_t max_pixels,
                                      uint32_t scaled_width, uint32_t scaled_height, uint8_t **out,
                                      cairn_format_info *info) {
    clear(info);
    *out = NULL;
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        say(info, "libwebp version mismatch");
        return CAIRN_FORMAT_CORRUPT;
    }
    cairn_format_status status = webp_features(data, length, &config.input, info);
    if (status != CAIRN_FORMAT_OK) return status;
    if (!checked_size(info->width, info->height, 3, max_pixels, info, &status)) return status;
    uint32_t width = info->width, height = info->height;
    if (scaled_width > 0 && scaled_height > 0 && scaled_width < width && scaled_height < height) {
        config.options.use_scaling = 1;
        config.options.scaled_width = (int)scaled_width;
        config.options.scaled_height = (int)scaled_height;
        width = scaled_width;
        height = scaled_height;
    }
    size_t bytes = (size_t)width * height * 3;
    uint8_t *rgb = malloc(bytes);
    if (!rgb) {
        say(info, "out of memory");
        return CAIRN_FORMAT_NO_MEMORY;
    }
    config.output.colorspace = MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = rgb;
    config.output.u.RGBA.stride = (int)width * 3;
    config.output.u.RGBA.size = bytes;
    VP8StatusCode code = WebPDecode(data, length, &config);
    WebPFreeDecBuffer(&config.output);
    if (code != VP8_STATUS_OK) {
        free(rgb);
        return webp_status(code, info);
    }
    info->width = width;
    info->height = height;
    *out = rgb;
    return CAIRN_FORMAT_OK;
}

int cairn_webp_version(void) { return WebPGetDecoderVersion(); }

// MARK: TIFF (libtiff)

typedef struct {
    const uint8_t *data;
    toff_t length;
    toff_t position;
    cairn_format_info *info;
} tiff_memory;

static tmsize_t tiff_read(thandle_t handle, void *buffer, tmsize_t size) {
    tiff_memory *memory = handle;
    if (size < 0 || memory->position >= memory->length) return 0;
    toff_t left = memory->length - memory->position;
    toff_t count = (toff_t)size < left ? (toff_t)size : left;
    memcpy(buffer, memory->data + memory->position, count);
    memory->position += count;
    return (tmsize_t)count;
}

static tmsize_t tiff_write(thandle_t handle, void *buffer, tmsize_t size) {
    (void)handle, (void)buffer, (void)size;
    return 0;
}

static toff_t tiff_seek(thandle_t handle, toff_t offset, int whence) {
    tiff_memory *memory = handle;
    toff_t base = whence == SEEK_CUR ? memory->position : whence == SEEK_END ? memory->length : 0;
    if (offset > UINT64_MAX - base) return (toff_t)-1;
    memory->position = base + offset;
    return memory->position;
}

static int tiff_close(thandle_t handle) {
    (void)handle;
    return 0;
}

static toff_t tiff_size(thandle_t handle) { return ((tiff_memory *)handle)->length; }

static int tiff_map(thandle_t handle, void **base, toff_t *size) {
    tiff_memory *memory = handle;
    *base = (void *)memory->data;
    *size = memory->length;
    return 1;
}

static void tiff_unmap(thandle_t handle, void *base, toff_t size) { (void)handle, (void)base, (void)size; }

/// libtiff's errors go to the file's own message, the first one kept; warnings are dropped. Returning 1 keeps
/// libtiff from also calling its global handler (which prints to stderr).
static int tiff_error(TIFF *tiff, void *user, const char *module, const char *format, va_list args) {
    (void)tiff, (void)module;
    cairn_format_info *info = user;
    if (info->message[0] == 0) vsnprintf(info->message, sizeof info->message, format, args);
    return 1;
}

static int tiff_warning(TIFF *tiff, void *user, const char *module, const char *format, va_list args) {
    (void)tiff, (void)user, (void)module, (void)format, (void)args;
    return 1;
}

static TIFF *tiff_open(tiff_memory *memory, cairn_format_info *info, cairn_format_status *status) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) {
        say(info, "out of memory");
        *status = CAIRN_FORMAT_NO_MEMORY;
        return NULL;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(options, tiff_error, info);
    TIFFOpenOptionsSetWarningHandlerExtR(options, tiff_warning, info);
    // One allocation of libtiff's own (a strip, a tile, a table) is capped; the image itself is checked below.
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, 256 << 20);
    TIFF *tiff = TIFFClientOpenExt("photo", "r", memory, tiff_read, tiff_write, tiff_seek, tiff_close, tiff_size,
                                   tiff_map, tiff_unmap, options);
    TIFFOpenOptionsFree(options);
    if (!tiff) {
        if (info->message[0] == 0) say(info, "libtiff could not open the file");
        *status = CAIRN_FORMAT_CORRUPT;
        return NULL;
    }
    uint32_t width = 0, height = 0;
    TIFFGetField(tiff, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tiff, TIFFTAG_IMAGELENGTH, &height);
    info->width = width;
    info->height = height;
    char reason[1024] = {0};
    if (!TIFFRGBAImageOK(tiff, reason)) {
        say(info, "%s", reason[0] ? reason : "a sample layout libtiff cannot turn into RGB");
        *status = CAIRN_FORMAT_UNSUPPORTED;
        TIFFClose(tiff);
        return NULL;
    }
    *status = CAIRN_FORMAT_OK;
    return tiff;
}

cairn_format_status cairn_tiff_probe(const uint8_t *data, size_t length, cairn_format_info *info) {
    clear(info);
    tiff_memory memory = {data, length, 0, info};
    cairn_format_status status;
    TIFF *tiff = tiff_open(&memory, info, &status);
    if (tiff) TIFFClose(tiff);
    return status;
}

cairn_format_status cairn_tiff_decode(const uint8_t *data, size_t length, uint64_t max_pixels, uint8_t **out,
                                      cairn_format_info *info) {
    clear(info);
    *out = NULL;
    tiff_memory memory = {data, length, 0, info};
    cairn_format_status status;
    TIFF *tiff = tiff_open(&memory, info, &status);
    if (!tiff) return status;
    size_t bytes = checked_size(info->width, info->height, 4, max_pixels, info, &status);
    uint32_t *raster = bytes ? malloc(bytes) : NULL;
    if (bytes && !raster) {
        say(info, "out of memory");
        status = CAIRN_FORMAT_NO_MEMORY;
    }
    if (raster) {
        // Asking for the file's own orientation keeps the stored row order (no flips); the caller turns the image
        // by the Orientation tag, as for a JPEG's EXIF orientation.
        uint16_t orientation = ORIENTATION_TOPLEFT;
        TIFFGetFieldDefaulted(tiff, TIFFTAG_ORIENTATION, &orientation);
        // Stop at the first bad strip or tile: a file cut short is damaged, not an image with a grey bottom.
        if (!TIFFReadRGBAImageOriented(tiff, info->width, info->height, raster, orientation, 1)) {
            if (info->message[0] == 0) say(info, "libtiff could not read the image data");
            status = CAIRN_FORMAT_CORRUPT;
            free(raster);
            raster = NULL;
        } else {
            // ABGR words to packed RGB, in place: each pixel's 3 bytes land at or before its 4.
            uint8_t *rgb = (uint8_t *)raster;
            size_t pixels = (size_t)info->width * info->height;
            for (size_t i = 0; i < pixels; i++) {
                uint32_t word = raster[i];
                rgb[3 * i] = (uint8_t)TIFFGetR(word);
                rgb[3 * i + 1] = (uint8_t)TIFFGetG(word);
                rgb[3 * i + 2] = (uint8_t)TIFFGetB(word);
            }
        }
    }
    TIFFClose(tiff);
    *out = (uint8_t *)raster;
    return raster ? CAIRN_FORMAT_OK : status;
}

const char *cairn_tiff_version(void) { return TIFFGetVersion(); }

// MARK: JPEG XL (libjxl)

static cairn_format_status jxl_run(const uint8_t *data, size_t length, uint64_t max_pixels, int decode,
                                   uint8_t **out, cairn_format_info *info) {
    JxlDecoder *decoder = JxlDecoderCreate(NULL);
    if (!decoder) {
        say(info, "out of memory");
        return CAIRN_FORMAT_NO_MEMORY;
    }
    cairn_format_status status = CAIRN_FORMAT_CORRUPT;
    uint8_t *rgb = NULL;
    JxlPixelFormat format = {3, JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
    int events = JXL_DEC_BASIC_INFO | (decode ? JXL_DEC_FULL_IMAGE : 0);
    if (JxlDecoderSubscribeEvents(decoder, events) != JXL_DEC_SUCCESS ||
        JxlDecoderSetInput(decoder, data, length) != JXL_DEC_SUCCESS) {
        say(info, "libjxl refused the input");
        goto done;
    }
    // The input is left open: a file cut short then asks for more input (reported as truncated) instead of being
    // rendered from the part that is there.
    for (;;) {
        JxlDecoderStatus event = JxlDecoderProcessInput(decoder);
        if (event == JXL_DEC_ERROR) {
            say(info, "libjxl rejected the data");
            goto done;
        } else if (event == JXL_DEC_NEED_MORE_INPUT) {
            say(info, "the data ends early");
            status = CAIRN_FORMAT_TRUNCATED;
            goto done;
        } else if (event == JXL_DEC_BASIC_INFO) {
            JxlBasicInfo basic;
            if (JxlDecoderGetBasicInfo(decoder, &basic) != JXL_DEC_SUCCESS) {
                say(info, "no image header");
                goto done;
            }
            // libjxl turns the image by its orientation, so orientations 5–8 swap the output's sides.
            int turned = basic.orientation >= JXL_ORIENT_TRANSPOSE;
            info->width = turned ? basic.ysize : basic.xsize;
            info->height = turned ? basic.xsize : basic.ysize;
            if (!checked_size(info->width, info->height, 3, max_pixels, info, &status)) goto done;
            if (!decode) {
                status = CAIRN_FORMAT_OK;
                goto done;
            }
        } else if (event == JXL_DEC_NEED_IMAGE_OUT_BUFFER) {
            size_t bytes = 0;
            if (JxlDecoderImageOutBufferSize(decoder, &format, &bytes) != JXL_DEC_SUCCESS ||
                bytes != (size_t)info->width * info->height * 3) {
                say(info, "unexpected output size");
                goto done;
            }
            rgb = malloc(bytes);
            if (!rgb) {
                say(info, "out of memory");
                status = CAIRN_FORMAT_NO_MEMORY;
                goto done;
            }
            if (JxlDecoderSetImageOutBuffer(decoder, &format, rgb, bytes) != JXL_DEC_SUCCESS) {
                say(info, "libjxl refused the output buffer");
                goto done;
            }
        } else if (event == JXL_DEC_FULL_IMAGE) {
            // The first frame of an animation, or the image.
            status = rgb ? CAIRN_FORMAT_OK : CAIRN_FORMAT_CORRUPT;
            if (!rgb) say(info, "no pixels decoded");
            goto done;
        } else if (event == JXL_DEC_SUCCESS) {
            say(info, "the file holds no image");
            goto done;
        }
    }
done:
    JxlDecoderDestroy(decoder);
    if (status != CAIRN_FORMAT_OK) {
        free(rgb);
        rgb = NULL;
    }
    if (out) *out = rgb;
    return status;
}

cairn_format_status cairn_jxl_probe(const uint8_t *data, size_t length, cairn_format_info *info) {
    clear(info);
    return jxl_run(data, length, UINT64_MAX, 0, NULL, info);
}

cairn_format_status cairn_jxl_decode(const uint8_t *data, size_t length, uint64_t max_pixels, uint8_t **out,
                                     cairn_format_info *info) {
    clear(info);
    *out = NULL;
    return jxl_run(data, length, max_pixels, 1, out, info);
}

int cairn_jxl_version(void) { return (int)JxlDecoderVersion(); }
