/* SHA-256 through libcrypto's low-level SHA256_Init/Update/Final. OpenSSL 3
   marks them deprecated in favour of EVP, but EVP_Digest fetches the
   implementation from the default provider, whose set-up faults in about
   1.8 MB more of libcrypto (3.4 MB resident instead of 1.6 MB): most of the
   daemon's peak RSS over 30 MB while playing. The digest is the same. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
