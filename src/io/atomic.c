/* atomic.c - temporary file, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "io/atomic.h"

bp_status bp_atomic_open(bp_atomic_file *af, const char *path, bp_error *err)
{
    memset(af, 0, sizeof *af);
    if (!path || !*path)
        return bp_fail(err, BP_EINVAL, "no file name given");
    size_t len = strlen(path);
    af->tmp_path = malloc(len + sizeof ".tmp.XXXXXX");
    if (!af->tmp_path)
        return bp_fail(err, BP_ENOMEM, "out of memory");
    memcpy(af->tmp_path, path, len);
    memcpy(af->tmp_path + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(af->tmp_path);
        af->tmp_path = NULL;
        return bp_fail(err, BP_EIO, "cannot write %s: %s", path, strerror(e));
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
        af->tmp_path = NULL;
        return bp_fail(err, BP_EIO, "cannot write %s: %s", path, strerror(e));
    }
    af->path = path;
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
        bp_atomic_abort(af);
        return bp_fail(err, BP_EIO, "cannot write %s: %s", path, strerror(e));
    }
    free(af->tmp_path);
    memset(af, 0, sizeof *af);
    sync_folder(path);
    return BP_OK;
}
