/*
 * versions.c -- the heap's version records, and what a program may do
 * with a heap that others made (gc/heap.h, "Versions").
 *
 * Every open starts here, before anything is written: lo_heap_decide
 * reads the root page and says whether this program builds a new heap,
 * opens the heap as it is, must upgrade it in place (older system code
 * or layout: issue 18), or must refuse it (a newer LispOS made it, or
 * its records are damaged).  lispos-disk describe asks the same question
 * without opening anything.  The records are written by
 * lo_heap_root_set_versions (heap.c's lo_heap_set_versions) -- at
 * creation, and at the end of an upgrade -- and the release by every
 * plain open.
 *
 * Releases compare as semantic versions (MAJOR.MINOR.PATCH, a -suffix
 * sorting before its release), so 0.2.0-dev < 0.2.0 < 0.10.0.
 */
#include <string.h>

#include "drivers/checksum.h"
#include "drivers/printf.h"
#include "gc/heap.h"

/* Layout versions past this are not a count of steps but damage. */
#define MAX_PLAUSIBLE_LAYOUT (1u << 16)

/* ---- releases ---- */

/* Read a decimal number at *s (no sign, no leading '+'); false if none. */
static bool read_number(const char **s, uint64_t *n)
{
    const char *p = *s;
    if (*p < '0' || *p > '9')
        return false;
    *n = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (*n > (UINT64_MAX - 9) / 10)
            return false;
        *n = *n * 10 + (uint64_t)(*p - '0');
    }
    *s = p;
    return true;
}

/* MAJOR.MINOR.PATCH into v[3]; *pre at the suffix after '-', or NULL.
 * False for anything else ("" included). */
static bool parse_release(const char *s, uint64_t v[3], const char **pre)
{
    for (int i = 0; i < 3; i++) {
        if (!read_number(&s, &v[i]))
            return false;
        if (i < 2 && *s++ != '.')
            return false;
    }
    if (*s == '\0') {
        *pre = NULL;
        return true;
    }
    if (*s != '-' || s[1] == '\0')
        return false;
    *pre = s + 1;
    return true;
}

/* The length of the identifier at s: up to the next '.' or the end. */
static size_t identifier_length(const char *s)
{
    size_t n = 0;
    while (s[n] && s[n] != '.')
        n++;
    return n;
}

/* One dot-separated identifier of a suffix: [s, s + n). */
static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

/* Compare two suffixes as semver does: identifier by identifier, numbers
 * numerically and below words, words in ASCII order, and a suffix that
 * is a prefix of the other first. */
static int compare_suffixes(const char *a, const char *b)
{
    while (*a && *b) {
        size_t na = identifier_length(a), nb = identifier_length(b);
        bool da = all_digits(a, na), db = all_digits(b, nb);
        int c;
        if (da && db) {
            /* without leading zeros, the longer number is the greater */
            while (na > 1 && *a == '0') a++, na--;
            while (nb > 1 && *b == '0') b++, nb--;
            c = na != nb ? (na < nb ? -1 : 1) : memcmp(a, b, na);
        } else if (da != db) {
            c = da ? -1 : 1;
        } else {
            c = memcmp(a, b, na < nb ? na : nb);
            if (c == 0 && na != nb)
                c = na < nb ? -1 : 1;
        }
        if (c)
            return c < 0 ? -1 : 1;
        a += na + (a[na] == '.');
        b += nb + (b[nb] == '.');
    }
    return *a ? 1 : *b ? -1 : 0;
}

int lo_release_compare(const char *a, const char *b)
{
    uint64_t va[3], vb[3];
    const char *pa, *pb;
    bool ok_a = parse_release(a, va, &pa), ok_b = parse_release(b, vb, &pb);
    if (!ok_a || !ok_b)                 /* not a release: older than all */
        return ok_a ? 1 : ok_b ? -1 : 0;
    for (int i = 0; i < 3; i++)
        if (va[i] != vb[i])
            return va[i] < vb[i] ? -1 : 1;
    if (!pa || !pb)                     /* 0.2.0-dev < 0.2.0 */
        return pa ? -1 : pb ? 1 : 0;
    return compare_suffixes(pa, pb);
}

/* ---- the records ---- */

static uint64_t records_crc(const struct lo_heap_root *r)
{
    uint32_t crc = lo_crc32c(0, &r->magic, sizeof r->magic);
    crc = lo_crc32c(crc, &r->system_version, sizeof r->system_version);
    crc = lo_crc32c(crc, &r->layout_version, sizeof r->layout_version);
    crc = lo_crc32c(crc, r->release, sizeof r->release);
    return 1ull << 32 | crc;            /* never 0: 0 means "none kept" */
}

/* The release field: printable ASCII, then NULs to the end, and at
 * least one NUL. */
static bool release_field_ok(const char *field)
{
    size_t n = 0;
    while (n < LO_HEAP_RELEASE && field[n] >= ' ' && field[n] <= '~')
        n++;
    if (n == LO_HEAP_RELEASE)
        return false;
    for (; n < LO_HEAP_RELEASE; n++)
        if (field[n] != '\0')
            return false;
    return true;
}

