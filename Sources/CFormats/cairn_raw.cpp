// Camera raw previews through LibRaw's C++ interface: the one thing LibRaw is used for is finding the preview a
// camera embedded. C++ because LibRaw's C interface cannot bound the work its parsers do: a 5 KB crafted Phase One
// file (found by fuzz/formats.c) kept LibRaw 0.20's parse_phase_one reading past the end of the data for minutes.
// The data is read through a datastream with a budget; past it, reads throw, which LibRaw turns into an error.
#include <libraw/libraw.h>

#include <cstdlib>
#include <cstring>

#include "formats_internal.h"

namespace {

/// LibRaw's buffer datastream with a budget of reads, seeks and reads past the end. A real raw file's header and
/// preview take a few thousand operations; a loop over a corrupt count takes billions.
class BudgetedStream : public LibRaw_buffer_datastream {
  public:
    BudgetedStream(const uint8_t *data, size_t size)
        : LibRaw_buffer_datastream(const_cast<uint8_t *>(data), size),
          budget(4'000'000 + static_cast<long long>(size / 4)), pastEnd(0) {}

    int read(void *ptr, size_t size, size_t count) override {
        spend();
        int got = LibRaw_buffer_datastream::read(ptr, size, count);
        if (got == 0 && size * count > 0 && ++pastEnd > 100'000) throw LIBRAW_EXCEPTION_IO_CORRUPT;
        return got;
    }
    int seek(INT64 offset, int whence) override {
        spend();
        return LibRaw_buffer_datastream::seek(offset, whence);
    }
    int get_char() override {
        spend();
        return LibRaw_buffer_datastream::get_char();
    }
    char *gets(char *s, int size) override {
        spend();
        return LibRaw_buffer_datastream::gets(s, size);
    }
    int scanf_one(const char *format, void *value) override {
        spend();
        return LibRaw_buffer_datastream::scanf_one(format, value);
    }

  private:
    void spend() {
        if (--budget < 0) throw LIBRAW_EXCEPTION_IO_CORRUPT;
    }
    long long budget;
    long long pastEnd;
};

cairn_format_status rawStatus(int error, cairn_format_info *info) {
    cairn_format_say(info, "%s", libraw_strerror(error));
    switch (error) {
    case LIBRAW_FILE_UNSUPPORTED: return CAIRN_FORMAT_UNSUPPORTED;
    case LIBRAW_UNSUFFICIENT_MEMORY: return CAIRN_FORMAT_NO_MEMORY;
    case LIBRAW_TOO_BIG: return CAIRN_FORMAT_TOO_LARGE;
    case LIBRAW_NO_THUMBNAIL:
        cairn_format_say(info, "the raw file has no embedded preview");
        return CAIRN_FORMAT_UNSUPPORTED;
    case LIBRAW_UNSUPPORTED_THUMBNAIL:
        cairn_format_say(info, "the raw file's embedded preview is in a format LibRaw does not extract");
        return CAIRN_FORMAT_UNSUPPORTED;
    default: return CAIRN_FORMAT_CORRUPT;
    }
}

/// The raw file's flip (LibRaw's 0, 3, 5, 6) as an EXIF orientation.
int rawOrientation(int flip) {
    switch (flip) {
    case 3: return 3;
    case 5: return 8;
    case 6: return 6;
    default: return 1;
    }
}

/// An opened raw file: LibRaw, its stream, and what identify found.
struct OpenRaw {
    LibRaw raw;
    BudgetedStream stream;
    OpenRaw(const uint8_t *data, size_t length)
        // No callbacks: LibRaw's default ones print to stderr.
        : raw(LIBRAW_OPIONS_NO_MEMERR_CALLBACK | LIBRAW_OPIONS_NO_DATAERR_CALLBACK), stream(data, length) {}
};

OpenRaw *rawOpen(const uint8_t *data, size_t length, cairn_format_info *info, cairn_format_status *status) {
    OpenRaw *open = new (std::nothrow) OpenRaw(data, length);
    if (!open) {
        cairn_format_say(info, "out of memory");
        *status = CAIRN_FORMAT_NO_MEMORY;
        return nullptr;
    }
    int error = open->raw.open_datastream(&open->stream);
    if (error != LIBRAW_SUCCESS) {
        *status = rawStatus(error, info);
        delete open;
        return nullptr;
    }
    const libraw_data_t &d = open->raw.imgdata;
    info->width = d.sizes.width;
    info->height = d.sizes.height;
    info->orientation = rawOrientation(d.sizes.flip);
    info->preview_width = d.thumbnail.twidth;
    info->preview_height = d.thumbnail.theight;
    snprintf(info->camera, sizeof info->camera, "%s %s", d.idata.make, d.idata.model);
    *status = CAIRN_FORMAT_OK;
    return open;
}

}  // namespace

extern "C" cairn_format_status cairn_raw_probe(const uint8_t *data, size_t length, cairn_format_info *info) {
    memset(info, 0, sizeof *info);
    cairn_format_status status;
    delete rawOpen(data, length, info, &status);
    return status;
}

extern "C" cairn_format_status cairn_raw_preview(const uint8_t *data, size_t length, uint64_t max_pixels,
                                                 uint8_t **out, size_t *out_length, cairn_format_info *info) {
    memset(info, 0, sizeof *info);
    *out = nullptr;
    *out_length = 0;
    cairn_format_status status;
    OpenRaw *open = rawOpen(data, length, info, &status);
    if (!open) return status;
    int error = open->raw.unpack_thumb();
    libraw_processed_image_t *preview = nullptr;
    if (error == LIBRAW_SUCCESS) preview = open->raw.dcraw_make_mem_thumb(&error);
    if (!preview && error == LIBRAW_IO_ERROR) {
        // The header points past the end of the file: a raw file cut short (or stripped of its image data).
        cairn_format_say(info, "the file ends before its embedded preview does (LibRaw: %s)", libraw_strerror(error));
        delete open;
        return CAIRN_FORMAT_TRUNCATED;
    }
    if (!preview) {
        status = rawStatus(error == LIBRAW_SUCCESS ? LIBRAW_NO_THUMBNAIL : error, info);
        delete open;
        return status;
    }
    if (preview->type == LIBRAW_IMAGE_JPEG) {
        info->preview_is_jpeg = 1;
        info->preview_width = preview->width;
        info->preview_height = preview->height;
        *out = static_cast<uint8_t *>(malloc(preview->data_size ? preview->data_size : 1));
        if (*out) {
            memcpy(*out, preview->data, preview->data_size);
            *out_length = preview->data_size;
            status = CAIRN_FORMAT_OK;
        } else {
            cairn_format_say(info, "out of memory");
            status = CAIRN_FORMAT_NO_MEMORY;
        }
    } else if (preview->bits == 8 && (preview->colors == 3 || preview->colors == 1)) {
        info->preview_width = preview->width;
        info->preview_height = preview->height;
        size_t bytes = cairn_format_checked_size(preview->width, preview->height, 3, max_pixels, info, &status);
        size_t source = static_cast<size_t>(preview->width) * preview->height * preview->colors;
        if (bytes && source <= preview->data_size) {
            *out = static_cast<uint8_t *>(malloc(bytes));
            if (*out) {
                for (size_t i = 0, n = static_cast<size_t>(preview->width) * preview->height; i < n; i++) {
                    for (int c = 0; c < 3; c++) (*out)[3 * i + c] = preview->data[preview->colors == 3 ? 3 * i + c : i];
                }
                *out_length = bytes;
            } else {
                cairn_format_say(info, "out of memory");
                status = CAIRN_FORMAT_NO_MEMORY;
            }
        } else if (bytes) {
            cairn_format_say(info, "the embedded preview is shorter than its size");
            status = CAIRN_FORMAT_CORRUPT;
        }
    } else {
        cairn_format_say(info, "the embedded preview is a %d-bit, %d-channel bitmap", preview->bits, preview->colors);
        status = CAIRN_FORMAT_UNSUPPORTED;
    }
    LibRaw::dcraw_clear_mem(preview);
    delete open;
    return status;
}

extern "C" const char *cairn_raw_version(void) { return LibRaw::version(); }
