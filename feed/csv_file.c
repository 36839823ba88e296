/* csv_file adapter: import a replay-format file, or watch a drop directory with inotify. */
#include "collector_int.h"
#include "tix_csv.h"
#include "tix_err.h"
#include "tix_log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char *path;   /* a file to import, or a drop directory */
    bool is_dir;
    int ino_fd;   /* the drop directory's inotify instance; -1 without a watch */
    int wd;
} s_csv_t;

static void s_configure(tix_prov_t *p, tix_col_load_t *l, const config_setting_t *ps,
                        const char *where)
{
    s_csv_t *self = p->priv;
    self->ino_fd = self->wd = -1;
    const char *path = tix_col_str(ps, "path");
    if (tix_col_dup(&self->path, path)) {
        tix_col_fail(l, ps, "%s: out of memory", where);
        return;
    }
    struct stat st;
    if (!path)
        tix_col_fail(l, ps, "%s.path: csv_file needs a path (a file to import or a drop directory)",
                     where);
    else if (stat(path, &st) != 0)
        tix_col_fail(l, config_setting_get_member(ps, "path"), "%s.path: %s: %s", where, path,
                     strerror(errno));
}

static void s_release(tix_prov_t *p)
{
    s_csv_t *self = p->priv;
    if (self->ino_fd >= 0)
        close(self->ino_fd);
    free(self->path);
}

/* Checks every row of `file` (format, provider identity, normalization) without emitting.
 * 0, or -1 with `why` naming "file:line: reason". */
static int s_validate(tix_prov_t *p, const char *file, char *why, size_t cap)
{
    tix_csv_t *csv = tix_csv_open(file);
    if (!csv) {
        snprintf(why, cap, "%s", tix_err());
        return -1;
    }
    int rc = 0, r;
    tix_raw_quote_t raw;
    while ((r = tix_csv_next(csv, &raw)) == 1) {
        tix_quote_t q;
        tix_norm_error_t err;
        if (!p->any_provider && strcmp(raw.provider ? raw.provider : "", p->name) != 0) {
            snprintf(why, cap, "%s:%ld: provider '%s' is not this source's provider '%s'", file,
                     tix_csv_line(csv), raw.provider ? raw.provider : "", p->name);
            rc = -1;
            break;
        }
        if (tix_norm_quote(p->col->norm, &raw, &q, &err) != 0) {
            snprintf(why, cap, "%s:%ld: %s: %s", file, tix_csv_line(csv),
                     err.reason ? tix_reason_name(err.reason) : "error",
                     err.reason ? err.detail : tix_err());
            rc = -1;
            break;
        }
    }
    if (r < 0) {
        snprintf(why, cap, "%s", tix_err());
        rc = -1;
    }
    tix_csv_destroy(&csv);
    return rc;
}

/* Emits every row, stamped with the time tix received the file (§2: recv_ns on receipt). */
static int s_emit_file(tix_prov_t *p, const char *file)
{
    tix_csv_t *csv = tix_csv_open(file);
    if (!csv)
        return -1;
    int64_t recv_ns = tix_col_stamp(p->col);
    tix_raw_quote_t raw;
    int r;
    while ((r = tix_csv_next(csv, &raw)) == 1) {
        raw.recv_ns = recv_ns;
        tix_col_emit(p, &raw);
    }
    tix_csv_destroy(&csv);
    return r;
}

/* Moves `name` from the drop directory into `sub`/, never overwriting an earlier file. */
static int s_move(tix_prov_t *p, const char *name, const char *sub, char *dst, size_t cap)
{
    s_csv_t *self = p->priv;
    char src[4096];
    snprintf(src, sizeof src, "%s/%s", self->path, name);
    snprintf(dst, cap, "%s/%s/%s", self->path, sub, name);
    struct stat st;
    for (int i = 1; stat(dst, &st) == 0 && i < 1000; i++)
        snprintf(dst, cap, "%s/%s/%s.%d", self->path, sub, name, i);
    if (rename(src, dst) != 0) {
        tix_error("provider %s: cannot move %s to %s: %s", p->name, src, dst, strerror(errno));
        return -1;
    }
    return 0;
}

static void s_write_err(tix_prov_t *p, const char *moved, const char *why)
{
    char path[4300];
    snprintf(path, sizeof path, "%s.err", moved);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%s\n", why) < 0 || fclose(f) != 0)
        tix_error("provider %s: cannot write %s: %s", p->name, path, strerror(errno));
}

