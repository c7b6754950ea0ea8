/*
 * store_format.c -- store/format.c: a stored object's :format from its
 * bytes, the From:, Subject: and Date: of a mail, and the civil-date
 * helpers the store's dates use.
 *
 * The samples are genuine: the image ones are the first bytes of CPython's
 * test images, the others were made with gzip, Python's zipfile and by
 * hand and checked with file(1) when this test was written (each says
 * what file(1) called it).  They are embedded, so nothing runs a tool at
 * test time.  Every call gets an exact-size heap copy of its input, so
 * that make check SANITIZE=1 catches a read past the end.  The expected
 * epoch seconds were computed with date -u -d '...' +%s and Python's
 * date.toordinal.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/error.h"
#include "drivers/rng.h"
#include "store/format.h"
#include "tests/tap.h"

/* ---- samples ------------------------------------------------------------ */

/* The first 64 bytes of CPython's Lib/test/imghdrdata/python.png (file(1):
 * "PNG image data, 16 x 16, 8-bit colormap"): signature, IHDR, cHRM. */
static const unsigned char png_head[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
    0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10,
    0x08, 0x03, 0x00, 0x00, 0x00, 0x28, 0x2d, 0x0f, 0x53, 0x00, 0x00, 0x00,
    0x20, 0x63, 0x48, 0x52, 0x4d, 0x00, 0x00, 0x7a, 0x26, 0x00, 0x00, 0x80,
    0x84, 0x00, 0x00, 0xfa, 0x00, 0x00, 0x00, 0x80, 0xe8, 0x00, 0x00, 0x75,
    0x30, 0x00, 0x00, 0xea,
};

/* ... of python.jpg ("JPEG image data, JFIF standard 1.01"). */
static const unsigned char jpg_head[] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01,
    0x01, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43,
    0x00, 0x03, 0x02, 0x02, 0x02, 0x02, 0x02, 0x03, 0x02, 0x02, 0x02, 0x03,
    0x03, 0x03, 0x03, 0x04, 0x06, 0x04, 0x04, 0x04, 0x04, 0x04, 0x08, 0x06,
    0x06, 0x05, 0x06, 0x09, 0x08, 0x0a, 0x0a, 0x09, 0x08, 0x09, 0x09, 0x0a,
    0x0c, 0x0f, 0x0c, 0x0a,
};

/* ... of python.gif ("GIF image data, version 89a, 16 x 16"). */
static const unsigned char gif_head[] = {
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x10, 0x00, 0x10, 0x00, 0xf6, 0x64,
    0x00, 0xeb, 0xbb, 0x18, 0xeb, 0xbe, 0x21, 0xf3, 0xc1, 0x1a, 0xfa, 0xc7,
    0x19, 0xfd, 0xcb, 0x1b, 0xff, 0xcc, 0x1c, 0xeb, 0xc2, 0x2a, 0xff, 0xcf,
    0x23, 0xff, 0xcf, 0x24, 0xff, 0xd0, 0x25, 0xff, 0xd0, 0x26, 0xff, 0xd3,
    0x2d, 0xfd, 0xd2, 0x2f, 0xff, 0xd3, 0x2e, 0xff, 0xd3, 0x2f, 0xeb, 0xc5,
    0x34, 0xe8, 0xc7, 0x3d,
};

/* ... of python.bmp, python.tiff, python.webp: formats not detected. */
static const unsigned char bmp_head[] = {
    0x42, 0x4d, 0x8a, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8a, 0x00,
    0x00, 0x00, 0x7c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x20, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0xff,
    0x00, 0x00, 0xff, 0x00,
};

static const unsigned char tiff_head[] = {
    0x49, 0x49, 0x2a, 0x00, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x4e, 0x8d, 0xc0, 0xaf, 0x4a, 0x86, 0xba, 0xed, 0x48, 0x83, 0xb4, 0xff,
    0x44, 0x7e, 0xad, 0xff, 0x40, 0x78, 0xa7, 0xff, 0x3c, 0x71, 0x9e, 0xf7,
    0x37, 0x68, 0x96, 0x92, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x00,
};

static const unsigned char webp_head[] = {
    0x52, 0x49, 0x46, 0x46, 0xa8, 0x01, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
    0x56, 0x50, 0x38, 0x58, 0x0a, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
    0x0f, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x41, 0x4c, 0x50, 0x48, 0xc3, 0x00,
    0x00, 0x00, 0x01, 0x27, 0xa2, 0xa8, 0x91, 0x24, 0xe5, 0x7a, 0xe7, 0x18,
    0x5f, 0xe7, 0xdf, 0x2a, 0x99, 0x88, 0x98, 0xff, 0x74, 0x71, 0x8d, 0xe0,
    0x26, 0x30, 0xe2, 0xe1,
};

/* printf 'hello, store\n' | gzip -9n: the whole stream. */
static const unsigned char gzip_sample[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xcb, 0x48,
    0xcd, 0xc9, 0xc9, 0xd7, 0x51, 0x28, 0x2e, 0xc9, 0x2f, 0x4a, 0xe5, 0x02,
    0x00, 0xaf, 0xa0, 0x55, 0xd5, 0x0d, 0x00, 0x00, 0x00,
};

/* Python's zipfile, one stored member a.txt = "hello\n" ("Zip archive
 * data, at least v2.0 to extract"). */
