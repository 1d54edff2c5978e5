#ifndef CLMDB_SHIM_H
#define CLMDB_SHIM_H
// The journey store links the system liblmdb (Debian: liblmdb-dev, pkg-config "lmdb").
// Only the LMDBKit module imports this; everything else goes through LMDBKit.
#include <lmdb.h>
#endif
