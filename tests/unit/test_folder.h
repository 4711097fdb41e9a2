/*
 * test_folder.h - one temporary folder for the files a test program
 * writes.  Define TEST_FOLDER as its mkdtemp template
 * ("/tmp/bp-test-NAME.XXXXXX") before including; make_folder and
 * remove_folder are the cmocka group's setup and teardown, folder holds
 * the path once made, and path_in names a file in it.
 */
#ifndef BP_TEST_FOLDER_H
#define BP_TEST_FOLDER_H

#include <stdio.h>
#include <stdlib.h>

static char folder[] = TEST_FOLDER;

static int make_folder(void **state)
{
    (void)state;
    return mkdtemp(folder) ? 0 : -1;
}

static int remove_folder(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", folder);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", folder, name);
}

#endif
