#ifndef CREDBROKER_OPENSSL_SHIM_H
#define CREDBROKER_OPENSSL_SHIM_H

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

// EVP_CIPHER_CTX_FLAG_WRAP_ALLOW is an integer macro Swift imports, but it is defined with a cast on
// some OpenSSL builds; re-export it as a constant so the wrapper never depends on how it is spelled.
static const int credbroker_EVP_CIPHER_CTX_FLAG_WRAP_ALLOW = EVP_CIPHER_CTX_FLAG_WRAP_ALLOW;

#endif
