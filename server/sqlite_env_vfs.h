// File: sqlite_env_vfs.h
//
// SQLite does its own file I/O, so the metadata database would escape the
// Env (env.h) and its fault injection. This SQLite VFS wraps the default one
// and asks the Env before every write, truncate and sync of a database file
// (Env::BeforeForeignWrite): a refused write reaches SQLite as SQLITE_FULL
// (RESOURCE_EXHAUSTED) or SQLITE_IOERR, as a full or failing disk would.
//
//   FLN_ASSIGN_OR_RETURN(std::string vfs, SqliteVfsFor(env));
//   sqlite3_open_v2(path, &db, flags, vfs.empty() ? nullptr : vfs.c_str());
//
// Reads, locks and the WAL index (shared memory) pass through unchanged.
#ifndef FLN_SERVER_SQLITE_ENV_VFS_H_
#define FLN_SERVER_SQLITE_ENV_VFS_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/env.h"

namespace fln {

// The name of a registered VFS that routes through `env` ("" for
// Env::Default(), whose writes are never refused: SQLite's own default VFS).
// Registers it on first use; it stays registered for the process's life, so
// `env` must too. INTERNAL if SQLite has no default VFS.
absl::StatusOr<std::string> SqliteVfsFor(Env* env);

}  // namespace fln

#endif  // FLN_SERVER_SQLITE_ENV_VFS_H_