/* Why the records of r cannot be trusted, or NULL.  A heap of layout 0
 * may predate the checksum (versions_crc 0). */
static const char *damage(const struct lo_heap_root *r)
{
    if (!release_field_ok(r->release))
        return "the release is not text";
    if (r->layout_version > MAX_PLAUSIBLE_LAYOUT)
        return "the layout version is implausible";
    if (r->versions_crc == 0 && r->layout_version > 0)
        return "the checksum is missing";
    if (r->versions_crc != 0 && r->versions_crc != records_crc(r))
        return "the checksum does not match";
    return NULL;
}

static void read_records(const struct lo_heap_root *r,
                         struct lo_heap_versions *out)
{
    memset(out, 0, sizeof *out);
    out->system = r->system_version;
    out->layout = r->layout_version;
    memcpy(out->release, r->release, sizeof out->release);
    out->release[sizeof out->release - 1] = '\0';
}

/* The heap's root page, if the store has one: NULL while it has no
 * pages at all (a store nothing has opened a heap in). */
static const struct lo_heap_root *root_page(lo_ckpt *store)
{
    return lo_ckpt_page_count(store) ? lo_ckpt_base(store) : NULL;
}

int lo_heap_read_versions(lo_ckpt *store, struct lo_heap_versions *out)
{
    memset(out, 0, sizeof *out);
    const struct lo_heap_root *r = root_page(store);
    if (!r || r->magic == 0)
        return LO_ENOENT;
    if (r->magic != LO_HEAP_MAGIC)
        return LO_ECORRUPT;
    read_records(r, out);
    return LO_OK;
}

/* "LispOS 0.1.0 (system code 0000000e2c1b0f7b, layout 0)" */
static void describe(char *buf, size_t len, const char *release,
                     uint64_t system, uint64_t layout)
{
    lo_snprintf(buf, len, "LispOS %s (system code %016llx, layout %llu)",
                release[0] ? release : "of an unknown release",
                (unsigned long long)system, (unsigned long long)layout);
}

int lo_heap_decide(lo_ckpt *store, uint64_t system, const char *release,
                   enum lo_heap_decision *decision,
                   struct lo_heap_versions *found, char *why, size_t why_len)
{
    struct lo_heap_versions scratch;
    if (!found)
        found = &scratch;
    *decision = LO_HEAP_REFUSE;
    if (why_len)
        why[0] = '\0';
    int status = lo_heap_read_versions(store, found);
    if (status == LO_ENOENT) {
        *decision = LO_HEAP_BUILD;
        return LO_OK;
    }
    if (status != LO_OK) {
        lo_snprintf(why, why_len, "the store does not hold a LispOS heap");
        return status;
    }
    const struct lo_heap_root *r = root_page(store);
    const char *damaged = damage(r);
    if (damaged) {
        lo_snprintf(why, why_len, "the heap's version records are damaged "
                    "(%s). Refusing to open it; nothing was written",
                    damaged);
        return LO_ECORRUPT;
    }
    char theirs[120], mine[120];
    describe(theirs, sizeof theirs, found->release, found->system,
             found->layout);
    describe(mine, sizeof mine, release, system, LO_LAYOUT_VERSION);
    if (found->layout > LO_LAYOUT_VERSION ||
        lo_release_compare(found->release, release) > 0) {
        lo_snprintf(why, why_len, "the heap was last opened by %s, newer "
                    "than this %s (it knows layout versions up to %u). "
                    "Refusing to open it: a newer LispOS made it, and "
                    "nothing was written", theirs, mine, LO_LAYOUT_VERSION);
        return LO_EINVAL;
    }
    if (found->layout == LO_LAYOUT_VERSION && found->system == system) {
        *decision = LO_HEAP_OPEN;
        return LO_OK;
    }
    *decision = LO_HEAP_UPGRADE;
    lo_snprintf(why, why_len, "the heap was made by %s; this is %s", theirs,
                mine);
    return LO_OK;
}

void lo_heap_root_set_versions(struct lo_heap_root *r, uint64_t system,
                               uint64_t layout, const char *release)
{
    struct lo_heap_root want;
    char padded[LO_HEAP_RELEASE] = { 0 };
    size_t n = strlen(release);
    LO_ASSERT(n < sizeof padded);      /* conf/gen_release.sh checks it */
    memcpy(padded, release, n < sizeof padded ? n : sizeof padded - 1);
    want.magic = r->magic;
    want.system_version = system;
    want.layout_version = layout;
    memcpy(want.release, padded, sizeof padded);
    uint64_t crc = records_crc(&want);
    /* each field written only when it changes: a plain open of a heap
     * that already records this program leaves the root page clean */
    if (r->system_version != system)
        r->system_version = system;
    if (r->layout_version != layout)
        r->layout_version = layout;
    if (memcmp(r->release, padded, sizeof padded))
        memcpy(r->release, padded, sizeof padded);
    if (r->versions_crc != crc)
        r->versions_crc = crc;
}
