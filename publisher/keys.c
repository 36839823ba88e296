/* Key generation and loading; secret files are created 0600 and refused when more open. */
#include "tix_keys.h"
#include "tix_err.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

int tix_keys_check_private(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        TIX_SET_ERR(errno, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (st.st_mode & 077) {
        TIX_SET_ERR(EPERM, "%s: secret key file has mode %04o, readable by group or others; "
                    "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return 0;
}

/* Creates `path` with `mode` and writes `text`; refuses an existing file. */
static int s_write_new(const char *path, mode_t mode, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        TIX_SET_ERR(errno, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int rc = (w == (ssize_t)len && fsync(fd) == 0) ? 0 : -1;
    if (close(fd) != 0 || rc != 0) {
        TIX_SET_ERR(EIO, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void s_key_id(tix_sign_key_t *k)
{
    uint8_t h[32];
    (void)crypto_generichash(h, sizeof h, k->pk, sizeof k->pk, NULL, 0); /* fixed valid sizes */
    memcpy(k->key_id, h, TIX_WIRE_KEY_ID_SIZE);
}

/* The file name part of `base` must be visible and plain: "" or "keys/" would write hidden
 * files (".sign.key"), "-x" reads as an option, and odd bytes make names nobody can type. */
static int s_check_base(const char *base)
{
    const char *name = strrchr(base, '/');
    name = name ? name + 1 : base;
    if (!*name) {
        TIX_SET_ERR(EINVAL, "'%s': BASE needs a file name after its folder (keys/NAME): "
                    "without one the key files would be hidden (.sign.key)", base);
        return -1;
    }
    if (name[0] == '.' || name[0] == '-') {
        TIX_SET_ERR(EINVAL, "'%s': the file name may not start with '%c'", base, name[0]);
        return -1;
    }
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || *c == '.')) {
            TIX_SET_ERR(EINVAL, "'%s': the file name may hold only letters, digits, '_', '-' "
                        "and '.' (found byte 0x%02x)", base, (unsigned char)*c);
            return -1;
        }
    return 0;
}

int tix_keys_generate(const char *base)
{
    if (s_check_base(base) != 0)
        return -1;
    if (sodium_init() < 0) {
        TIX_SET_ERR(EIO, "libsodium failed to initialise");
        return -1;
    }
    uint8_t pk[32], sk[64];
    char path[4096], text[512], hex[129];
    crypto_sign_keypair(pk, sk);
    sodium_bin2hex(hex, sizeof hex, sk, 32); /* the seed */
    snprintf(path, sizeof path, "%s.sign.key", base);
    snprintf(text, sizeof text, "# tix Ed25519 signing key, SECRET (seed, hex); keep mode 0600\n%s\n", hex);
    sodium_memzero(sk, sizeof sk);
    int rc = s_write_new(path, 0600, text);
    sodium_memzero(text, sizeof text);
    sodium_memzero(hex, sizeof hex);
    if (rc)
        return -1;
    sodium_bin2hex(hex, sizeof hex, pk, 32);
    snprintf(path, sizeof path, "%s.sign.pub", base);
    snprintf(text, sizeof text, "# tix Ed25519 public key (hex): give it to subscribers\n%s\n", hex);
    if (s_write_new(path, 0644, text))
        return -1;
    char zpub[41], zsec[41];
    if (zmq_curve_keypair(zpub, zsec) != 0) {
        TIX_SET_ERR(errno, "zmq_curve_keypair: %s", zmq_strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s.curve.key", base);
    snprintf(text, sizeof text, "# tix CurveZMQ secret key (Z85), SECRET; keep mode 0600\n%s\n", zsec);
    rc = s_write_new(path, 0600, text);
    sodium_memzero(zsec, sizeof zsec);
    sodium_memzero(text, sizeof text);
    if (rc)
        return -1;
    snprintf(path, sizeof path, "%s.curve.pub", base);
    snprintf(text, sizeof text, "# tix CurveZMQ public key (Z85)\n%s\n", zpub);
    return s_write_new(path, 0644, text);
}

/* Reads the first non-comment line of `path` into `out` (trimmed). */
static int s_read_key_line(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        TIX_SET_ERR(errno, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char line[512];
    int found = 0, lineno = 0;
    while (!found && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            TIX_SET_ERR(EINVAL, "%s:%d: line longer than %zu characters", path, lineno,
                        sizeof line - 2);
            fclose(f);
            sodium_memzero(line, sizeof line);
            return -1;
        }
        line[strcspn(line, "\r\n")] = '\0';
        /* "# " marks a comment: a bare '#' may start a Z85 key. */
        if (line[0] == '\0' || (line[0] == '#' && (line[1] == ' ' || line[1] == '\0')))
            continue;
        line[strcspn(line, " \t")] = '\0';
        size_t n = strlen(line);
        if (n >= cap) {
            TIX_SET_ERR(EINVAL, "%s:%d: key line of %zu characters is too long", path, lineno, n);
            fclose(f);
            sodium_memzero(line, sizeof line);
            return -1;
        }
        memcpy(out, line, n + 1);
        found = 1;
    }
    fclose(f);
    sodium_memzero(line, sizeof line);
    if (!found) {
        TIX_SET_ERR(EINVAL, "%s: no key found (only comments or blank lines)", path);
        return -1;
    }
    return 0;
}

int tix_sign_key_load_secret(const char *path, tix_sign_key_t *out)
{
    char hex[160];
    uint8_t seed[32];
    size_t n = 0;
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0 || tix_keys_check_private(path) || s_read_key_line(path, hex, sizeof hex))
        return -1;
    int bad = sodium_hex2bin(seed, sizeof seed, hex, strlen(hex), NULL, &n, NULL) != 0 || n != 32 ||
              strlen(hex) != 64;
    sodium_memzero(hex, sizeof hex);
    if (bad) {
        TIX_SET_ERR(EINVAL, "%s: not an Ed25519 seed (64 hex digits)", path);
        return -1;
    }
    (void)crypto_sign_seed_keypair(out->pk, out->sk, seed); /* always 0 for a 32-byte seed */
    sodium_memzero(seed, sizeof seed);
    out->has_secret = 1;
    s_key_id(out);
    return 0;
}

/* A secret key file given where a public one belongs: the two look alike (64 hex digits,
 * 40 Z85 characters), so go by tix-keygen's comment and the file name, and refuse it rather
 * than take a seed for a public key (or spread a secret to where public keys go). */
static int s_refuse_secret(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int secret = 0;
    size_t n = strlen(path);
    if (n >= 4 && strcmp(path + n - 4, ".key") == 0)
        secret = 1;
    while (f && !secret && fgets(line, sizeof line, f))
        secret = line[0] == '#' && strstr(line, "SECRET") != NULL;
    if (f)
        fclose(f);
    sodium_memzero(line, sizeof line);
    if (!secret)
        return 0;
    TIX_SET_ERR(EINVAL, "%s is a secret key file: give the public key (tix-keygen's .pub file), and "
                "keep the secret one to the publisher", path);
    return -1;
}

int tix_sign_key_load_public(const char *path, tix_sign_key_t *out)
{
    char hex[160];
    size_t n = 0;
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0 || s_refuse_secret(path) || s_read_key_line(path, hex, sizeof hex))
        return -1;
    if (strlen(hex) != 64 ||
        sodium_hex2bin(out->pk, sizeof out->pk, hex, strlen(hex), NULL, &n, NULL) != 0 || n != 32) {
        TIX_SET_ERR(EINVAL, "%s: not an Ed25519 public key (64 hex digits)", path);
        return -1;
    }
    s_key_id(out);
    return 0;
}

static int s_z85_ok(const char *z)
{
    uint8_t bin[32];
    return strlen(z) == 40 && zmq_z85_decode(bin, z) != NULL;
}

int tix_curve_key_load_secret(const char *path, tix_curve_key_t *out)
{
    memset(out, 0, sizeof *out);
    if (tix_keys_check_private(path) || s_read_key_line(path, out->sec, sizeof out->sec))
        return -1;
    if (!s_z85_ok(out->sec) || zmq_curve_public(out->pub, out->sec) != 0) {
        TIX_SET_ERR(EINVAL, "%s: not a CurveZMQ secret key (40 Z85 characters)", path);
        memset(out, 0, sizeof *out);
        return -1;
    }
    return 0;
}

int tix_curve_key_load_public(const char *path, tix_curve_key_t *out)
{
    memset(out, 0, sizeof *out);
    if (s_refuse_secret(path) || s_read_key_line(path, out->pub, sizeof out->pub))
        return -1;
    if (!s_z85_ok(out->pub)) {
        TIX_SET_ERR(EINVAL, "%s: not a CurveZMQ public key (40 Z85 characters)", path);
        return -1;
    }
    return 0;
}

void tix_sign(const tix_sign_key_t *k, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    (void)crypto_sign_detached(sig, NULL, msg, len, k->sk); /* always 0 */
}

int tix_verify(const tix_sign_key_t *k, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    return crypto_sign_verify_detached(sig, msg, len, k->pk) == 0 ? 0 : -1;
}
