/*
 * store_bench.c -- the object store (issue 19) beside SQLite, in the same
 * run, on the same entries (make bench; tests/bench/run.sh).
 *
 *   store_bench            BENCH_STORE_N entries (default 1,000,000)
 *
 * Environment: BENCH_DIR (default /tmp) holds the store file (a sparse
 * BENCH_STORE_SIZE, default 6G) and the SQLite database; both are removed
 * at the end.  BENCH_STORE_MIN_MS (default 300): the least time a
 * measurement of a query lasts (it repeats the query that many times).
 * BENCH_STORE_ONLY=name,name...: only those lines after the load (for
 * profiling).
 *
 * The data.  One generator, written twice -- in C for SQLite, in Lisp for
 * the store -- draws every entry from the MINSTD sequence
 * x <- x * 48271 mod 2^31-1 (fixnums throughout), in the same order on
 * both sides: :category (one of the 15 default values), :genre (one of
 * 12), :language (1 to 3 distinct values of 8: a repeated key), :name (a
 * title, "Quiet Garden of Salt Part Two": 131,072 distinct), :author
 * (4,096 distinct), :year (1900-2024), :rating (a real, 0.00-5.00),
 * :duration (30-7229 seconds; a DURATION when the tree has them), :date
 * (a day in :year, only when the tree has DATE), and the object, a string
 * ("NAME by AUTHOR").  The Lisp generates 10,000 entries at a time into a
 * vector (not timed) and one Lisp loop puts them (timed from C); C does
 * the same with its rows and a prepared INSERT.
 *
 * The store is used as a user calls it: every figure of ours is the time
 * of lo_lisp_eval_string evaluating a call of a function compiled from
 * the source below (BENCH-QUERY: K calls of STORE-QUERY with the same
 * filter, STORE-QUERY's result a directory of the ids), divided by K, in the
 * environment of the user "bench", who put the entries (so the ACL check
 * is the owner's: the administrator's skips it).  The indexes: the
 * store's defaults (:category :genre :language :author :name ... hashed,
 * :date :duration ordered) plus :year and :rating ordered, made before the
 * load.  SQLite: a table e (one column per single-valued attribute) and a
 * side table lang (id, value) for :language; the indexes a careful user
 * makes -- category, genre, author, year, rating, date_start,
 * lang(value, id) -- made before the load too; prepared statements; the
 * inserts in one transaction, synchronous=OFF (neither side's insert
 * figure includes making it durable); cache_size 2 GB (everything stays
 * in memory, as the store's frames do); ANALYZE after the load.
 *
 * Times are CPU time of the process (every thread), the machine being
 * shared: wall time grows with its load.  The snapshot and the restart,
 * which wait for the disk, are wall time.
 *
 * Each query is checked: both sides must give the same set of ids
 * (count, sum, and a sum of a hash of each id), else a FAIL line.  Each
 * query line is the median of 3 rounds, ours and SQLite's alternating.
 * Lines (ratio = SQLite's time / ours: above 1, we are faster):
 *   store-insert          entries put per second (ratio: ours / SQLite's)
 *   store-equality        (= :genre :jazz)             genre = ?
 *   store-membership      (in :category :book :music :movie)   IN (?,?,?)
 *   store-range-date      (overlaps :date (date 2013))  date_start in 2013
 *                         (every :date is one day); without dates in the
 *                         tree: store-range-year-as-date,
 *                         (between :year 2010 2014)
 *   store-range-number    (between :rating 2.0 2.5)
 *   store-conjunction     (and (= :genre :jazz) (= :language :french)
 *                         (between :year 1990 1999)): SQLite a join of
 *                         e and lang
 *   store-substring       (contains :name "garden")    name LIKE '%garden%'
 *                         (ours searches the :name index's distinct
 *                         values, then takes their entries)
 *                         (both ignore ASCII case; the store folds Latin-1
 *                         letters too, LIKE does not: the data is ASCII)
 *   store-satisfies       (satisfies (lambda (e) (> (* rating (- year
 *                         1900)) 300))), a Lisp function called on each
 *                         entry; SQLite: WHERE rating * (year - 1900) > 300
 *   store-get             STORE-GET of a random id and ENTRY-ATTRIBUTE
 *                         :name of it; SQLite: SELECT name by primary key
 *   store-full-scan       (content-contains "zz"), the objects searched
 *                         (case counts); SQLite: instr(object, 'zz') > 0.
 *                         No index serves it: every entry is read (a
 *                         CONTAINS on a hashed key is not one: the
 *                         index's distinct values are searched instead)
 *                         (target under 100 ms at 1M entries)
 *   store-bytes-per-entry heap bytes live after the load minus before
 *                         (two full collections), per entry; SQLite: the
 *                         database file's size per entry
 *   store-snapshot        the snapshot making the loaded store durable
 *   store-restart         the store closed (after that snapshot) and
 *                         opened again, plus one STORE-GET and its :name;
 *                         pages-read= the store pages read meanwhile (demand
 *                         paging: it must not read the store), of= the
 *                         pages the store holds; ckpt-open= and lisp-open= its
 *                         parts (lo_ckpt_open, lo_lisp_open and the user's
 *                         environment).  SQLite: close, open, one SELECT
 *                         (from the OS page cache: our file is O_DIRECT).
 */
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "lisp/api.h"
#include "lisp/lisp.h"
#include "server/size_arg.h"
#include "store/store_api.h"