static const unsigned char zip_sample[] = {
    0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8a, 0x19,
    0x87, 0x5d, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00, 0x00, 0x00, 0x06, 0x00,
    0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x61, 0x2e, 0x74, 0x78, 0x74, 0x68,
    0x65, 0x6c, 0x6c, 0x6f, 0x0a, 0x50, 0x4b, 0x01, 0x02, 0x14, 0x03, 0x14,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x8a, 0x19, 0x87, 0x5d, 0x20, 0x30, 0x3a,
    0x36, 0x06, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x61, 0x2e, 0x74, 0x78, 0x74, 0x50, 0x4b, 0x05, 0x06,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x33, 0x00, 0x00, 0x00,
    0x29, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* An empty archive: the end of central directory record alone. */
static const unsigned char zip_empty_sample[] = {
    0x50, 0x4b, 0x05, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* The ELF header of /bin/true (64-bit LSB shared object, x86-64). */
static const unsigned char elf_sample[] = {
    0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x3e, 0x00, 0x01, 0x00, 0x00, 0x00,
    0xd0, 0x23, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x90, 0x83, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x38, 0x00, 0x0d, 0x00, 0x40, 0x00,
    0x1f, 0x00, 0x1e, 0x00,
};

/* The first page of an Ogg Vorbis stream, CRC included ("Ogg data, Vorbis
 * audio, mono, 44100 Hz"). */
static const unsigned char ogg_sample[] = {
    0x4f, 0x67, 0x67, 0x53, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x93, 0x66,
    0x7c, 0x85, 0x01, 0x1e, 0x01, 0x76, 0x6f, 0x72, 0x62, 0x69, 0x73, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x44, 0xac, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0xf4, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x01,
};

/* "fLaC" and its STREAMINFO block ("FLAC audio bitstream data, 16 bit,
 * stereo, 44.1 kHz, 44100 samples"). */
static const unsigned char flac_sample[] = {
    0x66, 0x4c, 0x61, 0x43, 0x80, 0x00, 0x00, 0x22, 0x10, 0x00, 0x10, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0xc4, 0x42, 0xf0, 0x00, 0x00,
    0xac, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* An ftyp box as ffmpeg writes it (isom; isom iso2 avc1 mp41), then free
 * and mdat ("ISO Media, MP4 Base Media v1"). */
static const unsigned char mp4_sample[] = {
    0x00, 0x00, 0x00, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d,
    0x00, 0x00, 0x02, 0x00, 0x69, 0x73, 0x6f, 0x6d, 0x69, 0x73, 0x6f, 0x32,
    0x61, 0x76, 0x63, 0x31, 0x6d, 0x70, 0x34, 0x31, 0x00, 0x00, 0x00, 0x08,
    0x66, 0x72, 0x65, 0x65, 0x00, 0x00, 0x00, 0x08, 0x6d, 0x64, 0x61, 0x74,
};

/* An iTunes audio file's start ("ISO Media, Apple iTunes ALAC/AAC-LC
 * (.M4A) Audio"). */
static const unsigned char m4a_sample[] = {
    0x00, 0x00, 0x00, 0x1c, 0x66, 0x74, 0x79, 0x70, 0x4d, 0x34, 0x41, 0x20,
    0x00, 0x00, 0x00, 0x00, 0x4d, 0x34, 0x41, 0x20, 0x6d, 0x70, 0x34, 0x32,
    0x69, 0x73, 0x6f, 0x6d, 0x00, 0x00, 0x00, 0x08, 0x66, 0x72, 0x65, 0x65,
    0x00, 0x00, 0x00, 0x08, 0x6d, 0x64, 0x61, 0x74,
};

/* Same box structure, not MP4: a HEIF image ("ISO Media, HEIF Image") and
 * a QuickTime movie ("Apple QuickTime movie"). */
static const unsigned char heic_sample[] = {
    0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63,
    0x00, 0x00, 0x00, 0x00, 0x6d, 0x69, 0x66, 0x31, 0x68, 0x65, 0x69, 0x63,
    0x00, 0x00, 0x00, 0x08, 0x66, 0x72, 0x65, 0x65,
};

static const unsigned char mov_sample[] = {
    0x00, 0x00, 0x00, 0x14, 0x66, 0x74, 0x79, 0x70, 0x71, 0x74, 0x20, 0x20,
    0x00, 0x00, 0x02, 0x00, 0x71, 0x74, 0x20, 0x20, 0x00, 0x00, 0x00, 0x08,
    0x77, 0x69, 0x64, 0x65,
};

/* An ID3v2.3 tag with one TIT2 frame ("Test"); mp3_with_id3() puts an MPEG
 * frame after it ("Audio file with ID3 version 2.3.0, contains: MPEG ADTS,
 * layer III, v1, 128 kbps, 44.1 kHz"). */
static const unsigned char id3_tag[] = {
    0x49, 0x44, 0x33, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x54, 0x49,
    0x54, 0x32, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x54, 0x65, 0x73,
    0x74,
};

/* A minimal PDF, written by hand ("PDF document, version 1.4, 0 pages"). */
static const char pdf_sample[] =
    "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    "trailer << /Root 1 0 R >>\n%%EOF\n";

/* An MPEG-1 layer III frame header: 128 kbit/s, 44.1 kHz, joint stereo,
 * no padding, no CRC: a frame of 144000 * 128 / 44100 = 417 bytes. */
static const unsigned char mp3_header[4] = { 0xff, 0xfb, 0x90, 0x64 };
enum { MP3_FRAME = 417 };

/* ---- helpers -------------------------------------------------------------- */

/* A heap copy of exactly N bytes (ASan sees a read past it). */
static unsigned char *copy_of(const void *p, size_t n)
{
    unsigned char *c = malloc(n ? n : 1);
    if (c == NULL)
        bail_out("out of memory");
    if (n)
        memcpy(c, p, n);
    return c;
}

static const char *detect(const void *p, size_t n)
{
    unsigned char *c = copy_of(p, n);
    const char *r = lo_format_detect(c, n);
    free(c);
    return r;
}

static const char *detect_str(const char *s)
{
    return detect(s, strlen(s));
}

static bool is_message(const char *s)
{
    unsigned char *c = copy_of(s, strlen(s));
    bool r = lo_format_is_message(c, strlen(s));
    free(c);
    return r;
}

static int headers(const char *s, struct lo_message_headers *h)
{
    unsigned char *c = copy_of(s, strlen(s));
    int r = lo_message_headers(c, strlen(s), h);
    free(c);
    return r;
}

/* N bytes of MP3: frames of MP3_FRAME bytes, each with mp3_header. */
static unsigned char *mp3_frames(size_t n)
{
    unsigned char *b = calloc(1, n);
    for (size_t off = 0; off + 4 <= n; off += MP3_FRAME)
        memcpy(b + off, mp3_header, 4);
    return b;
}

/* ---- formats by magic number ------------------------------------------- */

struct sample {
    const char *name;
    const unsigned char *bytes;
    size_t len;
    const char *want;      /* NULL: not a format lo_format_detect knows */
};

#define SAMPLE(b, want) { #b, b, sizeof b, want }

static const struct sample samples[] = {
    SAMPLE(png_head, "PNG"),
    SAMPLE(jpg_head, "JPEG"),
    SAMPLE(gif_head, "GIF"),
    SAMPLE(gzip_sample, "GZIP"),
    SAMPLE(zip_sample, "ZIP"),
    SAMPLE(zip_empty_sample, "ZIP"),
    SAMPLE(elf_sample, "ELF"),
    SAMPLE(ogg_sample, "OGG"),
    SAMPLE(flac_sample, "FLAC"),
    SAMPLE(mp4_sample, "MP4"),
    SAMPLE(m4a_sample, "MP4"),
    SAMPLE(heic_sample, NULL),
    SAMPLE(mov_sample, NULL),
    SAMPLE(bmp_head, NULL),
    SAMPLE(tiff_head, NULL),
    SAMPLE(webp_head, NULL),
};

static void test_magic(void)
{
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const struct sample *s = &samples[i];
        is_str(detect(s->bytes, s->len), s->want, "%s is %s", s->name,
               s->want ? s->want : "unknown");
    }
    is_str(detect(pdf_sample, strlen(pdf_sample)), "PDF", "a PDF");
    is_str(detect_str("%PDF-1.7\n"), "PDF", "a PDF's first line");
    is_str(detect_str("GIF87a\x01\x00\x01\x00"), "GIF", "GIF87a");
    is_str(detect("\xff\xd8\xff\xe1\x00\x10" "Exif\0\0", 12), "JPEG",
           "an Exif JPEG");
    is_str(detect("\x7f" "ELF", 4), "ELF", "the ELF magic alone");
    is_str(detect("PK\x03\x04", 4), "ZIP", "the zip magic alone");
    is_str(detect_str("OggS and more"), "TEXT",
           "\"OggS\" without the version byte 0 is text");
    is_str(detect_str("fLaC is a word"), "TEXT",
           "\"fLaC\" without STREAMINFO is text");
}

/* Every prefix of every sample: the right format, unknown or text -- and
 * never a read past the end (the copies are exact). */
static void test_truncated(void)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const struct sample *s = &samples[i];
        for (size_t n = 0; n <= s->len; n++) {
            const char *got = detect(s->bytes, n);
            if (got != NULL && strcmp(got, "TEXT") != 0 &&
                (s->want == NULL || strcmp(got, s->want) != 0)) {
                diag("%s cut to %zu bytes: %s", s->name, n, got);
                bad++;
            }
        }
    }
    ok(bad == 0, "every prefix of every sample: its format, text or unknown");
    is_str(detect("", 0), NULL, "0 bytes: unknown");
    is_str(detect("\x89", 1), NULL, "1 byte of PNG: unknown");
    is_str(detect("%", 1), "TEXT", "1 byte of PDF: text");
    is_str(detect("\x89PN", 3), NULL, "3 bytes of PNG: unknown");
    is_str(detect("%PD", 3), "TEXT", "3 bytes of PDF: text");
    is_str(detect("\xff\xd8\xff", 3), "JPEG", "3 bytes of JPEG: JPEG");
    is_str(detect("\xff\xfb\x90", 3), NULL, "3 bytes of an MP3 frame: unknown");
    is_str(detect("ID3", 3), "TEXT", "3 bytes of an ID3 tag: text");
    is_str(lo_format_detect(NULL, 0), NULL, "NULL, 0: unknown");
}

