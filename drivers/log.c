/*
 * log.c -- the core's logging and panic front-end (see platform.h).
 *
 * Formatting is done here, in the core, with lo_vsnprintf so that every
 * platform prints the same text; the platform only supplies the sink
 * (lo_log_write) and the way to stop (lo_halt).
 */
#include "drivers/printf.h"
#include "drivers/platform.h"

enum { LOG_LINE_MAX = 1024 };

void lo_log(enum lo_log_level level, const char *fmt, ...)
{
    if (!lo_log_enabled(level))
        return;
    char line[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    lo_vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    lo_log_write(level, line);
}

_Noreturn void lo_panic(const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    int prefix = lo_snprintf(line, sizeof line, "panic: ");
    va_list ap;
    va_start(ap, fmt);
    lo_vsnprintf(line + prefix, sizeof line - (size_t)prefix, fmt, ap);
    va_end(ap);
    lo_halt(line);
}
