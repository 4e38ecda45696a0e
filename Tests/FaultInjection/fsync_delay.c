// A fault at the libc boundary, for tests: loaded with LD_PRELOAD, it makes
// fsync(2) and fdatasync(2) slow or stuck, then does the real call. Without
// its variables it only passes the calls through.
//
//   INWARD_FAULT_FSYNC_DELAY_MS=N   each call takes N milliseconds longer (a slow disk)
//   INWARD_FAULT_FSYNC_GATE=PATH    each call waits while PATH does not exist (a
//                                   disk that hangs until the test lets it go:
//                                   anything answered meanwhile did not wait for it)
//
// These are the only calls the daemon makes durable with: the session logs
// (fdatasync, and fsync of the sessions folder after a log is created) and
// the resume state (fdatasync of state.json.new, fsync of the state folder).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>
#include "fault_injection.h"

static void sleep_ms(long ms) {
    struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {}
}

static void delay(void) {
    int saved = errno;
    const char *gate = getenv("INWARD_FAULT_FSYNC_GATE");
    if (gate != NULL && gate[0] != '\0') {
        while (access(gate, F_OK) != 0) sleep_ms(5);
    }
    const char *text = getenv("INWARD_FAULT_FSYNC_DELAY_MS");
    long ms = text == NULL ? 0 : strtol(text, NULL, 10);
    if (ms > 0) sleep_ms(ms);
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
