#ifndef CAIRN_FORMATS_H
#define CAIRN_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result codes of the format shims (PNG by libspng, WebP by libwebp, TIFF by libtiff, JPEG XL by libjxl, camera
/// raw previews by LibRaw). Each library's own message lands in `info->message`; nothing is printed to stderr.
typedef enum {
    CAIRN_FORMAT_OK = 0,
    CAIRN_FORMAT_CORRUPT = 1,      /* the library rejected the data; see message */
    CAIRN_FORMAT_TOO_LARGE = 2,    /* declared size exceeds the caller's pixel limit; nothing large was allocated */
    CAIRN_FORMAT_NO_MEMORY = 3,
    CAIRN_FORMAT_TRUNCATED = 4,    /* the data ended before the image did */
    CAIRN_FORMAT_UNSUPPORTED = 5   /* a real file the library does not handle (see message) */
} cairn_format_status;

typedef struct {
    uint32_t width;          /* the image's size (a raw file: its developed size, before its own rotation) */
    uint32_t height;
    /* Camera raw only. */
    uint32_t preview_width;  /* the embedded preview's size (0 when the file has none) */
    uint32_t preview_height;
    int preview_is_jpeg;     /* 1: the preview is a JPEG stream; 0: an 8-bit RGB bitmap */
    int orientation;         /* EXIF-style orientation (1, 3, 6, 8) from the raw file's own metadata */
    char camera[96];         /* maker and model as LibRaw names them */
    char message[200];       /* the library's reason on failure, else empty */
} cairn_format_info;

/* Every decode below refuses an image whose declared width × height exceeds `max_pixels` before allocating its
   pixels, and on success hands back `*out` (width × height × 3 bytes of packed RGB, or for a raw preview the bytes
   described there), which the caller frees with `free`. */

cairn_format_status cairn_png_probe(const uint8_t *data, size_t length, cairn_format_info *info);
cairn_format_status cairn_png_decode(const uint8_t *data, size_t length, uint64_t max_pixels, uint8_t **out,
                                     cairn_format_info *info);

cairn_format_status cairn_webp_probe(const uint8_t *data, size_t length, cairn_format_info *info);
/// Decodes scaled to `scaled_width` × `scaled_height` by libwebp itself when both are positive (no full-size buffer
/// exists then); `info->width/height` are the output size.
cairn_format_status cairn_webp_decode(const uint8_t *data, size_t length, uint64_t max_pixels,
                                      uint32_t scaled_width, uint32_t scaled_height, uint8_t **out,
                                      cairn_format_info *info);

/// TIFF: the first image (IFD 0), in its stored row order; the caller applies the Orientation tag.
cairn_format_status cairn_tiff_probe(const uint8_t *data, size_t length, cairn_format_info *info);
cairn_format_status cairn_tiff_decode(const uint8_t *data, size_t length, uint64_t max_pixels, uint8_t **out,
                                      cairn_format_info *info);

/// JPEG XL: upright (libjxl applies the codestream's orientation).
cairn_format_status cairn_jxl_probe(const uint8_t *data, size_t length, cairn_format_info *info);
cairn_format_status cairn_jxl_decode(const uint8_t *data, size_t length, uint64_t max_pixels, uint8_t **out,
                                     cairn_format_info *info);

/// Camera raw: identifies the file (CAIRN_FORMAT_UNSUPPORTED when LibRaw does not know it as a camera raw) and
/// reads the size, orientation and embedded preview's size, without unpacking anything.
cairn_format_status cairn_raw_probe(const uint8_t *data, size_t length, cairn_format_info *info);
/// The embedded preview: a JPEG stream (`preview_is_jpeg`, `*out_length` bytes) or packed RGB
/// (preview_width × preview_height × 3 bytes). Never demosaics.
cairn_format_status cairn_raw_preview(const uint8_t *data, size_t length, uint64_t max_pixels, uint8_t **out,
                                      size_t *out_length, cairn_format_info *info);

/// The libraries' versions, for `cairn photo` and the docs ("libspng 0.7.3", …).
const char *cairn_png_version(void);
const char *cairn_raw_version(void);
int cairn_webp_version(void);
int cairn_jxl_version(void);
const char *cairn_tiff_version(void);

/// The CPUs a thread may run on, saved while it is pinned to one (`cairn_thread_pin_one_cpu`).
typedef struct {
    unsigned char bytes[128];
    int pinned;
} cairn_cpu_mask;

/// Pins the calling thread to the first CPU it may run on, so threads a library starts before
/// `cairn_thread_restore_cpus` use one CPU (libheif's dav1d sizes its pool and buffers by them). Returns 1 when it
/// pinned, 0 when the thread already had one CPU or the kernel refused (nothing changed).
int cairn_thread_pin_one_cpu(cairn_cpu_mask *saved);
/// Gives the calling thread back the CPUs saved by `cairn_thread_pin_one_cpu`.
void cairn_thread_restore_cpus(const cairn_cpu_mask *saved);

#ifdef __cplusplus
}
#endif

#endif
