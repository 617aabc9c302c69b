#ifndef CREDBROKER_OPENSSL_SHIM_H
#define CREDBROKER_OPENSSL_SHIM_H

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

// Everything BrokerSealing calls imports directly (EVP, RAND, ERR, CRYPTO_memcmp, OPENSSL_cleanse);
// add a static inline wrapper here only for what Swift cannot call (function-like macros).

#endif