enum { CHUNK = 10000, ROUNDS = 3 };
#define SEED 20240601LL
#define GET_SEED 777LL

/* ---- the data, as both sides draw it ---------------------------------------- */

static const char *const cats[15] = {
    "MOVIE", "MUSIC", "ARTICLE", "BOOK", "USER-MANUAL", "DICTIONARY",
    "COURSE", "LECTURE", "RECIPE", "PROGRAM", "BANK-STATEMENT", "EMAIL",
    "PICTURE", "DOCUMENT", "NOTE",
};
static const char *const genres[12] = {
    "PROGRESSIVE-METAL", "SCIENCE", "ALGORITHMS", "GARBAGE-COLLECTION",
    "GAME", "PROGRAMMING-LANGUAGE-IMPLEMENTATION", "OPERATING-SYSTEM",
    "CLASSICAL", "JAZZ", "ROCK", "POP", "FOLK",
};
static const char *const langs[8] = {
    "ENGLISH", "VIETNAMESE", "FRENCH", "GERMAN", "SPANISH", "LISP",
    "PYTHON", "C",
};
static const char *const adjs[32] = {
    "Quiet", "Silent", "Hidden", "Golden", "Broken", "Secret", "Last",
    "First", "Lost", "Winter", "Summer", "Dark", "Bright", "Little", "Great",
    "Ancient", "Distant", "Burning", "Frozen", "Crimson", "Silver", "Wild",
    "Gentle", "Endless", "Forgotten", "Sacred", "Hollow", "Restless",
    "Northern", "Southern", "Eternal", "Lonely",
};
static const char *const nouns[32] = {
    "Garden", "River", "Mountain", "Forest", "City", "House", "Road", "Sea",
    "Night", "Light", "Star", "Stone", "Fire", "Shadow", "Voice", "Dream",
    "Song", "Storm", "Island", "Bridge", "Tower", "Window", "Heart",
    "Letter", "Machine", "Kingdom", "Harbor", "Valley", "Mirror", "Clock",
    "Compiler", "Algorithm",
};
static const char *const nouns2[32] = {
    "Time", "Memory", "Silence", "the Sea", "the North", "Glass", "Iron",
    "Ash", "Rain", "Dust", "Snow", "Gold", "Bones", "Smoke", "Thunder",
    "Salt", "Roses", "Wolves", "Kings", "Lambdas", "Closures", "Pointers",
    "Echoes", "Ghosts", "Tides", "Wind", "Sand", "Honey", "Mercy", "Sorrow",
    "Light", "Gardens",
};
static const char *const parts[8] = {
    "", "", "", "", "", " Part Two", " Part Three", " Part Four",
};
static const char *const firsts[64] = {
    "Anna", "Ben", "Clara", "David", "Elena", "Frank", "Grace", "Hugo",
    "Ines", "Jack", "Kira", "Leo", "Maria", "Nils", "Olga", "Paul", "Quinn",
    "Rosa", "Sam", "Tara", "Uma", "Victor", "Wendy", "Xavier", "Yara",
    "Zoe", "Alan", "Barbara", "Carl", "Dora", "Emil", "Fiona", "Gustav",
    "Hanna", "Igor", "Julia", "Karl", "Lena", "Marco", "Nora", "Oscar",
    "Pia", "Rafael", "Sofia", "Tom", "Ursula", "Vera", "Walter", "Yusuf",
    "Zelda", "Ahmed", "Bianca", "Chen", "Dmitri", "Eva", "Farah", "Gita",
    "Henrik", "Ivo", "Jun", "Kofi", "Lucia", "Minh", "Noor",
};
static const char *const lasts[64] = {
    "Smith", "Nguyen", "Garcia", "Muller", "Rossi", "Dubois", "Kowalski",
    "Tanaka", "Silva", "Jensen", "Novak", "Ivanov", "Brown", "Lopez",
    "Schmidt", "Moreau", "Costa", "Berg", "Horvath", "Kim", "Wang", "Patel",
    "Okafor", "Haddad", "Larsen", "Petrov", "Fischer", "Martin", "Romano",
    "Lindqvist", "Yilmaz", "Nakamura", "Rizzo", "Mazzoni", "Walker",
    "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson",
    "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips",
    "Evans", "Turner", "Torres", "Parker", "Collins", "Edwards", "Stewart",
    "Flores", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper",
    "Reed",
};

