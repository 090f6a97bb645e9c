package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// asset is one static file, read and hashed once.
type asset struct {
	body []byte
	gz   []byte // gzip of body, nil when it does not pay
	typ  string
	etag string
}

var (
	assetsOnce sync.Once
	assets     map[string]*asset
	version    string
)

var contentTypes = map[string]string{
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
	".woff": "font/woff",
}

func loadAssets() {
	assets = map[string]*asset{}
	all := sha256.New()
	fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		all.Write(sum[:])
		typ, ok := contentTypes[path.Ext(p)]
		if !ok {
			if typ = mime.TypeByExtension(path.Ext(p)); typ == "" {
				typ = "application/octet-stream"
			}
		}
		a := &asset{body: b, typ: typ, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		if compressible(typ) && len(b) > 1024 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(b)
			zw.Close()
			if buf.Len() < len(b) {
				a.gz = buf.Bytes()
			}
		}
		assets[strings.TrimPrefix(p, "static/")] = a
		return nil
	})
	version = hex.EncodeToString(all.Sum(nil)[:6])
}

func compressible(typ string) bool {
	return strings.HasPrefix(typ, "text/") || strings.HasPrefix(typ, "image/svg")
}

// Version changes whenever any static file does; pages add it to asset URLs (?v=...)
// so browsers may cache assets for a long time and still see a new release at once.
func Version() string {
	assetsOnce.Do(loadAssets)
	return version
}

// Static serves the embedded static/ directory; mount it as GET /static/*. A request
// carrying the current ?v= may be cached for a year; any other for five minutes, and
// revalidated by ETag after that.
func Static() fiber.Handler {
	assetsOnce.Do(loadAssets)
	return func(c *fiber.Ctx) error {
		name := path.Clean(strings.TrimPrefix(c.Params("*"), "/"))
		a, ok := assets[name]
		if !ok || !fs.ValidPath(name) {
			return fiber.ErrNotFound
		}
		h := &c.Response().Header
		h.Set(fiber.HeaderContentType, a.typ)
		h.Set(fiber.HeaderETag, a.etag)
		h.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
		if c.Query("v") == version {
			h.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		} else {
			h.Set(fiber.HeaderCacheControl, "public, max-age=300")
		}
		if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && etagMatches(match, a.etag) {
			return c.SendStatus(fiber.StatusNotModified)
		}
		if a.gz != nil && acceptsGzip(c.Get(fiber.HeaderAcceptEncoding)) {
			h.Set(fiber.HeaderContentEncoding, "gzip")
			return c.Send(a.gz)
		}
		return c.Send(a.body)
	}
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func acceptsGzip(header string) bool {
	for _, p := range strings.Split(header, ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(p), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			q = strings.ReplaceAll(strings.TrimSpace(q), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
