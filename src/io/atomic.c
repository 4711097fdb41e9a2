/* atomic.c - temporary file, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "io/atomic.h"

/* The file a chain of symbolic links ends at, which need not exist yet
 * (realpath would refuse a dangling link).  Caller frees; NULL with errno
 * set on failure. */
static char *follow_links(const char *path)
{
    char *cur = strdup(path);
    for (int hops = 0; cur && hops < 40; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        char target[4096];
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n < 0) {
            free(cur);
            return NULL;
        }
        target[n] = '\0';
        const char *slash = strrchr(cur, '/');
        char *next;
        if (target[0] == '/' || !slash) {
            next = strdup(target);
        } else {
            size_t dir = (size_t)(slash - cur) + 1;
            next = malloc(dir + (size_t)n + 1);
            if (next) {
                memcpy(next, cur, dir);
                memcpy(next + dir, target, (size_t)n + 1);
            }
        }
        free(cur);
        cur = next;
    }
    free(cur);
    errno = ELOOP;
    return NULL;
}

bp_status bp_atomic_open(bp_atomic_file *af, const char *path, bp_error *err)
{
    /* messages name the file as the caller did; path may become the
     * target of a symbolic link, owned by af */
    const char *asked = path;
    memset(af, 0, sizeof *af);
    if (!path || !*path)
        return bp_fail(err, BP_EINVAL, "no file name given");
    /* The rename replaces whatever path names: refuse anything but a
     * regular file (a device, a folder, a FIFO), and write through a
     * symbolic link to the file it points to rather than replacing it. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return bp_fail(err, BP_EIO, "cannot write %s: not a regular file",
                       path);
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        af->resolved = follow_links(path);
        if (!af->resolved)
            return bp_fail(err, BP_EIO, "cannot write %s: %s", path,
                           strerror(errno));
        path = af->resolved;
    }
    size_t len = strlen(path);
    af->tmp_path = malloc(len + sizeof ".tmp.XXXXXX");
    if (!af->tmp_path) {
        free(af->resolved);
        af->resolved = NULL;
        return bp_fail(err, BP_ENOMEM, "out of memory");
    }
    memcpy(af->tmp_path, path, len);
    memcpy(af->tmp_path + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(af->tmp_path);
        free(af->resolved);
        memset(af, 0, sizeof *af);
        return bp_fail(err, BP_EIO, "cannot write %s: %s", asked,
                       strerror(e));
    }
    /* mkstemp makes the file 0600; a model is an ordinary file. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int e = errno;
        close(fd);
        unlink(af->tmp_path);
        free(af->tmp_path);
        free(af->resolved);
        memset(af, 0, sizeof *af);
        return bp_fail(err, BP_EIO, "cannot write %s: %s", asked,
                       strerror(e));
    }
    af->path = path;
    af->asked = asked;
    return BP_OK;
}

void bp_atomic_abort(bp_atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    if (af->tmp_path) {
        unlink(af->tmp_path);
        free(af->tmp_path);
    }
    free(af->resolved);
    memset(af, 0, sizeof *af);
}

/* fsync the folder holding path, so that the rename itself is durable. */
static void sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup(".");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

bp_status bp_atomic_commit(bp_atomic_file *af, bp_error *err)
{
    const char *path = af->path;
    int failed = fflush(af->f) != 0 || ferror(af->f);
    int e = errno;
    if (!failed && fsync(fileno(af->f)) != 0) {
        failed = 1;
        e = errno;
    }
    if (fclose(af->f) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    af->f = NULL;
    if (!failed && rename(af->tmp_path, path) != 0) {
        failed = 1;
        e = errno;
    }
    if (failed) {
        /* the message first: abort clears af */
        bp_fail(err, BP_EIO, "cannot write %s: %s", af->asked, strerror(e));
        bp_atomic_abort(af);
        return BP_EIO;
    }
    sync_folder(path);
    free(af->tmp_path);
    free(af->resolved);
    memset(af, 0, sizeof *af);
    return BP_OK;
}
