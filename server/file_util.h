// File: file_util.h
//
// Composite file operations over an Env (env.h) with LevelDB-style
// durability (db/filename.cc SetCurrentFile): a file becomes visible under
// its final name only once its bytes are on disk, and the rename itself is
// made durable by syncing the directory.
//
//   FLN_RETURN_IF_ERROR(WriteFileAtomically(env, dir + "/x.ckpt", bytes));
//
// Errors: every function returns a status whose message starts with the path
// concerned, with codes as ErrnoToStatus (env.h) maps them.
#ifndef FLN_SERVER_FILE_UTIL_H_
#define FLN_SERVER_FILE_UTIL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/env.h"

namespace fln {

// Writes `contents` to a fresh temporary file beside `path`, syncs it,
// renames it over `path` and syncs the directory. On failure the temporary
// file is removed and `path` is untouched (old contents or absent); after a
// power loss at any point `path` holds the old or the new contents.
absl::Status WriteFileAtomically(Env* env, const std::string& path, absl::string_view contents);

// Whole-file read. NOT_FOUND if `path` does not exist.
absl::StatusOr<std::string> ReadFileToString(Env* env, const std::string& path);

// Rename, then SyncDirectory on the parent of `to` (and of `from` when it
// differs). Works for files and directories (a directory `to` must not
// exist).
absl::Status RenameDurably(Env* env, const std::string& from, const std::string& to);

// mkdir -p. OK if the directory already exists; FAILED_PRECONDITION if a
// component exists and is not a directory. New directories are made durable
// (their parents are synced).
absl::Status CreateDirectories(Env* env, const std::string& path);

// The directory part of `path` ("." for a bare name).
std::string ParentDirectory(const std::string& path);

// A random hex string of `digits` characters (from std::random_device), for
// ids and temporary names.
std::string RandomHex(int digits);

}  // namespace fln

#endif  // FLN_SERVER_FILE_UTIL_H_
