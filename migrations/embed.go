// Package migrations holds the schema history of the catalog and of every tenant file,
// embedded so the binary migrates files without anything on disk. sqlc reads the same
// directories as its schema.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed catalog/*.sql
var catalogFS embed.FS

//go:embed tenant/*.sql
var tenantFS embed.FS

// Catalog returns the catalog migrations (golang-migrate layout, at the root of the FS).
func Catalog() fs.FS { return sub(catalogFS, "catalog") }

// Tenant returns the tenant-file migrations (golang-migrate layout, at the root of the FS).
func Tenant() fs.FS { return sub(tenantFS, "tenant") }

func sub(f embed.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time; it always exists
	}
	return s
}