static long long rng_x;

static long long rnd(long long n)
{
    rng_x = rng_x * 48271 % 2147483647;
    return rng_x % n;
}

struct row {
    const char *cat, *genre;
    const char *lang[3];
    int nlang;
    char name[64], author[32], object[100];
    long long year, duration, date_start, date_end;
    double rating;
};

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant). */
static long long days_from_civil(long long y, long long m, long long d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The next entry: the calls of rnd in the order the Lisp makes them. */
static void draw(struct row *r)
{
    r->cat = cats[rnd(15)];
    r->genre = genres[rnd(12)];
    long long k = rnd(10);
    r->nlang = k < 7 ? 1 : k < 9 ? 2 : 3;
    long long ls = rnd(8);
    for (int j = 0; j < r->nlang; j++)
        r->lang[j] = langs[(ls + 3 * j) % 8];
    const char *a = adjs[rnd(32)];
    const char *b = nouns[rnd(32)];
    const char *c = nouns2[rnd(32)];
    const char *p = parts[rnd(8)];
    snprintf(r->name, sizeof r->name, "%s %s of %s%s", a, b, c, p);
    const char *f = firsts[rnd(64)];
    const char *l = lasts[rnd(64)];
    snprintf(r->author, sizeof r->author, "%s %s", f, l);
    r->year = 1900 + rnd(125);
    r->rating = (double)rnd(501) / 100.0;
    r->duration = 30 + rnd(7200);
    long long month = 1 + rnd(12), day = 1 + rnd(28);
    r->date_start = days_from_civil(r->year, month, day) * 86400;
    r->date_end = r->date_start + 86400;
    snprintf(r->object, sizeof r->object, "%s by %s", r->name, r->author);
}

/* ---- the Lisp side ----------------------------------------------------------- */

static lo_disk *disk;
static lo_ckpt *ckpt;
static lo_lisp *L;
static sqlite3 *db;
static char store_path[512], db_path[512];
static bool dates;              /* the tree has DATE and DURATION */

static void cleanup(void)
{
    if (store_path[0])
        unlink(store_path);
    if (db_path[0]) {
        char p[600];
        unlink(db_path);
        snprintf(p, sizeof p, "%s-journal", db_path);
        unlink(p);
        snprintf(p, sizeof p, "%s-wal", db_path);
        unlink(p);
        snprintf(p, sizeof p, "%s-shm", db_path);
        unlink(p);
    }
}

/* Interrupted (run.sh killed, ^C): the files go too. */
static void on_signal(int sig)
{
    cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

static _Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("store_bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* CPU time of the process (every thread: the store's writer too): the
 * machine is shared, and wall time grows with its load.  The restart and
 * the snapshot, which wait for the disk, are timed by the wall clock. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char out[4096];

/* Evaluate text as the user; out gets the printed value. */
static const char *eval(const char *fmt, ...)
{
    static char text[65536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (lo_lisp_eval_string(L, text, out, sizeof out) != LO_OK)
        die("evaluating %.200s: %s", text, out);
    return out;
}

static long long eval_int(const char *fmt, ...)
{
    static char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return strtoll(eval("%s", text), NULL, 10);
}

/* "(vector "a" "b")" or "(vector :a :b)" of a C list. */
static void lisp_vector(char *buf, size_t len, const char *name,
                        const char *const *items, int n, bool keywords)
{
    size_t at = (size_t)snprintf(buf, len, "(defparameter %s (vector", name);
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(buf + at, len - at, keywords ? " :%s"
                               : " \"%s\"", items[i]);
    snprintf(buf + at, len - at, "))");
}

static void define_vector(const char *name, const char *const *items, int n,
                          bool keywords)
{
    char buf[4096];
    lisp_vector(buf, sizeof buf, name, items, n, keywords);
    eval("%s", buf);
}

/* The generator and the measured functions, compiled in bench's
 * environment.  BENCH-GENERATE must draw exactly as draw() does. */
static const char *const lisp_source[] = {
    "(defvar *bench-x* 1)",
    "(defvar *bench-chunk* nil)",
    "(defun bench-generate (n dates)"
    "  (let ((x *bench-x*) (out (make-array n)))"
    "    (flet ((rnd (k) (setq x (mod (* x 48271) 2147483647)) (mod x k)))"
    "      (dotimes (i n)"
    "        (let* ((cat (svref *bench-cats* (rnd 15)))"
    "               (genre (svref *bench-genres* (rnd 12)))"
    "               (k (rnd 10))"
    "               (nl (cond ((< k 7) 1) ((< k 9) 2) (t 3)))"
    "               (ls (rnd 8))"
    "               (langs (let ((l nil))"
    "                        (dotimes (j nl (nreverse l))"
    "                          (push :language l)"
    "                          (push (svref *bench-langs* (mod (+ ls (* 3 j)) 8))"
    "                                l))))"
    "               (name (concatenate 'string"
    "                                  (svref *bench-adjs* (rnd 32)) \" \""
    "                                  (svref *bench-nouns* (rnd 32)) \" of \""
    "                                  (svref *bench-nouns2* (rnd 32))"
    "                                  (svref *bench-parts* (rnd 8))))"
    "               (author (concatenate 'string"
    "                                    (svref *bench-firsts* (rnd 64)) \" \""
    "                                    (svref *bench-lasts* (rnd 64))))"
    "               (year (+ 1900 (rnd 125)))"
    "               (rating (/ (rnd 501) 100.0))"
    "               (dur (+ 30 (rnd 7200)))"
    "               (month (+ 1 (rnd 12)))"
    "               (day (+ 1 (rnd 28))))"
    "          (setf (svref out i)"
    "                (list* (concatenate 'string name \" by \" author)"
    "                       :category cat :genre genre"
    "                       (append langs"
    "                               (list :name name :author author :year year"
    "                                     :rating rating)"
    "                               (if dates"
    "                                   (list :duration (funcall 'duration :seconds dur)"
    "                                         :date (funcall 'date year month day))"
    "                                   (list :duration dur)))))))"
    "      (setq *bench-x* x *bench-chunk* out)"
    "      n)))",
    /* the load, timed: every entry of the chunk put; the last id */
    "(defun bench-load ()"
    "  (let ((v *bench-chunk*) (last 0))"
    "    (dotimes (i (length v))"
    "      (setq last (entry-id (apply #'store-put (svref v i)))))"
    "    (setq *bench-chunk* nil)"
    "    last))",
    /* K queries; the count of the last answer */
    "(defun bench-query (filter k)"
    "  (let ((d nil))"
    "    (dotimes (i k (directory-count d))"
    "      (setq d (store-query filter)))))",
    /* the check: count, sum of ids, sum of a hash of each */
    "(defun bench-sum (filter)"
    "  (let ((n 0) (s 0) (h 0))"
    "    (dolist (e (directory-entries (store-query filter)) (list n s h))"
    "      (let ((id (entry-id e)))"
    "        (setq n (+ n 1) s (+ s id)"
    "              h (mod (+ h (mod (* id 48271) 2147483647)) 2147483647))))))",
    /* K gets of random ids and the :name of each: the sum of their
     * lengths */
    "(defun bench-get (k seed n)"
    "  (let ((x seed) (s 0))"
    "    (dotimes (i k s)"
    "      (setq x (mod (* x 48271) 2147483647))"
    "      (let ((e (store-get (+ 1 (mod x n)))))"
    "        (setq s (+ s (length (entry-attribute e :name))))))))",
    NULL,
};

/* How long the last open's parts took (wall): the store, the Lisp. */
static double open_ckpt_s, open_lisp_s;

static void open_store(bool create, uint64_t size)
{
    double t0 = wall_s();
    struct lo_disk_open_options dopt = { .create = create,
                                         .size_bytes = create ? size : 0 };
    int status = lo_host_disk_open(store_path, &dopt, &disk);
    if (status != LO_OK)
        die("cannot open %s: %s", store_path, lo_strerror(status));
    char why[1024];
    struct lo_ckpt_options copt = { .create = create };
    if (lo_ckpt_open(disk, &copt, &ckpt, why, sizeof why) != LO_OK)
        die("%s: %s", store_path, why);
    double t1 = wall_s();
    if (lo_lisp_open(ckpt, &L, why, sizeof why) != LO_OK)
        die("%s: %s", store_path, why);
    if (lo_lisp_set_user(L, "bench") != LO_OK)
        die("cannot use the environment of bench");
    open_ckpt_s = t1 - t0;
    open_lisp_s = wall_s() - t1;
}

static void close_store(void)
{
    lo_lisp_close(L);
    lo_ckpt_close(ckpt);
    lo_disk_close(disk);
}

static uint64_t live_bytes(void)
{
    struct lo_gc_result r;
    if (lo_lisp_collect(L, &r) != LO_OK)
        die("cannot collect");
    return r.live_bytes + r.large_live_bytes;
}

/* ---- the SQLite side ---------------------------------------------------------- */

static void sql(const char *text)
{
    char *err = NULL;
    if (sqlite3_exec(db, text, NULL, NULL, &err) != SQLITE_OK)
        die("sqlite: %s: %s", text, err);
}

static sqlite3_stmt *prepare(const char *text)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, text, -1, &s, NULL) != SQLITE_OK)
        die("sqlite: %s: %s", text, sqlite3_errmsg(db));
    return s;
}

static void open_db(void)
{
    if (sqlite3_open(db_path, &db) != SQLITE_OK)
        die("sqlite: cannot open %s", db_path);
    sql("PRAGMA cache_size=-2000000");      /* 2 GB, in KiB */
    sql("PRAGMA synchronous=OFF");
    /* one process uses it: no file locking at every statement */
    sql("PRAGMA locking_mode=EXCLUSIVE");
}

static void create_db(void)
{
    open_db();
    sql("CREATE TABLE e (id INTEGER PRIMARY KEY, object TEXT, "
        "category TEXT, genre TEXT, name TEXT, author TEXT, year INTEGER, "
        "rating REAL, duration INTEGER, date_start INTEGER, date_end INTEGER)");
    sql("CREATE TABLE lang (id INTEGER, value TEXT)");
    sql("CREATE INDEX e_category ON e (category)");
    sql("CREATE INDEX e_genre ON e (genre)");
    sql("CREATE INDEX e_author ON e (author)");
    sql("CREATE INDEX e_year ON e (year)");
    sql("CREATE INDEX e_rating ON e (rating)");
    sql("CREATE INDEX e_date ON e (date_start)");
    sql("CREATE INDEX lang_value ON lang (value, id)");
}

/* ---- queries ------------------------------------------------------------------- */

struct bind {
    char type;                  /* 't' text, 'i' integer, 'd' double */
    const char *s;
    long long i;
    double d;
};

struct query {
    const char *name;
    const char *filter;         /* Lisp, quoted */
    const char *sql;
    struct bind b[4];
    int nb;
    const char *target;         /* the ratio aimed at, or a time */
};

struct sum {
    long long n, s, h;
};

static void bind_all(sqlite3_stmt *st, const struct query *q)
{
    sqlite3_reset(st);
    for (int i = 0; i < q->nb; i++) {
        const struct bind *b = &q->b[i];
        if (b->type == 't')
            sqlite3_bind_text(st, i + 1, b->s, -1, SQLITE_STATIC);
        else if (b->type == 'i')
            sqlite3_bind_int64(st, i + 1, b->i);
        else
            sqlite3_bind_double(st, i + 1, b->d);
    }
}

/* The ids of one run of q, collected as a user would. */
static long long *ids_buf;
static size_t ids_cap;

static size_t sqlite_run(sqlite3_stmt *st, const struct query *q)
{
    bind_all(st, q);
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == ids_cap) {
            ids_cap = ids_cap ? 2 * ids_cap : 1024;
            ids_buf = realloc(ids_buf, ids_cap * sizeof *ids_buf);
            if (!ids_buf)
                die("out of memory");
        }
        ids_buf[n++] = sqlite3_column_int64(st, 0);
    }
    if (rc != SQLITE_DONE)
        die("sqlite: %s: %s", q->sql, sqlite3_errmsg(db));
    return n;
}

