#ifndef CREDBROKER_CURL_SHIM_H
#define CREDBROKER_CURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed wrapper
// per argument type. The CURLAUTH_* masks are macros with casts and shifts: re-exported as constants.

static inline CURLcode credbroker_curl_setopt_long(CURL *_Nonnull handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode credbroker_curl_setopt_string(CURL *_Nonnull handle, CURLoption option, const char *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode credbroker_curl_setopt_pointer(CURL *_Nonnull handle, CURLoption option, void *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode credbroker_curl_setopt_slist(CURL *_Nonnull handle, CURLoption option, struct curl_slist *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*credbroker_curl_data_callback)(char *_Nonnull, size_t, size_t, void *_Nullable);
static inline CURLcode credbroker_curl_setopt_data_callback(CURL *_Nonnull handle, CURLoption option, credbroker_curl_data_callback _Nonnull callback) {
    return curl_easy_setopt(handle, option, callback);
}

typedef int (*credbroker_curl_prereq_callback)(void *_Nullable, char *_Nonnull, char *_Nonnull, int, int);
static inline CURLcode credbroker_curl_setopt_prereq_callback(CURL *_Nonnull handle, credbroker_curl_prereq_callback _Nonnull callback) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, callback);
}

static inline CURLcode credbroker_curl_getinfo_long(CURL *_Nonnull handle, CURLINFO info, long *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

static const unsigned long credbroker_CURLAUTH_BASIC = CURLAUTH_BASIC;
static const unsigned long credbroker_CURLAUTH_NTLM = CURLAUTH_NTLM;
static const int credbroker_CURL_PREREQFUNC_OK = CURL_PREREQFUNC_OK;
static const int credbroker_CURL_PREREQFUNC_ABORT = CURL_PREREQFUNC_ABORT;

#endif