/* One whole file: all its rows, or none of them. */
static void s_ingest(tix_prov_t *p, const char *file, const char *name_in_dir)
{
    char why[600], moved[4200];
    p->st.attempts++;
    int rc = s_validate(p, file, why, sizeof why);
    if (rc == 0 && s_emit_file(p, file) < 0) {
        snprintf(why, sizeof why, "%s", tix_err());
        rc = -1;
    }
    if (rc != 0) {
        tix_col_fault(p, TIX_FAULT_BAD_FILE, "%s", why);
        if (name_in_dir && s_move(p, name_in_dir, "bad", moved, sizeof moved) == 0)
            s_write_err(p, moved, why);
        tix_col_attempt_done(p, false);
        return;
    }
    tix_info("provider %s: imported %s", p->name, file);
    if (name_in_dir)
        s_move(p, name_in_dir, "done", moved, sizeof moved);
    tix_col_attempt_done(p, true);
}

static bool s_wanted(const char *dir, const char *name)
{
    /* Dot files and *.tmp are files still being written (write, then rename into place). */
    size_t n = strlen(name);
    if (name[0] == '.' || (n > 4 && strcmp(name + n - 4, ".err") == 0) ||
        (n > 4 && strcmp(name + n - 4, ".tmp") == 0))
        return false;
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void s_ingest_name(tix_prov_t *p, const char *name)
{
    s_csv_t *self = p->priv;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", self->path, name);
    s_ingest(p, path, name);
}

/* Files already waiting when we start, in name order (oldest-first by convention). */
static void s_scan(tix_prov_t *p)
{
    s_csv_t *self = p->priv;
    struct dirent **list = NULL;
    int n = scandir(self->path, &list, NULL, alphasort);
    if (n < 0) {
        tix_error("provider %s: cannot list %s: %s", p->name, self->path, strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        if (s_wanted(self->path, list[i]->d_name))
            s_ingest_name(p, list[i]->d_name);
        free(list[i]);
    }
    free(list);
}

static int s_mkdir(const char *dir, const char *sub)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        TIX_SET_ERR(errno, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Imports the file, or scans the drop directory and (unless once) watches it. */
static int s_open(tix_prov_t *p)
{
    s_csv_t *self = p->priv;
    struct stat st;
    if (stat(self->path, &st) != 0) {
        TIX_SET_ERR(errno, "path %s: %s", self->path, strerror(errno));
        return -1;
    }
    self->is_dir = S_ISDIR(st.st_mode);
    if (!self->is_dir) {
        s_ingest(p, self->path, NULL);
        p->done_once = true;
        return 0;
    }
    if (s_mkdir(self->path, "done") || s_mkdir(self->path, "bad"))
        return -1;
    if (!p->col->once) {
        if ((self->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
            TIX_SET_ERR(errno, "inotify_init1: %s", strerror(errno));
            return -1;
        }
        /* Whole files only: written and closed, or moved in. */
        self->wd = inotify_add_watch(self->ino_fd, self->path, IN_CLOSE_WRITE | IN_MOVED_TO);
        if (self->wd < 0) {
            TIX_SET_ERR(errno, "inotify_add_watch %s: %s", self->path, strerror(errno));
            return -1;
        }
    }
    s_scan(p);
    p->done_once = true;
    return 0;
}

static int s_poll_fd(tix_prov_t *p, int64_t *wait_ms)
{
    (void)wait_ms; /* inotify is level-triggered: the wait needs no cap */
    s_csv_t *self = p->priv;
    return self->ino_fd;
}

/* Files the watch reports, whole (closed after writing, or moved in). */
static void s_drain(tix_prov_t *p)
{
    s_csv_t *self = p->priv;
    if (self->ino_fd < 0)
        return;
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t n = read(self->ino_fd, buf, sizeof buf);
        if (n <= 0)
            return; /* EAGAIN: nothing more now */
        for (char *q = buf; q < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)q;
            q += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) { /* events were lost: look at the folder again */
                s_scan(p);
                continue;
            }
            if (ev->len == 0 || (ev->mask & IN_ISDIR))
                continue;
            if (ev->wd == self->wd && s_wanted(self->path, ev->name))
                s_ingest_name(p, ev->name);
        }
    }
}

const tix_col_adapter_t tix_col_csv_file = {
    .name = "csv_file", .roles = TIX_COLLECT_CSV, .timeout_ms = 10000,
    .priv_size = sizeof(s_csv_t), .configure = s_configure, .open = s_open,
    .poll_fd = s_poll_fd, .drain = s_drain, .release = s_release,
};
