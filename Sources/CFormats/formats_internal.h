// Shared by the format shims (cairn_formats.c, cairn_raw.cpp); not part of the module's interface.
#ifndef CAIRN_FORMATS_INTERNAL_H
#define CAIRN_FORMATS_INTERNAL_H

#include "cairn_formats.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Writes the reason into `info->message`.
void cairn_format_say(cairn_format_info *info, const char *format, ...);

/// width × height × channels in bytes, or 0 when it overflows or exceeds the limit (then `info` and `status` say why).
size_t cairn_format_checked_size(uint64_t width, uint64_t height, uint64_t channels, uint64_t max_pixels,
                                 cairn_format_info *info, cairn_format_status *status);

#ifdef __cplusplus
}
#endif

#endif
