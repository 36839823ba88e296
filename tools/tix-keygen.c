/* tix-keygen: writes an Ed25519 signing key pair and a CurveZMQ key pair (secrets 0600). */
#include "tix_err.h"
#include "tix_keys.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                "usage: tix-keygen BASE\n"
                "Writes BASE.sign.key (Ed25519 seed, mode 0600) and BASE.sign.pub (give to\n"
                "subscribers), BASE.curve.key (CurveZMQ secret, mode 0600) and BASE.curve.pub.\n"
                "Existing files are never overwritten.\n");
        return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    if (tix_keys_generate(argv[1]) != 0) {
        fprintf(stderr, "tix-keygen: %s\n", tix_err());
        return 1;
    }
    char path[4096];
    tix_sign_key_t sk;
    tix_curve_key_t ck;
    snprintf(path, sizeof path, "%s.sign.key", argv[1]);
    if (tix_sign_key_load_secret(path, &sk) != 0) {
        fprintf(stderr, "tix-keygen: %s\n", tix_err());
        return 1;
    }
    snprintf(path, sizeof path, "%s.curve.key", argv[1]);
    if (tix_curve_key_load_secret(path, &ck) != 0) {
        fprintf(stderr, "tix-keygen: %s\n", tix_err());
        return 1;
    }
    printf("wrote %s.sign.key %s.sign.pub %s.curve.key %s.curve.pub\nsigning key id ", argv[1],
           argv[1], argv[1], argv[1]);
    for (int i = 0; i < TIX_WIRE_KEY_ID_SIZE; i++)
        printf("%02x", sk.key_id[i]);
    printf("\ncurve public key %s\n", ck.pub);
    return 0;
}