static struct sum sqlite_sum(sqlite3_stmt *st, const struct query *q)
{
    size_t n = sqlite_run(st, q);
    struct sum s = { (long long)n, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        s.s += ids_buf[i];
        s.h = (s.h + ids_buf[i] * 48271 % 2147483647) % 2147483647;
    }
    return s;
}

static long min_ms = 300;

/* How many repetitions make a measurement last min_ms, from one run's
 * time. */
static long reps_for(double one)
{
    double want = (double)min_ms / 1000.0;
    if (one <= 0)
        return 1000;
    long k = (long)ceil(want / one);
    return k < 1 ? 1 : k > 100000 ? 100000 : k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median3(double *v)
{
    qsort(v, ROUNDS, sizeof *v, cmp_double);
    return v[ROUNDS / 2];
}

/* Times in ms, or in us (store-get): one unit a line, so that run.sh can
 * take medians over runs. */
static void print_time_line(const char *name, double ours, double theirs,
                            bool us, const char *extra)
{
    if (us)
        printf("bench %s ours=%.2fus sqlite=%.2fus ratio=%.2f%s\n", name,
               ours * 1e6, theirs * 1e6, theirs / ours, extra);
    else
        printf("bench %s ours=%.3fms sqlite=%.3fms ratio=%.2f%s\n", name,
               ours * 1e3, theirs * 1e3, theirs / ours, extra);
    fflush(stdout);
}

/* BENCH_STORE_ONLY: run only the lines it names (for profiling). */
static bool wanted(const char *name)
{
    const char *only = getenv("BENCH_STORE_ONLY");
    if (!only || !*only)
        return true;
    size_t len = strlen(name);
    for (const char *p = strstr(only, name); p; p = strstr(p + 1, name))
        if ((p == only || p[-1] == ',') && (p[len] == ',' || !p[len]))
            return true;
    return false;
}

static void run_query(const struct query *q)
{
    if (!wanted(q->name))
        return;
    sqlite3_stmt *st = prepare(q->sql);
    /* the check (and a first, warming run of each) */
    struct sum ours = { 0, 0, 0 };
    if (sscanf(eval("(bench-sum '%s)", q->filter), "(%lld %lld %lld)",
               &ours.n, &ours.s, &ours.h) != 3)
        die("%s: the check gave %s", q->name, out);
    struct sum theirs = sqlite_sum(st, q);
    if (ours.n != theirs.n || ours.s != theirs.s || ours.h != theirs.h)
        printf("bench %s FAIL: ours %lld ids (sum %lld, hash %lld), sqlite "
               "%lld ids (sum %lld, hash %lld)\n", q->name, ours.n, ours.s,
               ours.h, theirs.n, theirs.s, theirs.h);
    double t = cpu_s();
    eval("(bench-query '%s 1)", q->filter);
    long k_ours = reps_for(cpu_s() - t);
    t = cpu_s();
    sqlite_run(st, q);
    long k_theirs = reps_for(cpu_s() - t);
    double a[ROUNDS], b[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        t = cpu_s();
        long long n = eval_int("(bench-query '%s %ld)", q->filter, k_ours);
        a[r] = (cpu_s() - t) / (double)k_ours;
        if (n != ours.n)
            printf("bench %s FAIL: %lld ids this time, %lld before\n",
                   q->name, n, ours.n);
        t = cpu_s();
        for (long i = 0; i < k_theirs; i++)
            sqlite_run(st, q);
        b[r] = (cpu_s() - t) / (double)k_theirs;
    }
    char extra[96];
    snprintf(extra, sizeof extra, " rows=%lld target=%s", ours.n, q->target);
    print_time_line(q->name, median3(a), median3(b), false, extra);
    sqlite3_finalize(st);
}

/* Random gets: K of them on each side, the same ids. */
static void run_gets(long long n)
{
    if (!wanted("store-get"))
        return;
    sqlite3_stmt *st = prepare("SELECT name FROM e WHERE id = ?");
    long k = 100000;
    double a[ROUNDS], b[ROUNDS];
    long long ours = 0, theirs = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t = cpu_s();
        ours = eval_int("(bench-get %ld %lld %lld)", k, GET_SEED, n);
        a[r] = (cpu_s() - t) / (double)k;
        t = cpu_s();
        long long x = GET_SEED;
        theirs = 0;
        for (long i = 0; i < k; i++) {
            x = x * 48271 % 2147483647;
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, 1 + x % n);
            if (sqlite3_step(st) != SQLITE_ROW)
                die("sqlite: no entry %lld", 1 + x % n);
            theirs += sqlite3_column_bytes(st, 0);
        }
        b[r] = (cpu_s() - t) / (double)k;
    }
    if (ours != theirs)
        printf("bench store-get FAIL: the names' lengths sum to %lld, "
               "sqlite's to %lld\n", ours, theirs);
    /* no indexed line (issue 19: "by 10x on indexed lines"): a get goes
     * by id, through no index a user makes.  Its Lisp loop alone -- the
     * random ids, the calls -- takes about 100 ns, which a tenth of
     * SQLite's 1.6-2.4 us would leave one cache miss for the entry and
     * its :name: the target is SQLite's own speed */
    print_time_line("store-get", median3(a), median3(b), true, " target=1");
    sqlite3_finalize(st);
}

