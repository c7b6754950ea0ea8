/*
 * format.c -- the :format of stored content, the headers of a mail, and
 * civil dates (see format.h for the API and what each function promises).
 *
 * The file reads in the order a caller meets it:
 *
 *   1. formats by magic number (PDF ... ELF, MP4 and MP3 a little deeper),
 *   2. HTML and UTF-8 text, then lo_format_detect, which tries them in
 *      order: binary signatures first, HTML before text;
 *   3. the header block of a message: a walker over its fields, shared by
 *      lo_format_is_message and lo_message_headers;
 *   4. a field's value made readable: unfolded, trimmed, RFC 2047
 *      encoded-words decoded, cut cleanly at a UTF-8 boundary;
 *   5. the RFC 5322 date-time;
 *   6. civil dates (days <-> year, month, day).
 *
 * Every reader here takes (bytes, len) and checks each index against len
 * before it reads: the content is whatever a user stored.  Nothing is
 * allocated; scratch space is a few hundred bytes of stack.
 */
#include <string.h>

#include "drivers/error.h"
#include "store/format.h"

typedef unsigned char uc;

/* ---- small helpers ---------------------------------------------------- */

/* True when bytes[off ..] starts with the N bytes of MAGIC. */
static bool has_at(const uc *bytes, size_t len, size_t off,
                   const char *magic, size_t n)
{
    return off <= len && len - off >= n && memcmp(bytes + off, magic, n) == 0;
}

static uc ascii_lower(uc c)
{
    return c >= 'A' && c <= 'Z' ? (uc)(c - 'A' + 'a') : c;
}

