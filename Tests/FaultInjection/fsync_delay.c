// A fault at the libc boundary, for tests: loaded with LD_PRELOAD, it makes
// fsync(2) and fdatasync(2) take INWARD_FAULT_FSYNC_DELAY_MS milliseconds
// longer (a slow or failing disk), then does the real call. Without the
// variable it only passes the calls through.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <errno.h>
#include "fault_injection.h"

static void delay(void) {
    const char *text = getenv("INWARD_FAULT_FSYNC_DELAY_MS");
    if (text == NULL) return;
    long ms = strtol(text, NULL, 10);
    if (ms <= 0) return;
    struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };
    int saved = errno;
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {}
    errno = saved;
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    delay();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    delay();
    return real(fd);
}

int inward_fault_injection_loaded(void) { return 1; }