static void test_mp3(void)
{
    size_t n = sizeof id3_tag + MP3_FRAME;
    unsigned char *b = malloc(n);
    memcpy(b, id3_tag, sizeof id3_tag);
    memset(b + sizeof id3_tag, 0, MP3_FRAME);
    memcpy(b + sizeof id3_tag, mp3_header, 4);
    is_str(detect(b, n), "MP3", "MP3 with an ID3v2.3 tag");
    is_str(detect(b, 10), "MP3", "an ID3 tag's header alone");
    b[3] = 5;
    is_str(detect(b, 10), NULL, "an ID3 version 2.5: not a tag");
    free(b);

    b = mp3_frames(2 * MP3_FRAME);
    is_str(detect(b, 2 * MP3_FRAME), "MP3", "two bare frames");
    is_str(detect(b, 4), "MP3", "a bare frame header alone");
    is_str(detect(b, MP3_FRAME + 3), "MP3",
           "a frame and 3 bytes of the next one");
    b[MP3_FRAME + 2] = 0x94;             /* the next frame at 48 kHz */
    is_str(detect(b, 2 * MP3_FRAME), NULL,
           "a second frame of another sampling rate: not MP3");
    b[MP3_FRAME] = 0;                    /* no second frame at all */
    is_str(detect(b, 2 * MP3_FRAME), NULL,
           "no frame where the first one ends: not MP3");
    free(b);

    /* Headers that are not layer III, or reserved. */
    static const unsigned char not_mp3[][4] = {
        { 0xff, 0xfd, 0x90, 0x64 },      /* layer II */
        { 0xff, 0xf1, 0x50, 0x80 },      /* AAC ADTS (layer 0) */
        { 0xff, 0xeb, 0x90, 0x64 },      /* version "reserved" */
        { 0xff, 0xfb, 0xf0, 0x64 },      /* bit rate index 15 */
        { 0xff, 0xfb, 0x00, 0x64 },      /* "free" bit rate */
        { 0xff, 0xfb, 0x9c, 0x64 },      /* sampling rate index 3 */
        { 0xff, 0xfb, 0x90, 0x66 },      /* emphasis "reserved" */
    };
    for (size_t i = 0; i < sizeof not_mp3 / sizeof not_mp3[0]; i++)
        is_str(detect(not_mp3[i], 4), NULL, "frame header %zu is not MP3", i);
    /* MPEG-2 layer III, 64 kbit/s, 22.05 kHz: 72000 * 64 / 22050 = 208. */
    unsigned char v2[208 + 4] = { 0xff, 0xf3, 0x80, 0xc4 };
    memcpy(v2 + 208, v2, 4);
    is_str(detect(v2, sizeof v2), "MP3", "MPEG-2 layer III frames");
}

