// The header-keeping JPEG mutation shared by the eighth and jpeg fuzz targets: random bytes rarely get past a
// JPEG's markers, so some mutations keep everything up to the end of the first SOS segment and change only the
// entropy-coded data behind it, which is what reaches the decoders' inner loops.
#ifndef CAIRN_FUZZ_JPEG_MUTATOR_H
#define CAIRN_FUZZ_JPEG_MUTATOR_H

#include <stddef.h>
#include <stdint.h>

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

// One mutation in `whole_one_in` changes the whole file (markers, tables, sizes); the others keep the header.
static size_t mutate_keeping_header(uint8_t *data, size_t size, size_t max_size, unsigned int seed,
                                    unsigned int whole_one_in) {
    size_t header = entropy_start(data, size);
    if (header == 0 || header >= max_size || seed % whole_one_in == 0) return LLVMFuzzerMutate(data, size, max_size);
    return header + LLVMFuzzerMutate(data + header, size - header, max_size - header);
}

#endif
