/*
 * fault_alloc.h - allocation-failure injection for one unit test binary.
 *
 * Include it in exactly one test file.  It defines malloc, calloc, realloc
 * and free in the test executable; the dynamic linker then binds every call
 * to them - from the test, from libbackprop, from libcjson and from glibc's
 * own functions (strdup, fopen, getline, ...) - to these definitions, which
 * forward to glibc's allocator through __libc_malloc and friends (glibc
 * documents replacing malloc this way).  While a window is open
 * (fault_begin ... fault_end):
 *   - the k-th allocation of the window returns NULL with errno ENOMEM (one
 *     failure only; k = 0 injects nothing);
 *   - every block allocated in the window is remembered until it is freed,
 *     so fault_end returns how many are still live: the leaks.
 * Blocks from memalign and friends are not wrapped; they come from the same
 * glibc heap, so mixing them with these free()s is harmless.
 *
 * AddressSanitizer (and the thread and memory sanitizers) replace malloc
 * themselves: a second definition in the executable would take the
 * interceptor's place and hand ASan's free() blocks it never allocated.
 * Under them FAULT_ALLOC_AVAILABLE is 0, nothing is defined, and the tests
 * skip themselves (the optimised build runs them).  Valgrind, which also
 * replaces malloc, is told apart by the environment: set BP_SANITIZED (as
 * `make test-asan` does) or BP_NO_FAULT_INJECTION to skip.
 */
#ifndef BP_TEST_FAULT_ALLOC_H
#define BP_TEST_FAULT_ALLOC_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FAULT_ALLOC_AVAILABLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define FAULT_ALLOC_AVAILABLE 0
#endif
#endif
#ifndef FAULT_ALLOC_AVAILABLE
#define FAULT_ALLOC_AVAILABLE 1
#endif

/* The state of the current window. */
static struct {
    int open;                /* inside fault_begin .. fault_end       */
    unsigned long fail_at;   /* 1-based allocation to fail; 0: none   */
    unsigned long count;     /* allocations seen in this window       */
    int injected;            /* the failure has been handed out       */
    size_t live;             /* blocks of this window not yet freed   */
} fault_state;

/* Whether injection works in this binary and environment; when it returns
 * 0, *why says why. */
static int fault_available(const char **why)
{
    if (!FAULT_ALLOC_AVAILABLE) {
        *why = "built with a sanitizer that replaces malloc (ASan); the "
               "optimised build runs this test";
        return 0;
    }
    if (getenv("BP_SANITIZED") || getenv("BP_NO_FAULT_INJECTION")) {
        *why = "BP_SANITIZED or BP_NO_FAULT_INJECTION is set (a sanitizer "
               "or valgrind replaces malloc)";
        return 0;
    }
    *why = NULL;
    return 1;
}

#if FAULT_ALLOC_AVAILABLE

void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t size);
void __libc_free(void *p);

/* Blocks allocated inside the window: an open-addressing set of pointers
 * (no allocation of its own).  A window of the tests below holds a few
 * hundred blocks at most. */
#define FAULT_SLOTS (1u << 16)
#define FAULT_TOMB ((void *)1)
static void *fault_slots[FAULT_SLOTS];

static size_t fault_hash(const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)h & (FAULT_SLOTS - 1);
}

static void fault_remember(void *p)
{
    size_t i = fault_hash(p);
    for (size_t n = 0; n < FAULT_SLOTS; n++, i = (i + 1) & (FAULT_SLOTS - 1))
        if (fault_slots[i] == NULL || fault_slots[i] == FAULT_TOMB) {
            fault_slots[i] = p;
            fault_state.live++;
            return;
        }
    abort();    /* more live blocks than slots: the test is wrong */
}

/* Forgets p; returns whether it was a block of the window. */
static int fault_forget(void *p)
{
    size_t i = fault_hash(p);
    for (size_t n = 0; n < FAULT_SLOTS; n++, i = (i + 1) & (FAULT_SLOTS - 1)) {
        if (fault_slots[i] == NULL)
            return 0;
        if (fault_slots[i] == p) {
            fault_slots[i] = FAULT_TOMB;
            fault_state.live--;
            return 1;
        }
    }
    return 0;
}

/* Counts one allocation; returns 1 when it is the one to fail. */
static int fault_hit(void)
{
    if (!fault_state.open)
        return 0;
    fault_state.count++;
    if (fault_state.fail_at && fault_state.count == fault_state.fail_at) {
        fault_state.injected = 1;
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t size)
{
    if (fault_hit())
        return NULL;
    void *p = __libc_malloc(size);
    if (p && fault_state.open)
        fault_remember(p);
    return p;
}

void *calloc(size_t count, size_t size)
{
    if (fault_hit())
        return NULL;
    void *p = __libc_calloc(count, size);
    if (p && fault_state.open)
        fault_remember(p);
    return p;
}

void *realloc(void *old, size_t size)
{
    if (old == NULL)
        return malloc(size);
    if (size == 0) {             /* glibc: frees old, returns NULL */
        free(old);
        return NULL;
    }
    if (fault_hit())
        return NULL;             /* old stays valid, as realloc promises */
    void *p = __libc_realloc(old, size);
    if (p && fault_state.open && fault_forget(old))
        fault_remember(p);
    return p;
}

void free(void *p)
{
    if (!p)
        return;
    if (fault_state.open)
        fault_forget(p);
    __libc_free(p);
}

#endif /* FAULT_ALLOC_AVAILABLE */

/* Opens a window in which allocation number fail_at (1-based) fails. */
static void fault_begin(unsigned long fail_at)
{
    fault_state.fail_at = fail_at;
    fault_state.count = 0;
    fault_state.injected = 0;
    fault_state.live = 0;
#if FAULT_ALLOC_AVAILABLE
    for (size_t i = 0; i < FAULT_SLOTS; i++)
        fault_slots[i] = NULL;
#endif
    fault_state.open = 1;
}

/* Closes the window; returns the blocks allocated in it and never freed.
 * Blocks freed after the window are no longer recognised, so close it only
 * after everything the operation made has been freed. */
static size_t fault_end(void)
{
    fault_state.open = 0;
    return fault_state.live;
}

#endif