static void test_mp4(void)
{
    unsigned char b[40];
    /* A major brand of another family, "isom" among the compatible. */
    memcpy(b, "\0\0\0\x18" "ftypXAVX\0\0\0\0" "XAVXisom", 24);
    is_str(detect(b, 24), "MP4", "an unknown major brand, compatible isom");
    memcpy(b, "\0\0\0\x14" "ftypabcd\0\0\0\0" "abcd", 20);
    is_str(detect(b, 20), NULL, "unknown brands only: not MP4");
    memcpy(b, "\0\0\0\x18" "ftyp3gp5\0\0\0\0" "3gp5isom", 24);
    is_str(detect(b, 24), "MP4", "3GPP");
    memcpy(b, "\0\0\0\x1c" "ftypavif\0\0\0\0" "avifmif1isom", 28);
    is_str(detect(b, 28), NULL, "AVIF (isom compatible): not MP4");
    memcpy(b, "\0\0\0\x09" "ftypisom\0\0\0\0", 16);
    is_str(detect(b, 16), NULL, "an ftyp box of a bad size");
    is_str(detect(mp4_sample, 12), NULL, "12 bytes of an MP4: unknown");
}

/* ---- HTML and text --------------------------------------------------------- */

static void test_html(void)
{
    static const char *const html[] = {
        "<!DOCTYPE html>\n<html><head><title>t</title></head></html>\n",
        "  \r\n\t<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">\n",
        "\xef\xbb\xbf<html lang=\"en\">\n",
        "<HTML>\n<BODY>shouting</BODY></HTML>",
        "<html/>",
        "<!-- generated -->\n<!-- twice -->\n<html>\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC "
        "\"-//W3C//DTD XHTML 1.0 Strict//EN\">\n<html>",
        "<head><title>x</title></head>",
        "<body>hi</body>",
        "<meta charset=\"utf-8\">\n<title>x</title>\n<body>hi</body>",
        "<html><body>caf\xe9 (Latin-1)</body></html>",
    };
    for (size_t i = 0; i < sizeof html / sizeof html[0]; i++)
        is_str(detect_str(html[i]), "HTML", "HTML %zu", i);
    static const char *const not_html[] = {
        "<htmlfoo>\n",
        "Text about the <html> tag.\n",
        "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        "<!-- never closed <html>\n",
        "<!doctype html",             /* cut before its end: text */
        "<!doctypehtml>",
        "<p>a paragraph</p>\n",
    };
    for (size_t i = 0; i < sizeof not_html / sizeof not_html[0]; i++)
        is_str(detect_str(not_html[i]), "TEXT", "not HTML but text %zu", i);
    is_str(detect("<html>\0<body>", 13), NULL, "a NUL: neither HTML nor text");
}

/* A buffer of N bytes of 'a' with BYTES written at AT. */
static unsigned char *text_with(size_t n, size_t at, const char *bytes)
{
    unsigned char *b = malloc(n);
    memset(b, 'a', n);
    memcpy(b + at, bytes, strlen(bytes));
    return b;
}

