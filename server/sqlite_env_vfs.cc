#include "server/sqlite_env_vfs.h"

#include <sqlite3.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace fln {
namespace {

// A file of the wrapping VFS: SQLite's handle, then the default VFS's own
// file object in the same allocation (szOsFile covers both).
struct EnvFile {
  sqlite3_file header;  // pMethods = kEnvFileMethods
  Env* env;
  const char* path;    // SQLite keeps the name alive while the file is open
  sqlite3_file* real;  // points just past this struct
};

EnvFile* AsEnvFile(sqlite3_file* file) { return reinterpret_cast<EnvFile*>(file); }
sqlite3_file* Real(sqlite3_file* file) { return AsEnvFile(file)->real; }

// SQLite's code for a write the Env refused.
int RefusedWrite(sqlite3_file* file, int io_error) {
  EnvFile* f = AsEnvFile(file);
  const absl::Status allowed = f->env->BeforeForeignWrite(f->path == nullptr ? "" : f->path);
  if (allowed.ok()) return SQLITE_OK;
  return absl::IsResourceExhausted(allowed) ? SQLITE_FULL : io_error;
}

int Close(sqlite3_file* file) {
  sqlite3_file* real = Real(file);
  return real->pMethods != nullptr ? real->pMethods->xClose(real) : SQLITE_OK;
}
int Read(sqlite3_file* file, void* buffer, int amount, sqlite3_int64 offset) {
  return Real(file)->pMethods->xRead(Real(file), buffer, amount, offset);
}
int Write(sqlite3_file* file, const void* buffer, int amount, sqlite3_int64 offset) {
  if (int refused = RefusedWrite(file, SQLITE_IOERR_WRITE)) return refused;
  return Real(file)->pMethods->xWrite(Real(file), buffer, amount, offset);
}
int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (int refused = RefusedWrite(file, SQLITE_IOERR_TRUNCATE)) return refused;
  return Real(file)->pMethods->xTruncate(Real(file), size);
}
int Sync(sqlite3_file* file, int flags) {
  if (int refused = RefusedWrite(file, SQLITE_IOERR_FSYNC)) return refused;
  return Real(file)->pMethods->xSync(Real(file), flags);
}
int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  return Real(file)->pMethods->xFileSize(Real(file), size);
}
int Lock(sqlite3_file* file, int level) { return Real(file)->pMethods->xLock(Real(file), level); }
int Unlock(sqlite3_file* file, int level) {
  return Real(file)->pMethods->xUnlock(Real(file), level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(file)->pMethods->xCheckReservedLock(Real(file), out);
}
int FileControl(sqlite3_file* file, int op, void* arg) {
  return Real(file)->pMethods->xFileControl(Real(file), op, arg);
}
int SectorSize(sqlite3_file* file) { return Real(file)->pMethods->xSectorSize(Real(file)); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Real(file)->pMethods->xDeviceCharacteristics(Real(file));
}
int ShmMap(sqlite3_file* file, int page, int page_size, int extend, void volatile** out) {
  return Real(file)->pMethods->xShmMap(Real(file), page, page_size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Real(file)->pMethods->xShmLock(Real(file), offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Real(file)->pMethods->xShmBarrier(Real(file)); }
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return Real(file)->pMethods->xShmUnmap(Real(file), delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  // No memory-mapped reads: every page goes through Read.
  *out = nullptr;
  return SQLITE_OK;
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* pointer) { return SQLITE_OK; }

const sqlite3_io_methods kEnvFileMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* base = static_cast<sqlite3_vfs*>(sqlite3_vfs_find(nullptr));
  EnvFile* f = AsEnvFile(file);
  f->header.pMethods = nullptr;
  f->env = static_cast<Env*>(vfs->pAppData);
  f->path = name;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  std::memset(f->real, 0, static_cast<size_t>(base->szOsFile));
  const int rc = base->xOpen(base, name, f->real, flags, out_flags);
  // Set even on failure when the real file has methods: SQLite then calls
  // xClose, which must reach the real file.
  if (f->real->pMethods != nullptr) f->header.pMethods = &kEnvFileMethods;
  return rc;
}

// Forwarders of the VFS-level calls to the default VFS.
sqlite3_vfs* Base() { return sqlite3_vfs_find(nullptr); }
int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return Base()->xDelete(Base(), name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return Base()->xAccess(Base(), name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return Base()->xFullPathname(Base(), name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return Base()->xDlOpen(Base(), name); }
void DlError(sqlite3_vfs*, int n, char* out) { Base()->xDlError(Base(), n, out); }
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return Base()->xDlSym(Base(), handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) { Base()->xDlClose(Base(), handle); }
int Randomness(sqlite3_vfs*, int n, char* out) { return Base()->xRandomness(Base(), n, out); }
int Sleep(sqlite3_vfs*, int micros) { return Base()->xSleep(Base(), micros); }
int CurrentTime(sqlite3_vfs*, double* out) { return Base()->xCurrentTime(Base(), out); }
int GetLastError(sqlite3_vfs*, int n, char* out) { return Base()->xGetLastError(Base(), n, out); }
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return Base()->xCurrentTimeInt64(Base(), out);
}

}  // namespace

absl::StatusOr<std::string> SqliteVfsFor(Env* env) {
  if (env == Env::Default()) return std::string();
  static absl::Mutex mu(absl::kConstInit);
  static auto* registered = new std::map<Env*, std::unique_ptr<sqlite3_vfs>>();
  static auto* names = new std::map<Env*, std::string>();
  absl::MutexLock lock(&mu);
  auto found = names->find(env);
  if (found != names->end()) return found->second;
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr) return absl::InternalError("SQLite has no default VFS");
  char name[48];
  std::snprintf(name, sizeof(name), "fln-env-%p", static_cast<void*>(env));
  (*names)[env] = name;
  auto vfs = std::make_unique<sqlite3_vfs>();
  *vfs = sqlite3_vfs{};
  vfs->iVersion = 2;
  vfs->szOsFile = static_cast<int>(sizeof(EnvFile)) + base->szOsFile;
  vfs->mxPathname = base->mxPathname;
  vfs->zName = (*names)[env].c_str();
  vfs->pAppData = env;
  vfs->xOpen = Open;
  vfs->xDelete = Delete;
  vfs->xAccess = Access;
  vfs->xFullPathname = FullPathname;
  vfs->xDlOpen = DlOpen;
  vfs->xDlError = DlError;
  vfs->xDlSym = DlSym;
  vfs->xDlClose = DlClose;
  vfs->xRandomness = Randomness;
  vfs->xSleep = Sleep;
  vfs->xCurrentTime = CurrentTime;
  vfs->xGetLastError = GetLastError;
  vfs->xCurrentTimeInt64 = CurrentTimeInt64;
  if (sqlite3_vfs_register(vfs.get(), /*makeDflt=*/0) != SQLITE_OK) {
    names->erase(env);
    return absl::InternalError("cannot register the Env's SQLite VFS");
  }
  (*registered)[env] = std::move(vfs);
  return (*names)[env];
}

}  // namespace fln
