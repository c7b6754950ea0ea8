/*
 * throttle.c -- failed logins counted per key, "u:NAME" and "a:ADDRESS"
 * (throttle.h), in an open-addressed table of fixed size: a key's slot is
 * found by probing from its hash; when the probe meets no free slot, the
 * entry least recently failed among those probed is replaced.
 */
#include <stdio.h>
#include <string.h>

#include "server/throttle.h"

enum { SLOTS = 4096, PROBES = 8, KEY_MOST = 72 };

struct slot {
    char key[KEY_MOST];         /* "" when free */
    unsigned failures;
    uint64_t last;              /* the last failure's time */
    uint64_t until;             /* no attempt before this */
};

static struct slot table[SLOTS];

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;          /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void key_of(char *out, char kind, const char *what)
{
    snprintf(out, KEY_MOST, "%c:%s", kind, what);
}

/* The slot of key, or NULL; with make, a slot made for it. */
static struct slot *find(const char *key, int make)
{
    uint64_t h = hash(key);
    struct slot *oldest = NULL;
    for (unsigned i = 0; i < PROBES; i++) {
        struct slot *s = &table[(h + i) % SLOTS];
        if (!strcmp(s->key, key))
            return s;
        if (!s->key[0] || !oldest || (oldest->key[0] && s->last < oldest->last))
            oldest = s;
    }
    if (!make)
        return NULL;
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->key, KEY_MOST, "%s", key);
    return oldest;
}

static unsigned wait_of(const char *key, uint64_t now)
{
    struct slot *s = find(key, 0);
    if (!s || s->until <= now)
        return 0;
    return (unsigned)((s->until - now + 999999999) / 1000000000);
}

unsigned lo_throttle_wait(const char *user, const char *address, uint64_t now)
{
    char k[KEY_MOST];
    key_of(k, 'u', user);
    unsigned a = wait_of(k, now);
    key_of(k, 'a', address);
    unsigned b = wait_of(k, now);
    return a > b ? a : b;
}

static void failed(const char *key, uint64_t now)
{
    struct slot *s = find(key, 1);
    s->failures++;
    s->last = now;
    if (s->failures >= THROTTLE_FREE) {
        unsigned shift = s->failures - THROTTLE_FREE;
        uint64_t seconds = shift >= 6 ? THROTTLE_MOST_SECONDS : 1ull << shift;
        if (seconds > THROTTLE_MOST_SECONDS)
            seconds = THROTTLE_MOST_SECONDS;
        s->until = now + seconds * 1000000000ull;
    }
}

void lo_throttle_failed(const char *user, const char *address, uint64_t now)
{
    char k[KEY_MOST];
    key_of(k, 'u', user);
    failed(k, now);
    key_of(k, 'a', address);
    failed(k, now);
}

void lo_throttle_succeeded(const char *user, const char *address)
{
    char k[KEY_MOST];
    key_of(k, 'u', user);
    struct slot *s = find(k, 0);
    if (s)
        memset(s, 0, sizeof *s);
    key_of(k, 'a', address);
    if ((s = find(k, 0)))
        memset(s, 0, sizeof *s);
}