static bool is_alpha(uc c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(uc c)
{
    return c >= '0' && c <= '9';
}

/* The offset of the first C in b[from .. len), or len when there is
 * none (memchr, which the core's string.h does not offer). */
static size_t find_byte(const uc *b, size_t len, size_t from, uc c)
{
    for (size_t i = from; i < len; i++)
        if (b[i] == c)
            return i;
    return len;
}

/* Like has_at, ignoring ASCII case; WORD is given in lower case. */
static bool has_at_nocase(const uc *bytes, size_t len, size_t off,
                          const char *word)
{
    size_t n = strlen(word);
    if (off > len || len - off < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(bytes[off + i]) != (uc)word[i])
            return false;
    return true;
}

/* Equal ignoring ASCII case: S (N bytes) and the NUL-terminated WORD,
 * which is in lower case. */
static bool equals_nocase(const uc *s, size_t n, const char *word)
{
    return strlen(word) == n && has_at_nocase(s, n, 0, word);
}

static uint32_t be32(const uc *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

/* ---- 1. formats by magic number ---------------------------------------
 * Each check looks at the first bytes only.  Where the signature is
 * short or made of letters (so that a text could start with it), a few
 * more bytes of the format's first structure are checked too. */

/* Ogg: the capture pattern of the first page, then version 0. */
static bool is_ogg(const uc *b, size_t len)
{
    return has_at(b, len, 0, "OggS", 4) && len >= 5 && b[4] == 0;
}

/* FLAC: the marker, then the first metadata block, which must be the
 * STREAMINFO block (type 0), 34 bytes long. */
static bool is_flac(const uc *b, size_t len)
{
    return has_at(b, len, 0, "fLaC", 4) && len >= 8 && (b[4] & 0x7f) == 0 &&
           b[5] == 0 && b[6] == 0 && b[7] == 34;
}

/* ZIP: a local file header, or the end record of an empty archive. */
static bool is_zip(const uc *b, size_t len)
{
    return has_at(b, len, 0, "PK\x03\x04", 4) ||
           has_at(b, len, 0, "PK\x05\x06", 4);
}

/* The major brands (and compatible brands) of an ISO base media file
 * that make it an MP4 audio or video file. */
static bool is_mp4_brand(const uc *brand)
{
    static const char *const brands[] = {
        "isom", "mp41", "mp42", "mp71", "avc1", "dash", "M4A ", "M4B ",
        "M4P ", "M4V ", "M4VH", "M4VP", "f4v ", "f4a ", "f4p ", "mmp4",
        "MSNV", "NDAS", "XAVC", "iso2", "iso3", "iso4", "iso5", "iso6",
        "iso7", "iso8", "iso9",
    };
    for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
        if (memcmp(brand, brands[i], 4) == 0)
            return true;
    /* 3GPP and 3GPP2: 3gp4, 3gp5, ..., 3g2a, ... */
    return memcmp(brand, "3gp", 3) == 0 || memcmp(brand, "3g2", 3) == 0;
}

/* Major brands of the same box structure that are not MP4: QuickTime,
 * HEIF/AVIF images, JPEG 2000, Canon raw.  Their compatible brands often
 * name "isom" too, which must not make them MP4. */
static bool is_other_brand(const uc *brand)
{
    static const char *const brands[] = {
        "qt  ", "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1",
        "msf1", "avif", "avis", "crx ", "jp2 ", "jpm ", "jpx ", "mjp2",
    };
    for (size_t i = 0; i < sizeof brands / sizeof brands[0]; i++)
        if (memcmp(brand, brands[i], 4) == 0)
            return true;
    return false;
}

/* MP4: the file starts with an ftyp box (size, "ftyp", major brand,
 * minor version, compatible brands) whose major brand, or else one of
 * whose compatible brands, is an MP4 one. */
static bool is_mp4(const uc *b, size_t len)
{
    if (len < 16 || !has_at(b, len, 4, "ftyp", 4))
        return false;
    uint32_t size = be32(b);
    if (size < 16 || size % 4 != 0)
        return false;
    if (is_mp4_brand(b + 8))
        return true;
    if (is_other_brand(b + 8))
        return false;
    for (size_t off = 16; off + 4 <= size && off + 4 <= len; off += 4)
        if (is_mp4_brand(b + off))
            return true;
    return false;
}

/* An ID3v2 tag, which MP3 files start with: "ID3", a version 2.2 to 2.4,
 * flags, and a size of four 7-bit bytes. */
static bool is_id3(const uc *b, size_t len)
{
    return has_at(b, len, 0, "ID3", 3) && len >= 10 && b[3] >= 2 &&
           b[3] <= 4 && b[4] != 0xff && (b[6] | b[7] | b[8] | b[9]) < 0x80;
}

/* An MPEG audio layer III frame header at b[0..3]: its length in bytes,
 * or 0 when the four bytes are not one.  *KEY receives the bits every
 * frame of a stream shares (version, layer, sampling rate). */
static size_t mp3_frame(const uc *b, unsigned *key)
{
    static const uint16_t kbps_v1[16] = {
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0,
    };
    static const uint16_t kbps_v2[16] = {
        0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0,
    };
    static const uint32_t rate[4][3] = {
        { 11025, 12000, 8000 },   /* MPEG 2.5 */
        { 0, 0, 0 },              /* reserved */
        { 22050, 24000, 16000 },  /* MPEG 2 */
        { 44100, 48000, 32000 },  /* MPEG 1 */
    };
    if (b[0] != 0xff || (b[1] & 0xe0) != 0xe0)
        return 0;                               /* no frame sync */
    unsigned version = (b[1] >> 3) & 3, layer = (b[1] >> 1) & 3;
    unsigned bitrate = b[2] >> 4, srate = (b[2] >> 2) & 3;
    unsigned padding = (b[2] >> 1) & 1, emphasis = b[3] & 3;
    if (version == 1 || layer != 1 || srate == 3 || emphasis == 2)
        return 0;                               /* reserved, or not layer III */
    uint32_t kbps = version == 3 ? kbps_v1[bitrate] : kbps_v2[bitrate];
    if (kbps == 0)
        return 0;                               /* "free" or bad bit rate */
    *key = (unsigned)(b[1] & 0xfe) << 8 | (b[2] & 0x0c);
    uint32_t samples_per_8 = version == 3 ? 144000 : 72000;
    return samples_per_8 * kbps / rate[version][srate] + padding;
}

/* MP3 without a tag: a frame header at the start and, when the buffer
 * reaches that far, a second one of the same stream right after it. */
static bool is_mp3_frames(const uc *b, size_t len)
{
    unsigned key, next_key;
    if (len < 4)
        return false;
    size_t frame = mp3_frame(b, &key);
    if (frame == 0)
        return false;
    if (frame > len || len - frame < 4)
        return true;                  /* one frame is all there is to see */
    return mp3_frame(b + frame, &next_key) != 0 && next_key == key;
}

/* The binary formats, in the order they are tried.  The signatures do
 * not overlap; MP3's frame sync (FF Ex/Fx) is last, after JPEG (FF D8). */
static const char *detect_binary(const uc *b, size_t len)
{
    if (has_at(b, len, 0, "%PDF-", 5))
        return "PDF";
    if (has_at(b, len, 0, "\x89PNG\r\n\x1a\n", 8))
        return "PNG";
    if (has_at(b, len, 0, "\xff\xd8\xff", 3))
        return "JPEG";
    if (has_at(b, len, 0, "GIF87a", 6) || has_at(b, len, 0, "GIF89a", 6))
        return "GIF";
    if (is_ogg(b, len))
        return "OGG";
    if (is_flac(b, len))
        return "FLAC";
    if (is_zip(b, len))
        return "ZIP";
    if (has_at(b, len, 0, "\x1f\x8b\x08", 3))
        return "GZIP";
    if (has_at(b, len, 0, "\x7f" "ELF", 4))
        return "ELF";
    if (is_mp4(b, len))
        return "MP4";
    if (is_id3(b, len) || is_mp3_frames(b, len))
        return "MP3";
    return NULL;
}

/* ---- 2. HTML and text ------------------------------------------------- */

/* How far into the content HTML is looked for. */
enum { HTML_WINDOW = 4096, HTML_TAG_NEAR = 1024 };

static bool is_html_space(uc c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The offset just past NEEDLE in b[from .. len), or 0 when absent. */
static size_t skip_past(const uc *b, size_t len, size_t from,
                        const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = from; i + n <= len; i++)
        if (memcmp(b + i, needle, n) == 0)
            return i + n;
    return 0;
}

/* A start tag "<NAME" at OFF, NAME ending at white space, '>' or '/'. */
static bool tag_at(const uc *b, size_t len, size_t off, const char *name)
{
    size_t end = off + 1 + strlen(name);
    return off < len && b[off] == '<' && has_at_nocase(b, len, off + 1, name)
           && end < len && (is_html_space(b[end]) || b[end] == '>' ||
                            b[end] == '/');
}

/* "<!DOCTYPE html" at OFF (any case, any white space between). */
static bool html_doctype_at(const uc *b, size_t len, size_t off)
{
    if (!has_at_nocase(b, len, off, "<!doctype"))
        return false;
    size_t i = off + 9;
    if (i >= len || !is_html_space(b[i]))
        return false;
    while (i < len && is_html_space(b[i]))
        i++;
    return has_at_nocase(b, len, i, "html") && i + 4 < len &&
           (is_html_space(b[i + 4]) || b[i + 4] == '>');
}

/* HTML: after a byte order mark, white space, comments and an XML
 * declaration, a doctype or an <html>, <head> or <body> tag; or other
 * markup with a <head> or <body> tag close after it.  Encodings other
 * than ASCII-compatible ones (UTF-16) are not recognised: a NUL in the
 * window says "not HTML". */
static bool is_html(const uc *b, size_t len)
{
    size_t n = len < HTML_WINDOW ? len : HTML_WINDOW;
    if (find_byte(b, n, 0, 0) < n)
        return false;
    size_t i = has_at(b, n, 0, "\xef\xbb\xbf", 3) ? 3 : 0;
    for (;;) {
        while (i < n && is_html_space(b[i]))
            i++;
        size_t past = 0;
        if (has_at(b, n, i, "<!--", 4))
            past = skip_past(b, n, i + 4, "-->");
        else if (has_at_nocase(b, n, i, "<?xml"))
            past = skip_past(b, n, i + 5, "?>");
        else
            break;
        if (past == 0)
            return false;             /* unterminated within the window */
        i = past;
    }
    if (i >= n || b[i] != '<')
        return false;
    if (html_doctype_at(b, n, i) || tag_at(b, n, i, "html") ||
        tag_at(b, n, i, "head") || tag_at(b, n, i, "body"))
        return true;
    size_t near = n - i < HTML_TAG_NEAR ? n : i + HTML_TAG_NEAR;
    for (size_t j = i + 1; j < near; j++)
        if (tag_at(b, near, j, "head") || tag_at(b, near, j, "body"))
            return true;
    return false;
}

/*
 * The length of the UTF-8 sequence at b[i] when it is well formed
 * (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF),
 * 0 when it is not.  A sequence the buffer's end cuts is well formed so
 * far when *CUT is set on return (its length is then what remains).
 */
static size_t utf8_sequence(const uc *b, size_t len, size_t i, bool *cut)
{
    uc c = b[i];
    size_t need;
    uc lo = 0x80, hi = 0xbf;          /* the range of the second byte */
    *cut = false;
    if (c < 0x80)
        return 1;
    else if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0;                /* overlong below U+0800 */
        else if (c == 0xed)
            hi = 0x9f;                /* U+D800..DFFF: surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90;                /* overlong below U+10000 */
        else if (c == 0xf4)
            hi = 0x8f;                /* above U+10FFFF */
    } else
        return 0;                     /* 80..C1, F5..FF */
    for (size_t k = 1; k < need; k++) {
        if (i + k >= len) {
            *cut = true;
            return k;
        }
        uc min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xbf;
        if (b[i + k] < min || b[i + k] > max)
            return 0;
    }
    return need;
}

/* A control character in text: C0 other than tab, LF, FF, CR; DEL. */
static bool is_text_control(uc c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r') ||
           c == 0x7f;
}

/* TEXT: see lo_format_detect in format.h.  The sequence that starts
 * before the prefix's end is checked whole, with the bytes after it. */
static bool is_text(const uc *b, size_t len)
{
    size_t limit = len < LO_FORMAT_TEXT_PREFIX ? len : LO_FORMAT_TEXT_PREFIX;
    size_t controls = 0;
    for (size_t i = 0; i < limit;) {
        bool cut;
        size_t n = utf8_sequence(b, len, i, &cut);
        if (n == 0 || b[i] == 0)
            return false;
        if (cut)
            return len > LO_FORMAT_TEXT_PREFIX;  /* a prefix, cut by its end */
        if (is_text_control(b[i]) || (b[i] == 0xc2 && b[i + 1] < 0xa0))
            controls++;                /* C0, DEL or C1 (U+0080..9F) */
        i += n;
    }
    return controls * 100 <= limit;
}

const char *lo_format_detect(const unsigned char *bytes, size_t len)
{
    if (bytes == NULL || len == 0)
        return NULL;
    const char *binary = detect_binary(bytes, len);
    if (binary != NULL)
        return binary;
    if (is_html(bytes, len))
        return "HTML";
    if (is_text(bytes, len))
        return "TEXT";
    return NULL;
}

/* ---- 3. the header block of a message --------------------------------
 * RFC 5322 section 2.2: a field is a name (printable ASCII but ':'), a
 * colon and a value that runs on over the following lines starting with
 * a space or a tab (folding).  The header block ends at the first empty
 * line.  The walker hands out one field at a time; its value is the raw
 * bytes after the colon, folds included. */

struct header_walk {
    const uc *b;
    size_t len;          /* min(buffer, LO_MESSAGE_HEADER_MAX) */
    size_t pos;          /* the start of the next line */
    bool cut;            /* len < the buffer's length */
};

struct header_field {
    const uc *name;
    size_t name_len;
    const uc *value;     /* after the colon, up to the last line's end */
    size_t value_len;
};

enum { WALK_FIELD = 1, WALK_END = 0, WALK_BAD = -1 };

/* The end of the line starting at POS (the offset of its '\n', or LEN),
 * and in *CONTENT_END where its content ends (before "\r\n" or "\n"). */
static size_t line_end(const struct header_walk *w, size_t pos,
                       size_t *content_end)
{
    size_t end = find_byte(w->b, w->len, pos, '\n');
    size_t c = end;
    if (end < w->len && c > pos && w->b[c - 1] == '\r')
        c--;
    *content_end = c;
    return end;
}

static void walk_start(struct header_walk *w, const uc *b, size_t len)
{
    w->b = b;
    w->len = len < LO_MESSAGE_HEADER_MAX ? len : LO_MESSAGE_HEADER_MAX;
    w->cut = w->len < len;
    w->pos = 0;
    /* An mbox file's "From sender date" separator line may come first
     * ("From :", with the obsolete space before the colon, is a field). */
    size_t i = 5;
    while (i < w->len && b[i] == ' ')
        i++;
    if (has_at(b, w->len, 0, "From ", 5) && i < w->len && b[i] != ':') {
        size_t c, end = line_end(w, 0, &c);
        w->pos = end < w->len ? end + 1 : w->len;
    }
}

static bool is_field_name_char(uc c)
{
    return c > 32 && c < 127 && c != ':';
}

/* The next field into *F: WALK_FIELD, WALK_END at the empty line or the
 * end of the buffer, WALK_BAD when the line is not a field (or holds a
 * NUL: binary data). */
static int walk_next(struct header_walk *w, struct header_field *f)
{
    if (w->pos >= w->len)
        return WALK_END;
    size_t content_end, end = line_end(w, w->pos, &content_end);
    if (content_end == w->pos)
        return WALK_END;                        /* the empty line */
    if (w->cut && end == w->len)
        return WALK_END;          /* a line the limit cuts: judge without it */
    const uc *b = w->b;
    size_t i = w->pos;
    while (i < content_end && is_field_name_char(b[i]))
        i++;
    f->name = b + w->pos;
    f->name_len = i - w->pos;
    while (i < content_end && (b[i] == ' ' || b[i] == '\t'))
        i++;                                    /* obsolete: WSP before ':' */
    if (f->name_len == 0 || i >= content_end || b[i] != ':')
        return WALK_BAD;
    f->value = b + i + 1;
    size_t value_end = content_end;
    /* Continuation lines: those that start with a space or a tab. */
    while (end < w->len && end + 1 < w->len &&
           (b[end + 1] == ' ' || b[end + 1] == '\t')) {
        end = line_end(w, end + 1, &value_end);
    }
    f->value_len = value_end - (i + 1);
    if (find_byte(b, value_end, w->pos, 0) < value_end)
        return WALK_BAD;
    w->pos = end < w->len ? end + 1 : w->len;
    return WALK_FIELD;
}

/* The fields that tell a message (lo_format_is_message), one bit each. */
static unsigned message_field_bit(const struct header_field *f)
{
    static const char *const names[] = {
        "from", "date", "subject", "to", "message-id", "received",
        "return-path", "mime-version",
    };
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (equals_nocase(f->name, f->name_len, names[i]))
            return 1u << i;
    return 0;
}

bool lo_format_is_message(const unsigned char *bytes, size_t len)
{
    if (bytes == NULL)
        return false;
    struct header_walk w;
    struct header_field f;
    unsigned seen = 0;
    int r;
    walk_start(&w, bytes, len);
    while ((r = walk_next(&w, &f)) == WALK_FIELD)
        seen |= message_field_bit(&f);
    unsigned kinds = 0;
    for (; seen != 0; seen &= seen - 1)
        kinds++;
    return r == WALK_END && kinds >= 2;
}

/* ---- 4. a field's value, made readable --------------------------------
 * The value is copied into a fixed buffer through a sink that stops when
 * the buffer is full, unfolded (line ends dropped: the space or tab after
 * them stays, RFC 5322 section 2.2.3), trimmed, with RFC 2047
 * encoded-words ("=?UTF-8?B?w6k=?=") decoded where that gives UTF-8. */

struct sink {
    char *buf;
    size_t cap;          /* the buffer's size, its NUL included */
    size_t n;
    bool full;           /* something did not fit */
};

static void sink_put(struct sink *s, const uc *p, size_t n)
{
    for (size_t i = 0; i < n && !s->full; i++) {
        if (s->n + 1 >= s->cap)
            s->full = true;
        else
            s->buf[s->n++] = (char)p[i];
    }
}

/* Copy raw value bytes, leaving the line ends of folding out. */
static void sink_put_unfolded(struct sink *s, const uc *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != '\r' && p[i] != '\n')
            sink_put(s, p + i, 1);
}

