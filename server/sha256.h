// File: sha256.h
//
// Incremental SHA-256 (OpenSSL EVP), for hashing uploads as they stream in.
//
//   Sha256 hash;
//   hash.Update(chunk1);
//   hash.Update(chunk2);
//   std::string hex = hash.HexDigest();  // 64 lowercase hex digits
#ifndef FLN_SERVER_SHA256_H_
#define FLN_SERVER_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

struct evp_md_ctx_st;

namespace fln {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view data);
  // Finishes the hash; the object then starts over as if new.
  std::string HexDigest();

 private:
  evp_md_ctx_st* ctx_;
};

// SHA-256 of `data`, hex.
std::string Sha256Hex(absl::string_view data);

}  // namespace fln

#endif  // FLN_SERVER_SHA256_H_