static void test_text(void)
{
    is_str(detect_str("plain ASCII\n"), "TEXT", "ASCII");
    is_str(detect_str("h\xc3\xa9llo w\xc3\xb6rld \xe2\x82\xac \xf0\x9d\x84\x9e\n"),
           "TEXT", "2-, 3- and 4-byte sequences");
    is_str(detect_str("\xef\xbb\xbf" "a BOM\n"), "TEXT", "a byte order mark");
    is_str(detect_str("tab\tcr\r\nff\f\n"), "TEXT", "tab, CR, LF, FF");
    static const char *const bad[] = {
        "overlong / \xc0\xaf here",
        "overlong / \xe0\x80\xaf here",
        "overlong / \xf0\x80\x80\xaf here",
        "overlong \xc1\xbf",
        "surrogate \xed\xa0\x80 here",
        "surrogate \xed\xbf\xbf here",
        "above U+10FFFF \xf4\x90\x80\x80 here",
        "F5 \xf5\x80\x80\x80 here",
        "a lone continuation \x80 here",
        "cut \xe2\x82 mid-buffer",
        "cut \xf0\x9d\x84 mid-buffer",
        "two-byte lead then ASCII \xc3" "A",
        "cut at the end \xe2\x82",
        "Latin-1 caf\xe9\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        is_str(detect_str(bad[i]), NULL, "bad UTF-8 %zu is not text", i);
    is_str(detect("a\0b", 3), NULL, "a NUL is not text");

    /* At most 1% control characters. */
    char b[201];
    memset(b, 'x', 200);
    b[200] = 0;
    b[50] = 0x1b;
    b[150] = 0x7f;
    is_str(detect_str(b), "TEXT", "2 controls in 200 bytes: text");
    b[100] = 0x01;
    is_str(detect_str(b), NULL, "3 controls in 200 bytes: not text");
    memcpy(b + 100, "\xc2\x85", 2);      /* U+0085 NEL, a C1 control */
    is_str(detect_str(b), NULL, "a C1 control counts too");

    /* The 64 KiB boundary: the sequence it cuts is checked with the bytes
     * after it; bytes further on are not read. */
    const size_t P = LO_FORMAT_TEXT_PREFIX;
    unsigned char *t = text_with(P + 16, P - 1, "\xe2\x82\xac");
    is_str(detect(t, P + 16), "TEXT", "a 3-byte sequence over the boundary");
    free(t);
    t = text_with(P + 16, P - 2, "\xf0\x9d\x84\x9e");
    is_str(detect(t, P + 16), "TEXT", "a 4-byte sequence over the boundary");
    free(t);
    t = text_with(P + 16, P - 1, "\xe2\x82" "a");
    is_str(detect(t, P + 16), NULL, "a bad sequence over the boundary");
    free(t);
    t = text_with(P + 1, P - 1, "\xe2\x82");
    is_str(detect(t, P + 1), "TEXT",
           "a buffer past the prefix, its end cutting a sequence");
    free(t);
    t = text_with(P + 100, P + 50, "\xff\0");
    is_str(detect(t, P + 100), "TEXT", "bad bytes after the prefix: not read");
    free(t);
    t = text_with(P, P - 2, "\xe2\x82");
    is_str(detect(t, P), NULL,
           "a buffer of exactly the prefix ending in a cut sequence");
    free(t);
    t = text_with(P - 5, 10, "\xed\xa0\x80");
    is_str(detect(t, P - 5), NULL, "a surrogate in a large buffer");
    free(t);
}

/* ---- garbage ------------------------------------------------------------- */

/* Pieces that steer random input into the deeper paths: magic numbers,
 * header syntax, encoded-words, dates. */
static const char *const pieces[] = {
    "From: ", "Date: ", "Subject: ", "To: ", "Received: ", "\r\n", "\n",
    " ", "\t", ":", "=?", "?=", "=?UTF-8?B?", "=?utf-8?q?", "=?iso-8859-1?Q?",
    "w4lsw6h2ZSDDqXTDqQ==", "=E9", "_", "=", "(", ")", "\\", "Fri,", "17",
    "May", "2013", "14:30:05", "+0200", "-0000", "EST", "Z", "99", "\xc3",
    "\xa9", "\xe2\x82\xac", "\xff", "<html>", "<!--", "-->", "<!doctype html",
    "%PDF-", "ID3\x03", "\xff\xfb\x90\x64", "\0\0\0\x18" "ftyp", "isom",
    "fLaC", "OggS", "From ", "\xef\xbb\xbf", "\0",
};

static void run_everything(const unsigned char *b, size_t n)
{
    struct lo_message_headers h;
    int64_t s;
    int z;
    bool k;
    (void)lo_format_detect(b, n);
    (void)lo_format_is_message(b, n);
    if (lo_message_headers(b, n, &h) == LO_OK) {
        if (h.sender_len != strlen(h.sender) ||
            h.subject_len != strlen(h.subject) ||
            h.sender_len >= LO_MESSAGE_FIELD_SIZE)
            bail_out("field lengths inconsistent");
    }
    (void)lo_message_parse_date(b, n, &s, &z, &k);
}

static void test_garbage(void)
{
    lo_rng r;
    lo_rng_seed(&r, 19);
    for (int i = 0; i < 2000; i++) {
        size_t n = lo_rng_below(&r, 4096);
        unsigned char *b = malloc(n ? n : 1);
        for (size_t j = 0; j < n; j++)
            b[j] = (unsigned char)lo_rng_next(&r);
        run_everything(b, n);
        free(b);
    }
    ok(1, "2000 random buffers: no crash");
    size_t npieces = sizeof pieces / sizeof pieces[0];
    for (int i = 0; i < 2000; i++) {
        unsigned char tmp[2048];
        size_t n = 0, count = lo_rng_below(&r, 120);
        for (size_t j = 0; j < count; j++) {
            size_t p = lo_rng_below(&r, npieces);
            /* "\0" is one byte; the others are strings */
            size_t len = pieces[p][0] ? strlen(pieces[p]) : 1;
            if (n + len > sizeof tmp)
                break;
            memcpy(tmp + n, pieces[p], len);
            n += len;
        }
        unsigned char *b = copy_of(tmp, n);
        run_everything(b, n);
        free(b);
    }
    ok(1, "2000 buffers of header-like pieces: no crash");
}

/* ---- messages ------------------------------------------------------------ */

static const char mail[] =
    "Return-Path: <alice@example.org>\r\n"
    "Received: from mail.example.org (mail.example.org [192.0.2.1])\r\n"
    "\tby mx.example.com with ESMTPS id 4AB12\r\n"
    "\tfor <bob@example.com>; Fri, 17 May 2013 14:30:07 +0200\r\n"
    "From: \"Alice Example\"\r\n"
    " <alice@example.org>\r\n"
    "To: Bob <bob@example.com>\r\n"
    "Subject: Quarterly report,\r\n"
    "  second draft  \r\n"
    "Date: Fri, 17 May 2013 14:30:05 +0200\r\n"
    "Message-ID: <5196A1ED.3040908@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "Subject: this line is the body, not a header\r\n";

static void test_is_message(void)
{
    ok(is_message(mail), "a mail with folded headers and CRLF");
    ok(is_message("From: a@example.org\nTo: b@example.org\n\nhi\n"),
       "LF line ends, two fields");
    ok(is_message("Subject: x\nDate: 1 Jan 2000 00:00 +0000\n"),
       "headers only, no body");
    ok(is_message("From alice@example.org Fri May 17 14:30:05 2013\n"
                  "From: alice@example.org\nSubject: hi\n\nbody\n"),
       "an mbox separator line first");
    ok(is_message("X-Mailer: x\nMESSAGE-ID: <a@b>\nreceived: from x\n\n"),
       "field names in any case, other fields among them");
    ok(is_message("From : a@example.org\nSubject : obsolete spaces\n\n"),
       "the obsolete space before the colon");
    ok(!is_message("Hello world\n"), "plain text");
    ok(!is_message(""), "nothing");
    ok(!is_message("\nFrom: a\nTo: b\n"), "an empty line first");
    ok(!is_message("From: a@example.org\n\nTo: b\n"),
       "one known field before the empty line");
    ok(!is_message("From: a\nFrom: b\nFROM: c\n\n"),
       "the same field three times counts once");
    ok(!is_message("From: a\nTo: b\nthis is not a header\n\n"),
       "a line that is not a field");
    ok(!is_message(" From: a\nTo: b\n\n"), "a continuation line first");
    ok(!is_message("name: lispos\nversion: 0.2.0\n"), "a YAML file");
    ok(!is_message("HTTP/1.1 200 OK\r\nDate: Fri, 17 May 2013 14:30:05 GMT\r\n"
                   "Subject: x\r\n\r\n"), "an HTTP response");
    unsigned char nul[] = "From: a\nTo: b\0c\n\n";
    ok(!lo_format_is_message(nul, sizeof nul - 1), "a NUL in the headers");
    ok(!lo_format_is_message(NULL, 0), "NULL");
    is_str(detect_str(mail), "TEXT", "a mail's format is TEXT");

    /* Headers longer than LO_MESSAGE_HEADER_MAX: judged by what is read,
     * without the line the limit cuts ("Rec|eived: ..." is no field). */
    const size_t limit = LO_MESSAGE_HEADER_MAX;
    const char *start = "From: a@example.org\nTo: b@example.org\nX-Pad: ";
    const char *rest = "Received: from relay.example.net\n\nbody\n";
    char *big = malloc(limit + 100);
    size_t n = strlen(start);
    memcpy(big, start, n);
    memset(big + n, 'x', limit - 3 - 1 - n);    /* the pad ends at limit - 4 */
    n = limit - 4;
    big[n++] = '\n';
    strcpy(big + n, rest);                      /* "Received" at limit - 3 */
    ok(is_message(big), "256 KiB of headers, the limit inside a field name");
    free(big);
}

static void test_headers(void)
{
    struct lo_message_headers h;
    is_int(headers(mail, &h), LO_OK, "headers of a mail");
    ok(h.has_sender, "it has a sender");
    is_str(h.sender, "\"Alice Example\" <alice@example.org>",
           "From: unfolded");
    is_int(h.sender_len, strlen(h.sender), "sender_len");
    is_str(h.subject, "Quarterly report,  second draft",
           "Subject: unfolded and trimmed, inner spaces kept");
    ok(h.has_date && h.date_valid, "the date parsed");
    is_int(h.date, 1368793805, "Fri, 17 May 2013 14:30:05 +0200");
    is_int(h.zone_minutes, 120, "zone +0200");
    ok(h.zone_known, "zone known");

    is_int(headers("From: a@example.org\nSubject: no date\n\n", &h), LO_OK,
           "a mail without Date:");
    ok(!h.has_date && !h.date_valid, "no date");
    is_str(h.sender, "a@example.org", "its sender");

    is_int(headers("From: a\nDate: yesterday at noon\n\n", &h), LO_OK,
           "a mail with a bad Date:");
    ok(h.has_date && !h.date_valid, "has a date that did not parse");
    ok(!h.has_subject && h.subject[0] == 0 && h.subject_len == 0,
       "no subject: empty");

    is_int(headers("Date: Thu, 13 Feb 1969 23:32:54 -0330\n"
                   "Date: Fri, 17 May 2013 14:30:05 +0200\n"
                   "Subject:\n\n", &h), LO_OK, "two Date: fields");
    is_int(h.date, -27723426, "the first one counts (1969, before the epoch)");
    ok(h.has_subject && h.subject_len == 0, "an empty Subject:");

    memset(&h, 0x5a, sizeof h);
    is_int(headers("just text\n", &h), LO_EINVAL, "not a message: LO_EINVAL");
    ok(!h.has_sender && !h.has_subject && !h.has_date && h.sender[0] == 0,
       "and OUT is cleared");
}

static void subject_is(const char *value, const char *want, const char *what)
{
    char m[1024];
    snprintf(m, sizeof m, "From: a@example.org\nSubject: %s\n\n", value);
    struct lo_message_headers h;
    headers(m, &h);
    is_str(h.subject, want, "%s", what);
}

static void test_encoded_words(void)
{
    subject_is("=?UTF-8?B?w4lsw6h2ZSDDqXTDqQ==?=",
               "\xc3\x89l\xc3\xa8ve \xc3\xa9t\xc3\xa9",
               "a B encoded-word in UTF-8");
    subject_is("=?iso-8859-1?q?Caf=E9_cr=E8me?=", "Caf\xc3\xa9 cr\xc3\xa8me",
               "a Q encoded-word in Latin-1, made UTF-8");
    subject_is("=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab",
               "the space between two encoded-words goes");
    subject_is("=?UTF-8?Q?a?=\n =?UTF-8?Q?b?=", "ab",
               "... and a fold between them");
    subject_is("=?UTF-8?Q?a?= b =?UTF-8?Q?c?=", "a b c",
               "the space between a word and text stays");
    subject_is("Re: =?utf-8*en?Q?hello?= world", "Re: hello world",
               "a language tag (RFC 2231)");
    subject_is("=?US-ASCII?B?aGk=?=", "hi", "US-ASCII");
    subject_is("=?koi8-r?B?8NLJ18XU?=", "=?koi8-r?B?8NLJ18XU?=",
               "another charset: kept as written");
    subject_is("=?UTF-8?Q?=FF?=", "=?UTF-8?Q?=FF?=",
               "a word decoding to bad UTF-8: kept");
    subject_is("=?UTF-8?Q?a=0Ab?=", "=?UTF-8?Q?a=0Ab?=",
               "a word decoding to a line end: kept");
    subject_is("=?UTF-8?B?!!!!?=", "=?UTF-8?B?!!!!?=", "bad base64: kept");
    subject_is("=?UTF-8?X?abc?=", "=?UTF-8?X?abc?=", "encoding X: kept");
    subject_is("=?UTF-8?Q?unterminated", "=?UTF-8?Q?unterminated",
               "an unterminated word: kept");
    subject_is("1 + 1 = 2 ?= =?", "1 + 1 = 2 ?= =?", "'=' and '?' in text");
    subject_is("x=?UTF-8?Q?y?=z", "xyz", "a word inside text is decoded");
    subject_is("=?UTF-8?Q?hello_?=", "hello", "a decoded trailing space: trimmed");
    subject_is("=?UTF-8?Q?a=?=", "=?UTF-8?Q?a=?=", "Q: '=' at the end: kept");
    subject_is("=?UTF-8?Q?=G1?=", "=?UTF-8?Q?=G1?=", "Q: bad hex: kept");
    subject_is("=?us-ascii?Q?caf=E9?=", "=?us-ascii?Q?caf=E9?=",
               "US-ASCII with an 8-bit byte: kept");
    subject_is("=?UTF-8?Q?" "?=", "", "an empty encoded-word");
}

/* Field values longer than the buffer are cut at a UTF-8 boundary. */
static void test_field_truncation(void)
{
    char value[700], m[1500];
    struct lo_message_headers h;
    /* "ab" then 3-byte characters: 511 bytes would cut the 170th. */
    strcpy(value, "ab");
    for (int i = 0; i < 200; i++)
        strcat(value, "\xe2\x82\xac");
    snprintf(m, sizeof m, "From: %s\nSubject: %s\n\n", value, value + 2);
    headers(m, &h);
    is_int(h.sender_len, 2 + 169 * 3, "a long From: cut before a split sequence");
    is_int(h.subject_len, 170 * 3, "a long Subject: cut at a sequence's end");
    is_str(detect(h.sender, h.sender_len), "TEXT", "what is kept is UTF-8");
    ok(memcmp(h.sender, value, h.sender_len) == 0, "and the start of the value");
    memset(value, 'x', 600);
    value[600] = 0;
    snprintf(m, sizeof m, "From: %s\nDate: x\n\n", value);
    headers(m, &h);
    is_int(h.sender_len, LO_MESSAGE_FIELD_SIZE - 1, "ASCII: the buffer full");
}

/* ---- dates ----------------------------------------------------------------- */

/* S with its line ends and tabs written as escapes: a TAP description is
 * one line. */
static const char *escaped(const char *s)
{
    static char buf[512];
    size_t n = 0;
    for (; *s && n + 3 < sizeof buf; s++) {
        const char *e = *s == '\r' ? "\\r" : *s == '\n' ? "\\n"
                      : *s == '\t' ? "\\t" : NULL;
        if (e) {
            memcpy(buf + n, e, 2);
            n += 2;
        } else
            buf[n++] = *s;
    }
    buf[n] = 0;
    return buf;
}

static void date_is(const char *s, int64_t want, int zone, bool known)
{
    int64_t secs = 0;
    int z = -1;
    bool k = !known;
    unsigned char *c = copy_of(s, strlen(s));
    bool parsed = lo_message_parse_date(c, strlen(s), &secs, &z, &k);
    free(c);
    ok(parsed && secs == want && z == zone && k == known, "date \"%s\"",
       escaped(s));
    if (!(parsed && secs == want && z == zone && k == known))
        diag("parsed %d, %lld (want %lld), zone %d (want %d), known %d",
             parsed, (long long)secs, (long long)want, z, zone, k);
}

static void date_bad(const char *s)
{
    int64_t secs = 7;
    int z = 7;
    bool k = true;
    unsigned char *c = copy_of(s, strlen(s));
    bool parsed = lo_message_parse_date(c, strlen(s), &secs, &z, &k);
    free(c);
    ok(!parsed && secs == 7 && z == 7, "not a date: \"%s\"", escaped(s));
}

static void test_dates(void)
{
    date_is("Fri, 17 May 2013 14:30:05 +0200", 1368793805, 120, true);
    date_is("17 May 2013 14:30:05 +0200", 1368793805, 120, true);
    date_is("fri, 17 may 2013 14:30:05 +0200", 1368793805, 120, true);
    date_is("Fri 17 May 2013 14:30:05 +0200", 1368793805, 120, true);
    date_is("Fri, 17 May 2013 14:30:05 +0200 (CEST)", 1368793805, 120, true);
    date_is("Fri, 17 May 2013\r\n 14:30:05\r\n\t+0200", 1368793805, 120, true);
    date_is("  Fri, 17 May 2013 14:30:05 +0200  ", 1368793805, 120, true);
    date_is("Mon, 17 May 2013 14:30:05 +0200", 1368793805, 120, true);
    /* RFC 5322 appendix A.3 and A.6.3 (obsolete white space, comments) */
    date_is("Thu, 13 Feb 1969 23:32:54 -0330", -27723426, -210, true);
    date_is("Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n"
            "               -0330 (Newfoundland Time)", -27723480, -210, true);
    date_is("21 Nov 97 09:55:06 GMT", 880106106, 0, true);
    date_is("Fri, 21 Nov 1997 09:55:06 -0600", 880127706, -360, true);
    /* obsolete zones */
    date_is("Mon, 1 Jan 2001 09:00:00 EST", 978357600, -300, true);
    date_is("Sat, 3 Mar 2007 10:00:00 PDT", 1172941200, -420, true);
    date_is("17 May 2013 14:30:05 UT", 1368801005, 0, true);
    date_is("17 May 2013 14:30:05 gmt", 1368801005, 0, true);
    date_is("17 May 2013 14:30:05 Z", 1368801005, 0, false);
    date_is("17 May 2013 14:30:05 a", 1368801005, 0, false);
    date_is("17 May 2013 14:30:05 -0000", 1368801005, 0, false);
    date_is("17 May 2013 14:30:05 +0000", 1368801005, 0, true);
    /* years: two digits 00-49 -> 20xx, 50-99 -> 19xx, three -> +1900 */
    date_is("1 Jan 99 00:00 +0000", 915148800, 0, true);
    date_is("3 Mar 07 10:00:00 -0700", 1172941200, -420, true);
    date_is("15 Jun 50 08:00:00 PST", -616838400, -480, true);
    date_is("31 Dec 49 23:59 +0000", 2524607940, 0, true);
    date_is("1 Jan 103 00:00:00 +0000", 1041379200, 0, true);
    /* leap day, leap second */
    date_is("29 Feb 2000 12:00:00 +0000", 951825600, 0, true);
    date_is("31 Dec 2016 23:59:60 +0000", 1483228800, 0, true);
    date_is("1 Jan 1600 00:00:00 +0000", -135140LL * 86400, 0, true);

    static const char *const bad[] = {
        "", "yesterday", "Fri, 17 May 2013", "17 May 2013 14:30:05",
        "17 May 2013 14:30:05 +020", "17 May 2013 14:30:05 +02000",
        "17 May 2013 14:30:05 +0260", "17 May 2013 14:30:05 CEST",
        "17 May 2013 14:30:05 J", "17 May 2013 14:30:05 +0200 extra",
        "17 May 2013 14:30:05 +0200 (unclosed", "17 Mai 2013 14:30:05 +0200",
        "Friday, 17 May 2013 14:30:05 +0200", "32 May 2013 14:30:05 +0200",
        "0 May 2013 14:30:05 +0200", "29 Feb 1900 00:00:00 +0000",
        "31 Apr 2013 00:00:00 +0000", "17 May 2013 24:00:00 +0000",
        "17 May 2013 14:60:00 +0000", "17 May 2013 14:30:61 +0000",
        "17 May 2013 14:3:05 +0000", "17 May 2013 14:30:5 +0000",
        "17 May 2 14:30:05 +0000", "117 May 2013 14:30:05 +0000",
        "17 May 2013 14.30.05 +0000", "2013-05-17T14:30:05Z",
        "17 May 2013 14:30:05 +0200 (a \\", "May 17 2013 14:30:05 +0000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        date_bad(bad[i]);
}

/* ---- civil dates ----------------------------------------------------------- */

static void test_civil(void)
{
    static const struct { int64_t y; unsigned m, d; int64_t days; } known[] = {
        { 1970, 1, 1, 0 },         { 1969, 12, 31, -1 },
        { 2000, 2, 29, 11016 },    { 2000, 3, 1, 11017 },
        { 1900, 1, 1, -25567 },    { 1900, 3, 1, -25508 },
        { 1600, 1, 1, -135140 },   { 1600, 2, 29, -135081 },
        { 2100, 2, 28, 47540 },    { 2100, 3, 1, 47541 },
        { 1, 1, 1, -719162 },      { 0, 3, 1, -719468 },
        { 0, 1, 1, -719528 },      { -1, 1, 1, -719893 },
        { -400, 1, 1, -865625 },   { 9999, 12, 31, 2932896 },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        int64_t y;
        unsigned m, d;
        is_int(lo_days_from_civil(known[i].y, known[i].m, known[i].d),
               known[i].days, "%lld-%02u-%02u is day %lld",
               (long long)known[i].y, known[i].m, known[i].d,
               (long long)known[i].days);
        lo_civil_from_days(known[i].days, &y, &m, &d);
        ok(y == known[i].y && m == known[i].m && d == known[i].d,
           "and back: %lld-%02u-%02u", (long long)y, m, d);
    }

    /* Every day from -800-01-01 to 2500-01-01: the inverse gives it back,
     * and each is the day after the one before. */
    int64_t first = lo_days_from_civil(-800, 1, 1);
    int64_t last = lo_days_from_civil(2500, 1, 1);
    int64_t py = -801;
    unsigned pm = 12, pd = 31;
    long bad = 0;
    for (int64_t n = first; n <= last; n++) {
        int64_t y;
        unsigned m, d;
        lo_civil_from_days(n, &y, &m, &d);
        bool next = (y == py && m == pm && d == pd + 1) ||
                    (y == py && m == pm + 1 && d == 1 &&
                     pd == lo_days_in_month(py, pm)) ||
                    (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31);
        if (!next || lo_days_from_civil(y, m, d) != n ||
            d > lo_days_in_month(y, m)) {
            if (bad++ < 5)
                diag("day %lld: %lld-%u-%u", (long long)n, (long long)y, m, d);
        }
        py = y, pm = m, pd = d;
    }
    is_int(bad, 0, "every day from -800 to 2500 round-trips, in order");
    is_int(last - first, 1205301, "3300 years of days");

    /* Far dates. */
    int64_t y;
    unsigned m, d;
    int64_t far = lo_days_from_civil(1000000000, 6, 15);
    lo_civil_from_days(far, &y, &m, &d);
    ok(y == 1000000000 && m == 6 && d == 15, "year 1e9 round-trips");
    far = lo_days_from_civil(-1000000000, 2, 29);
    lo_civil_from_days(far, &y, &m, &d);
    ok(y == -1000000000 && m == 2 && d == 29, "year -1e9 (a leap year) too");
    is_int(lo_days_in_month(2000, 2), 29, "February 2000: 29 days");
    is_int(lo_days_in_month(1900, 2), 28, "February 1900: 28");
    is_int(lo_days_in_month(-4, 2), 29, "February -4: 29");
    is_int(lo_days_in_month(2013, 13), 0, "month 13: 0");
}

int main(void)
{
    test_magic();
    test_truncated();
    test_mp3();
    test_mp4();
    test_html();
    test_text();
    test_garbage();
    test_is_message();
    test_headers();
    test_encoded_words();
    test_field_truncation();
    test_dates();
    test_civil();
    return done_testing();
}
