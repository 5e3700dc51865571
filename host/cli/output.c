/* Outputs of gcomp encode / decode: never the input, never an existing
 * file without -f, never a truncated file after a failure. */
#define _XOPEN_SOURCE 700 /* POSIX 2008 and realpath */

#include "cli.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What `path` names for the same-file check: the file a symlink leads to,
 * the descriptor "-" stands for. 0 when there is nothing there yet. */
static int identify(const char *path, int fd, struct stat *st) {
  return (strcmp(path, "-") ? stat(path, st) : fstat(fd, st)) == 0;
}

int cli_check_output(const char *cmd, const char *in, const char *out, int force) {
  struct stat si, so;
  int to_stdout = !strcmp(out, "-");
  int in_there = identify(in, STDIN_FILENO, &si), out_there = identify(out, STDOUT_FILENO, &so);
  /* Only a regular file can be read whole and then destroyed by writing:
   * `decode - -` between two ends of one pipe is fine. */
  if (in_there && out_there && S_ISREG(si.st_mode) && si.st_dev == so.st_dev &&
      si.st_ino == so.st_ino)
    return cli_error("%s: output %s is the same file as input %s; write it elsewhere", cmd,
                     cli_name(out, 1), cli_name(in, 0));
  if (to_stdout) {
    if (!force && isatty(STDOUT_FILENO))
      return cli_error("%s: refusing to write binary data to a terminal (redirect stdout, "
                       "or pass -f)", cmd);
    return 0;
  }
  if (out_there && S_ISDIR(so.st_mode)) return cli_error("%s: %s is a directory", cmd, out);
  if (out_there && S_ISREG(so.st_mode) && !force)
    return cli_error("%s: %s exists; pass -f to overwrite it", cmd, out);
  return 0;
}

static int write_all(int fd, const void *data, size_t size) {
  const char *p = data;
  while (size) {
    ssize_t put = write(fd, p, size);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return -1;
    p += put;
    size -= (size_t)put;
  }
  return 0;
}

/* stdout, a device, a FIFO: nothing to replace, nothing ever removed (as
 * root, removing /dev/full would delete the device). */
static int write_in_place(const char *path, const void *data, size_t size) {
  int to_stdout = !strcmp(path, "-");
  int fd = to_stdout ? STDOUT_FILENO : open(path, O_WRONLY | O_TRUNC);
  if (fd < 0) return cli_error("cannot open %s: %s", path, strerror(errno));
  int bad = write_all(fd, data, size);
  int err = errno;
  if (!to_stdout && close(fd) != 0 && !bad) bad = -1, err = errno;
  if (bad) return cli_error("cannot write %s: %s", cli_name(path, 1), strerror(err));
  return 0;
}

/* `target`'s directory ("." for a bare name) into dir. */
static int dir_of(const char *target, char *dir, size_t cap) {
  const char *slash = strrchr(target, '/');
  size_t len = slash ? (size_t)(slash - target) : 1;
  if (len + 1 > cap) return -1;
  if (!slash) memcpy(dir, ".", 2);
  else if (len == 0) memcpy(dir, "/", 2);
  else memcpy(dir, target, len), dir[len] = '\0';
  return 0;
}

/* The temporary file takes the place of `target`: replacing it (force),
 * or only while nothing is there. link() fails on an existing name, so an
 * output that appeared since cli_check_output survives; filesystems without
 * hard links fall back to a last look before rename. */
static int commit(const char *tmp, const char *target, const char *shown, int force) {
  if (!force) {
    if (link(tmp, target) == 0) return unlink(tmp), 0;
    struct stat st;
    if (errno == EEXIST || lstat(target, &st) == 0)
      return cli_error("%s exists; pass -f to overwrite it", shown);
  }
  if (rename(tmp, target) != 0)
    return cli_error("cannot replace %s: %s", shown, strerror(errno));
  return 0;
}

int cli_write_file(const char *path, const void *data, size_t size, int force) {
  struct stat st;
  if (!strcmp(path, "-") || (stat(path, &st) == 0 && !S_ISREG(st.st_mode)))
    return write_in_place(path, data, size);
  int exists = stat(path, &st) == 0;
  /* Through a symlink the link stays and its target gets the new bytes. */
  char target[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 16];
  struct stat lst;
  if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
    if (!realpath(path, target))
      return cli_error("%s: a symbolic link to nowhere (%s)", path, strerror(errno));
  } else if (snprintf(target, sizeof target, "%s", path) >= (int)sizeof target) {
    return cli_error("%s: path too long", path);
  }
  if (dir_of(target, dir, sizeof dir)) return cli_error("%s: path too long", path);
  snprintf(tmp, sizeof tmp, "%s/.gcomp-XXXXXX", dir);
  int fd = mkstemp(tmp);
  if (fd < 0) return cli_error("cannot create %s: no temporary file in %s: %s", path, dir,
                               strerror(errno));
  mode_t mask = umask(0);
  umask(mask);
  /* A new file gets what fopen would have given it; a replaced one keeps
   * its permissions. */
  mode_t mode = exists ? st.st_mode & 07777 : 0666 & ~mask;
  int bad = fchmod(fd, mode) || write_all(fd, data, size) || fsync(fd);
  int err = errno;
  if (close(fd) != 0 && !bad) bad = 1, err = errno;
  if (bad || commit(tmp, target, path, force)) {
    unlink(tmp); /* ours alone: the old output, if any, is untouched */
    return bad ? cli_error("cannot write %s: %s", path, strerror(err)) : CLI_EXIT_FAILURE;
  }
  /* The rename itself reaches the disk with its directory. */
  int dfd = open(dir, O_RDONLY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return 0;
}
