#ifndef CAIRN_JPEG_EIGHTH_H
#define CAIRN_JPEG_EIGHTH_H

#include <stdint.h>
#include <stdio.h>
#include <jpeglib.h>

/* Decodes the image whose header `cinfo` has just read (jpeg_read_header, memory source) at 1/8 scale into
 * `rgb` (ceil(width/8) x ceil(height/8) x 3 bytes), with the same output as libjpeg's own 1/8 decode, but
 * without libjpeg's entropy decoder: at 1/8 scale the luma blocks need only their DC coefficient, so their AC
 * codes are skipped two at a time (see eighth.c).
 *
 * Handles baseline Huffman files with one interleaved scan, YCbCr or grayscale, restart markers included.
 * Returns 1 on success, 0 when the file is anything else or anything looks wrong (a bad code, data that ends
 * early, a restart marker out of sequence, no memory): the caller then decodes with libjpeg, which reports
 * the problem in its own words. Never reads outside [next_input_byte, next_input_byte + bytes_in_buffer).
 *
 * With `dc_chroma`, the chroma of a 4:2:0 file comes from each block's DC coefficient alone (one sample per block,
 * repeated over its 2x2 output pixels) instead of libjpeg's 2x2 reduced IDCT: its AC codes are then skipped like
 * luma's, about a fifth less time on a 12 MP phone photo, and the output is no longer libjpeg's. */
int cairn_jpeg_decode_eighth(const struct jpeg_decompress_struct *cinfo, uint8_t *rgb, int dc_chroma);

#endif