/* ---- main ------------------------------------------------------------------------- */

int main(void)
{
    const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/tmp";
    const char *env_n = getenv("BENCH_STORE_N");
    long long n = env_n ? atoll(env_n) : 1000000;
    const char *env_size = getenv("BENCH_STORE_SIZE");
    uint64_t size = lo_parse_size(env_size ? env_size : "6G");
    if (getenv("BENCH_STORE_MIN_MS"))
        min_ms = atol(getenv("BENCH_STORE_MIN_MS"));
    if (n < 1 || !size)
        die("bad BENCH_STORE_N or BENCH_STORE_SIZE");
    snprintf(store_path, sizeof store_path, "%s/lispos-store-bench-%d.img",
             dir, (int)getpid());
    snprintf(db_path, sizeof db_path, "%s/lispos-store-bench-%d.sqlite", dir,
             (int)getpid());
    atexit(cleanup);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    cleanup();

    if (lo_store_register() != LO_OK)
        die("cannot register the object store");
    open_store(true, size);
    dates = !strcmp(eval("(and (fboundp 'date) (fboundp 'duration) t)"), "T");
    define_vector("*bench-cats*", cats, 15, true);
    define_vector("*bench-genres*", genres, 12, true);
    define_vector("*bench-langs*", langs, 8, true);
    define_vector("*bench-adjs*", adjs, 32, false);
    define_vector("*bench-nouns*", nouns, 32, false);
    define_vector("*bench-nouns2*", nouns2, 32, false);
    define_vector("*bench-parts*", parts, 8, false);
    define_vector("*bench-firsts*", firsts, 64, false);
    define_vector("*bench-lasts*", lasts, 64, false);
    for (int i = 0; lisp_source[i]; i++)
        eval("%s", lisp_source[i]);
    eval("(setq *bench-x* %lld)", SEED);
    /* the indexes the queries need beside the defaults */
    eval("(store-create-index :rating :kind :ordered)");
    eval("(store-create-index :year :kind :ordered)");
    create_db();

    /* ---- the load ---- */
    uint64_t live_before = live_bytes();
    struct row *rows = malloc(CHUNK * sizeof *rows);
    if (!rows)
        die("out of memory");
    sqlite3_stmt *ins = prepare("INSERT INTO e VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    sqlite3_stmt *ins_lang = prepare("INSERT INTO lang VALUES (?,?)");
    rng_x = SEED;
    double ours_s = 0, theirs_s = 0;
    sql("BEGIN");
    for (long long done = 0; done < n; done += CHUNK) {
        long long m = n - done < CHUNK ? n - done : CHUNK;
        eval("(bench-generate %lld %s)", m, dates ? "t" : "nil");
        double t = cpu_s();
        long long last = eval_int("(bench-load)");
        ours_s += cpu_s() - t;
        if (last != done + m)
            die("the store gave id %lld to entry %lld", last, done + m);
        for (long long i = 0; i < m; i++)
            draw(&rows[i]);
        t = cpu_s();
        for (long long i = 0; i < m; i++) {
            const struct row *r = &rows[i];
            long long id = done + i + 1;
            sqlite3_reset(ins);
            sqlite3_bind_int64(ins, 1, id);
            sqlite3_bind_text(ins, 2, r->object, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, r->cat, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, r->genre, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, r->name, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 6, r->author, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 7, r->year);
            sqlite3_bind_double(ins, 8, r->rating);
            sqlite3_bind_int64(ins, 9, r->duration);
            if (dates) {
                sqlite3_bind_int64(ins, 10, r->date_start);
                sqlite3_bind_int64(ins, 11, r->date_end);
            } else {
                sqlite3_bind_null(ins, 10);
                sqlite3_bind_null(ins, 11);
            }
            if (sqlite3_step(ins) != SQLITE_DONE)
                die("sqlite insert: %s", sqlite3_errmsg(db));
            for (int j = 0; j < r->nlang; j++) {
                sqlite3_reset(ins_lang);
                sqlite3_bind_int64(ins_lang, 1, id);
                sqlite3_bind_text(ins_lang, 2, r->lang[j], -1, SQLITE_STATIC);
                if (sqlite3_step(ins_lang) != SQLITE_DONE)
                    die("sqlite insert: %s", sqlite3_errmsg(db));
            }
        }
        theirs_s += cpu_s() - t;
    }
    double t = cpu_s();
    sql("COMMIT");
    theirs_s += cpu_s() - t;
    sqlite3_finalize(ins);
    sqlite3_finalize(ins_lang);
    free(rows);
    printf("bench store-insert ours=%.0f/s sqlite=%.0f/s ratio=%.2f n=%lld "
           "ours-s=%.2f sqlite-s=%.2f\n", (double)n / ours_s,
           (double)n / theirs_s, theirs_s / ours_s, n, ours_s, theirs_s);
    fflush(stdout);
    uint64_t live_after = live_bytes();
    sql("ANALYZE");

    /* ---- queries ---- */
    long long y2013 = days_from_civil(2013, 1, 1) * 86400;
    long long y2014 = days_from_civil(2014, 1, 1) * 86400;
    struct query qs[] = {
        { "store-equality", "(= :genre :jazz)",
          "SELECT id FROM e WHERE genre = ?", { { 't', "JAZZ", 0, 0 } }, 1,
          "10" },
        { "store-membership", "(in :category :book :music :movie)",
          "SELECT id FROM e WHERE category IN (?, ?, ?)",
          { { 't', "BOOK", 0, 0 }, { 't', "MUSIC", 0, 0 },
            { 't', "MOVIE", 0, 0 } }, 3, "10" },
        dates ? (struct query){ "store-range-date",
                  "(overlaps :date (date 2013))",
                  "SELECT id FROM e WHERE date_start >= ? AND date_start < ?",
                  { { 'i', NULL, y2013, 0 }, { 'i', NULL, y2014, 0 } }, 2,
                  "10" }
              : (struct query){ "store-range-year-as-date",
                  "(between :year 2010 2014)",
                  "SELECT id FROM e WHERE year BETWEEN ? AND ?",
                  { { 'i', NULL, 2010, 0 }, { 'i', NULL, 2014, 0 } }, 2,
                  "10" },
        { "store-range-number", "(between :rating 2.0 2.5)",
          "SELECT id FROM e WHERE rating BETWEEN ? AND ?",
          { { 'd', NULL, 0, 2.0 }, { 'd', NULL, 0, 2.5 } }, 2, "10" },
        { "store-conjunction",
          "(and (= :genre :jazz) (= :language :french) "
          "(between :year 1990 1999))",
          "SELECT e.id FROM e JOIN lang ON lang.id = e.id WHERE e.genre = ? "
          "AND lang.value = ? AND e.year BETWEEN ? AND ?",
          { { 't', "JAZZ", 0, 0 }, { 't', "FRENCH", 0, 0 },
            { 'i', NULL, 1990, 0 }, { 'i', NULL, 1999, 0 } }, 4, "10" },
        { "store-substring", "(contains :name \"garden\")",
          "SELECT id FROM e WHERE name LIKE ?",
          { { 't', "%garden%", 0, 0 } }, 1, "1" },
        { "store-satisfies",
          "(satisfies (lambda (e) (> (* (entry-attribute e :rating) "
          "(- (entry-attribute e :year) 1900)) 300)))",
          "SELECT id FROM e WHERE rating * (year - 1900) > 300",
          { { 0, NULL, 0, 0 } }, 0, "1" },
        { "store-full-scan", "(content-contains \"zz\")",
          "SELECT id FROM e WHERE instr(object, ?) > 0",
          { { 't', "zz", 0, 0 } }, 1, "100ms" },
    };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
        run_query(&qs[i]);
    run_gets(n);

    /* ---- memory ---- */
    sqlite3_stmt *st = prepare("PRAGMA page_count");
    sqlite3_step(st);
    long long db_pages = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = prepare("PRAGMA page_size");
    sqlite3_step(st);
    long long db_page = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    double ours_b = (double)(live_after - live_before) / (double)n;
    double theirs_b = (double)(db_pages * db_page) / (double)n;
    printf("bench store-bytes-per-entry ours=%.0f sqlite=%.0f ratio=%.2f "
           "heap-live=%lluMB\n", ours_b, theirs_b, theirs_b / ours_b,
           (unsigned long long)(live_after >> 20));

    /* ---- snapshot and restart ---- */
    t = wall_s();
    if (lo_ckpt_sync(ckpt) != LO_OK)
        die("snapshot: %s", lo_ckpt_failure(ckpt));
    struct lo_ckpt_stats cs;
    lo_ckpt_stats(ckpt, &cs);
    printf("bench store-snapshot ms=%.0f pages=%llu MB=%.0f\n",
           (wall_s() - t) * 1e3, (unsigned long long)cs.last_snapshot_pages,
           (double)cs.last_snapshot_bytes / 1e6);
    unsigned long long store_pages = cs.slots_used;
    close_store();
    t = wall_s();
    open_store(false, 0);
    const char *name = eval("(entry-attribute (store-get %lld) :name)",
                            n / 2 + 1);
    double ours_r = wall_s() - t;
    lo_ckpt_stats(ckpt, &cs);
    char got[128];
    snprintf(got, sizeof got, "%s", name);
    sqlite3_close(db);
    t = wall_s();
    open_db();
    st = prepare("SELECT name FROM e WHERE id = ?");
    sqlite3_bind_int64(st, 1, n / 2 + 1);
    if (sqlite3_step(st) != SQLITE_ROW)
        die("sqlite: no entry %lld after the restart", n / 2 + 1);
    double theirs_r = wall_s() - t;
    char want[128];
    snprintf(want, sizeof want, "\"%s\"", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (strcmp(got, want))
        printf("bench store-restart FAIL: ours %s, sqlite %s\n", got, want);
    printf("bench store-restart ours=%.1fms sqlite=%.1fms ratio=%.2f "
           "pages-read=%llu of=%llu ckpt-open=%.1fms lisp-open=%.1fms\n",
           ours_r * 1e3, theirs_r * 1e3, theirs_r / ours_r,
           (unsigned long long)cs.page_ins, store_pages,
           open_ckpt_s * 1e3, open_lisp_s * 1e3);
    sqlite3_close(db);
    close_store();
    return 0;
}