/* The number of bytes a UTF-8 lead byte announces (1 for anything that
 * is not a lead byte). */
static size_t utf8_lead_length(uc c)
{
    return c >= 0xf0 && c <= 0xf7 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* Close the sink: drop trailing white space and, when the value was cut,
 * a UTF-8 sequence the cut left incomplete; NUL-terminate. */
static size_t sink_finish(struct sink *s)
{
    if (s->full && s->n > 0) {
        size_t start = s->n - 1;     /* the last sequence's first byte */
        while (start > 0 && s->n - start < 4 &&
               ((uc)s->buf[start] & 0xc0) == 0x80)
            start--;
        if (start + utf8_lead_length((uc)s->buf[start]) > s->n)
            s->n = start;
    }
    while (s->n > 0 && (s->buf[s->n - 1] == ' ' || s->buf[s->n - 1] == '\t'))
        s->n--;
    s->buf[s->n] = '\0';
    return s->n;
}

/* The charsets whose encoded-words are decoded. */
enum charset { CHARSET_OTHER, CHARSET_UTF8, CHARSET_ASCII, CHARSET_LATIN1 };

static enum charset charset_of(const uc *name, size_t n)
{
    n = find_byte(name, n, 0, '*');             /* RFC 2231: "UTF-8*en" */
    if (equals_nocase(name, n, "utf-8") || equals_nocase(name, n, "utf8"))
        return CHARSET_UTF8;
    if (equals_nocase(name, n, "us-ascii") || equals_nocase(name, n, "ascii"))
        return CHARSET_ASCII;
    if (equals_nocase(name, n, "iso-8859-1") ||
        equals_nocase(name, n, "iso8859-1") || equals_nocase(name, n, "latin1"))
        return CHARSET_LATIN1;
    return CHARSET_OTHER;
}

static int hex_value(uc c)
{
    if (is_digit(c))
        return c - '0';
    c = ascii_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int base64_value(uc c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (is_digit(c))
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decode "B" text (base64, '=' padding at the end only) into OUT (CAP
 * bytes); the decoded length, or -1 when it is not base64 or too long. */
static long decode_b(const uc *t, size_t n, uc *out, size_t cap)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    while (n > 0 && t[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++) {
        int v = base64_value(t[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uc)(acc >> bits);
        }
    }
    return (long)o;
}

/* Decode "Q" text ('_' is a space, "=XX" a byte in hex). */
static long decode_q(const uc *t, size_t n, uc *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = t[i];
        if (c == '_')
            c = ' ';
        else if (c == '=') {
            if (i + 2 >= n)
                return -1;
            int hi = hex_value(t[i + 1]), lo = hex_value(t[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi << 4 | lo;
            i += 2;
        }
        if (o >= cap)
            return -1;
        out[o++] = (uc)c;
    }
    return (long)o;
}

/* True when OUT (N bytes) is UTF-8 text a field may hold: well formed,
 * no control characters but tab (a decoded word must not smuggle a line
 * end or a NUL into the value). */
static bool decoded_ok(const uc *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        bool cut;
        size_t k = utf8_sequence(p, n, i, &cut);
        if (k == 0 || cut || (p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f ||
            (p[i] == 0xc2 && p[i + 1] < 0xa0))
            return false;
        i += k;
    }
    return true;
}

/* The longest encoded-word text decoded; longer ones are kept as written
 * (RFC 2047 allows 75 characters for the whole word). */
enum { WORD_TEXT_MAX = 600, WORD_DECODED_MAX = 2 * WORD_TEXT_MAX };

/*
 * An encoded-word "=?charset?E?text?=" at p[0 ..]: when it is one and it
 * decodes to acceptable UTF-8 (Latin-1 converted), put the text in OUT
 * and return the word's length in *WORD_LEN; else return -1.
 */
static long encoded_word(const uc *p, size_t n, uc *out, size_t *word_len)
{
    if (n < 2 || p[0] != '=' || p[1] != '?')
        return -1;
    size_t i = 2, charset_start = 2;
    while (i < n && p[i] != '?' && p[i] > ' ' && p[i] < 127)
        i++;
    if (i + 3 >= n || p[i] != '?' || i == charset_start || p[i + 2] != '?')
        return -1;
    enum charset cs = charset_of(p + charset_start, i - charset_start);
    uc enc = ascii_lower(p[i + 1]);
    size_t text = i + 3, t = text;
    while (t < n && p[t] != '?' && p[t] > ' ' && p[t] < 127)
        t++;
    if (t + 1 >= n || p[t] != '?' || p[t + 1] != '=')
        return -1;
    if (cs == CHARSET_OTHER || (enc != 'b' && enc != 'q') ||
        t - text > WORD_TEXT_MAX)
        return -1;
    uc raw[WORD_TEXT_MAX];
    long m = enc == 'b' ? decode_b(p + text, t - text, raw, sizeof raw)
                        : decode_q(p + text, t - text, raw, sizeof raw);
    if (m < 0)
        return -1;
    size_t o = 0;
    for (long k = 0; k < m; k++) {
        if (cs == CHARSET_ASCII && raw[k] >= 0x80)
            return -1;
        if (cs == CHARSET_LATIN1 && raw[k] >= 0x80) {
            out[o++] = (uc)(0xc0 | raw[k] >> 6);   /* U+0080..U+00FF */
            out[o++] = (uc)(0x80 | (raw[k] & 0x3f));
        } else
            out[o++] = raw[k];
    }
    if (!decoded_ok(out, o))
        return -1;
    *word_len = t + 2;
    return (long)o;
}

static bool is_fold_space(uc c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Copy a field's raw value into BUF (LO_MESSAGE_FIELD_SIZE bytes): the
 * text between encoded-words as written (unfolded), each decodable
 * encoded-word as its text, and the white space between two decoded
 * encoded-words dropped (RFC 2047 section 6.2).  Returns the length.
 */
static size_t copy_field(const uc *v, size_t n, char *buf)
{
    struct sink s = { buf, LO_MESSAGE_FIELD_SIZE, 0, false };
    uc decoded[WORD_DECODED_MAX];
    size_t i = 0;
    while (i < n && is_fold_space(v[i]))
        i++;                                    /* leading white space */
    bool after_word = false;                    /* the last token decoded */
    size_t space_start = i, space_end = i;      /* white space not yet put */
    while (i < n && !s.full) {
        if (is_fold_space(v[i])) {
            space_start = i;
            while (i < n && is_fold_space(v[i]))
                i++;
            space_end = i;
            continue;
        }
        size_t word_len = 0;
        long m = v[i] == '=' ? encoded_word(v + i, n - i, decoded, &word_len)
                             : -1;
        if (!(m >= 0 && after_word))
            sink_put_unfolded(&s, v + space_start, space_end - space_start);
        space_start = space_end = i;
        if (m >= 0) {
            sink_put(&s, decoded, (size_t)m);
            i += word_len;
            after_word = true;
        } else {
            size_t j = i + 1;   /* to the next space or = */
            while (j < n && !is_fold_space(v[j]) && v[j] != '=')
                j++;
            sink_put(&s, v + i, j - i);
            i = j;
            after_word = false;
        }
    }
    return sink_finish(&s);
}

/* ---- 5. the date: RFC 5322 section 3.3 (and 4.3, the obsolete forms) --
 * A scanner over the raw value that skips CFWS -- white space, folding
 * and comments "(...)", which nest and may quote with '\' -- between
 * tokens, wherever it finds them (the obsolete syntax allows them almost
 * anywhere). */

struct scan {
    const uc *s;
    size_t n, i;
    bool bad;            /* an unterminated comment */
};

static void skip_cfws(struct scan *sc)
{
    while (sc->i < sc->n) {
        uc c = sc->s[sc->i];
        if (is_fold_space(c)) {
            sc->i++;
        } else if (c == '(') {
            int depth = 0;
            for (; sc->i < sc->n; sc->i++) {
                c = sc->s[sc->i];
                if (c == '\\')
                    sc->i++;                    /* quoted-pair */
                else if (c == '(')
                    depth++;
                else if (c == ')' && --depth == 0)
                    break;
            }
            if (sc->i >= sc->n) {
                sc->i = sc->n;  /* past a last backslash */
                sc->bad = true;
                return;
            }
            sc->i++;                            /* the closing ')' */
        } else
            return;
    }
}

/* A run of 1 to MAX digits after CFWS into *V; the count read (0 for
 * none or for more than MAX: then the token is not the one wanted). */
static unsigned scan_number(struct scan *sc, unsigned max, int64_t *v)
{
    skip_cfws(sc);
    unsigned k = 0;
    int64_t x = 0;
    while (sc->i < sc->n && is_digit(sc->s[sc->i])) {
        if (++k > max)
            return 0;
        x = x * 10 + (sc->s[sc->i++] - '0');
    }
    *v = x;
    return k;
}

/* A run of letters after CFWS: its start and length. */
static size_t scan_word(struct scan *sc, const uc **word)
{
    skip_cfws(sc);
    size_t start = sc->i;
    while (sc->i < sc->n && is_alpha(sc->s[sc->i]))
        sc->i++;
    *word = sc->s + start;
    return sc->i - start;
}

static bool scan_char(struct scan *sc, uc c)
{
    skip_cfws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == c) {
        sc->i++;
        return true;
    }
    return false;
}

/* The index of the three-letter name in NAMES (lower case), or -1. */
static int name_index(const uc *w, size_t n, const char *const *names,
                      int count)
{
    for (int k = 0; k < count; k++)
        if (equals_nocase(w, n, names[k]))
            return k;
    return -1;
}

static const char *const day_names[] = {
    "mon", "tue", "wed", "thu", "fri", "sat", "sun",
};
static const char *const month_names[] = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec",
};

/* A zone name of the obsolete syntax: its offset in minutes east and
 * whether it names the writer's zone; false when W is no zone name. */
static bool obsolete_zone(const uc *w, size_t n, int *minutes, bool *known)
{
    static const struct { const char *name; int hours; } zones[] = {
        { "ut", 0 }, { "gmt", 0 }, { "edt", -4 }, { "est", -5 },
        { "cdt", -5 }, { "cst", -6 }, { "mdt", -6 }, { "mst", -7 },
        { "pdt", -7 }, { "pst", -8 },
    };
    for (size_t k = 0; k < sizeof zones / sizeof zones[0]; k++)
        if (equals_nocase(w, n, zones[k].name)) {
            *minutes = zones[k].hours * 60;
            *known = true;
            return true;
        }
    /* Military zones, every letter but J: RFC 822 got their signs wrong,
     * so RFC 5322 says to read them as -0000, "zone unknown". */
    if (n == 1 && ascii_lower(w[0]) != 'j') {
        *minutes = 0;
        *known = false;
        return true;
    }
    return false;
}

/* The zone: "+hhmm" / "-hhmm" or an obsolete name. */
static bool scan_zone(struct scan *sc, int *minutes, bool *known)
{
    skip_cfws(sc);
    if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-')) {
        bool minus = sc->s[sc->i++] == '-';
        const uc *d = sc->s + sc->i;
        if (sc->n - sc->i < 4 || !is_digit(d[0]) || !is_digit(d[1]) ||
            !is_digit(d[2]) || !is_digit(d[3]) ||
            (sc->n - sc->i > 4 && is_digit(d[4])))
            return false;
        int hh = (d[0] - '0') * 10 + (d[1] - '0');
        int mm = (d[2] - '0') * 10 + (d[3] - '0');
        if (mm > 59)
            return false;
        sc->i += 4;
        *minutes = (minus ? -1 : 1) * (hh * 60 + mm);
        *known = !(minus && hh == 0 && mm == 0);    /* "-0000": unknown */
        return true;
    }
    const uc *w;
    size_t n = scan_word(sc, &w);
    return n > 0 && obsolete_zone(w, n, minutes, known);
}

bool lo_message_parse_date(const unsigned char *s, size_t len,
                           int64_t *seconds, int *zone_minutes,
                           bool *zone_known)
{
    if (s == NULL)
        return false;
    struct scan sc = { s, len, 0, false };
    const uc *w;
    size_t wn;
    int64_t day, year, hour, minute, second = 0;
    unsigned year_digits;

    /* [day-of-week ","]: checked to be a day name, not against the date */
    skip_cfws(&sc);
    if (sc.i < sc.n && is_alpha(s[sc.i])) {
        wn = scan_word(&sc, &w);
        if (name_index(w, wn, day_names, 7) < 0)
            return false;
        scan_char(&sc, ',');                    /* required, but often lost */
    }
    /* date: day month year */
    if (scan_number(&sc, 2, &day) == 0)
        return false;
    wn = scan_word(&sc, &w);
    int month = name_index(w, wn, month_names, 12) + 1;
    if (month == 0)
        return false;
    year_digits = scan_number(&sc, 9, &year);
    if (year_digits < 2)
        return false;
    if (year_digits == 2)
        year += year < 50 ? 2000 : 1900;
    else if (year_digits == 3)
        year += 1900;
    /* time: hour ":" minute [":" second] zone */
    if (scan_number(&sc, 2, &hour) == 0 || !scan_char(&sc, ':') ||
        scan_number(&sc, 2, &minute) != 2)
        return false;
    if (scan_char(&sc, ':') && scan_number(&sc, 2, &second) != 2)
        return false;
    int zone;
    bool known;
    if (!scan_zone(&sc, &zone, &known))
        return false;
    skip_cfws(&sc);
    if (sc.bad || sc.i != sc.n)
        return false;                           /* something after the zone */
    if (day < 1 || day > lo_days_in_month(year, (unsigned)month) ||
        hour > 23 || minute > 59 || second > 60)
        return false;
    int64_t days = lo_days_from_civil(year, (unsigned)month, (unsigned)day);
    *seconds = days * 86400 + hour * 3600 + minute * 60 + second -
               (int64_t)zone * 60;
    *zone_minutes = zone;
    *zone_known = known;
    return true;
}

int lo_message_headers(const unsigned char *bytes, size_t len,
                       struct lo_message_headers *out)
{
    memset(out, 0, sizeof *out);
    if (!lo_format_is_message(bytes, len))
        return LO_EINVAL;
    struct header_walk w;
    struct header_field f;
    walk_start(&w, bytes, len);
    while (walk_next(&w, &f) == WALK_FIELD) {
        if (!out->has_sender && equals_nocase(f.name, f.name_len, "from")) {
            out->has_sender = true;
            out->sender_len = copy_field(f.value, f.value_len, out->sender);
        } else if (!out->has_subject &&
                   equals_nocase(f.name, f.name_len, "subject")) {
            out->has_subject = true;
            out->subject_len = copy_field(f.value, f.value_len, out->subject);
        } else if (!out->has_date &&
                   equals_nocase(f.name, f.name_len, "date")) {
            out->has_date = true;
            out->date_valid = lo_message_parse_date(
                f.value, f.value_len, &out->date, &out->zone_minutes,
                &out->zone_known);
        }
    }
    return LO_OK;
}

/* ---- 6. civil dates ----------------------------------------------------
 * The proleptic Gregorian calendar repeats every 400 years (an "era" of
 * 146,097 days).  Counting years from March, so that the leap day is the
 * last day of its year, makes the day of the year a linear function of
 * the month: the months March..January have 31 30 31 30 31 31 30 31 30 31
 * 31 days, which (153 * m + 2) / 5 reproduces for m = 0..11 (the
 * well-known method of Howard Hinnant's "chrono-compatible low-level date
 * algorithms").  1970-01-01 is day 719,468 of era 0 (0000-03-01). */

enum { DAYS_PER_ERA = 146097, EPOCH_SHIFT = 719468 };

/* Floor division (C's "/" truncates toward zero). */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t lo_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    if (m <= 2)
        y -= 1;                          /* January and February end the year */
    int64_t era = floor_div(y, 400);
    int64_t year_of_era = y - era * 400;                      /* 0..399 */
    unsigned month_from_march = m > 2 ? m - 3 : m + 9;        /* 0..11 */
    int64_t day_of_year = (int64_t)((153 * month_from_march + 2) / 5) +
                          (int64_t)d - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 -
                         year_of_era / 100 + day_of_year;
    return era * DAYS_PER_ERA + day_of_era - EPOCH_SHIFT;
}

void lo_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += EPOCH_SHIFT;
    int64_t era = floor_div(days, DAYS_PER_ERA);
    int64_t day_of_era = days - era * DAYS_PER_ERA;          /* 0..146096 */
    /* Undo the leap days: one every 4 years (1460 days), none every 100
     * (36524), one again every 400 (146096, the era's last day). */
    int64_t year_of_era = (day_of_era - day_of_era / 1460 +
                           day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 -
                                        year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;  /* 0..11 */
    *d = (unsigned)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    *m = (unsigned)(month_from_march < 10 ? month_from_march + 3
                                          : month_from_march - 9);
    *y = year_of_era + era * 400 + (*m <= 2);
}

unsigned lo_days_in_month(int64_t y, unsigned m)
{
    static const unsigned char days[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
    };
    if (m < 1 || m > 12)
        return 0;
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return days[m - 1] + (m == 2 && leap);
}
