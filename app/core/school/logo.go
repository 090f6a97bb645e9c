package school

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Bounds of a logo. The size bounds the upload; the side bounds what decoding it may
// take in memory (a small PNG can claim a huge canvas).
const (
	MaxLogoBytes = 512 << 10
	MaxLogoSide  = 2048
	MinLogoSide  = 16
)

// checkLogo reads an uploaded image: PNG or JPEG by its content (whatever the file was
// called), within the bounds, decoded and written again so that nothing but the picture
// is kept (no metadata such as a camera's location, no bytes after the image).
func checkLogo(data []byte) (contentType string, out []byte, w, h int, err error) {
	bad := func(msg string, args ...any) error { return errs.Field("logo", fmt.Sprintf(msg, args...)) }
	if len(data) == 0 {
		return "", nil, 0, 0, bad("is empty: choose a PNG or JPEG image")
	}
	if len(data) > MaxLogoBytes {
		return "", nil, 0, 0, bad("is too large (%d KB): a logo may be at most %d KB", (len(data)+1023)/1024, MaxLogoBytes>>10)
	}
	contentType = http.DetectContentType(data)
	if contentType != "image/png" && contentType != "image/jpeg" {
		return "", nil, 0, 0, bad("must be a PNG or JPEG image")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+format != contentType {
		return "", nil, 0, 0, bad("cannot be read as a %s image", contentType[len("image/"):])
	}
	if cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return "", nil, 0, 0, bad("is %d×%d pixels: a logo may be at most %d pixels wide and high", cfg.Width, cfg.Height, MaxLogoSide)
	}
	if cfg.Width < MinLogoSide || cfg.Height < MinLogoSide {
		return "", nil, 0, 0, bad("is %d×%d pixels: a logo must be at least %d pixels wide and high", cfg.Width, cfg.Height, MinLogoSide)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", nil, 0, 0, bad("cannot be read as a %s image", contentType[len("image/"):])
	}
	var buf bytes.Buffer
	if contentType == "image/png" {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		return "", nil, 0, 0, errs.Wrap(err, "encode logo")
	}
	return contentType, buf.Bytes(), cfg.Width, cfg.Height, nil
}

// SetLogo stores a new logo (see checkLogo for what is accepted) and returns the profile
// with its new LogoVersion.
func (s Service) SetLogo(ctx context.Context, data []byte, meta auth.Meta) (Profile, error) {
	ct, img, w, h, err := checkLogo(data)
	if err != nil {
		return Profile{}, err
	}
	sum := sha256.Sum256(img)
	etag := hex.EncodeToString(sum[:8])
	var out Profile
	err = s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := ProfileIn(ctx, q)
		if err != nil {
			return err
		}
		if cur.ID == 0 {
			return errs.E(errs.NotFound, "the school has no profile")
		}
		if err := q.PutSchoolLogo(ctx, tenantdb.PutSchoolLogoParams{ContentType: ct, Data: img, Width: int64(w), Height: int64(h), Etag: etag}); err != nil {
			return errs.Wrap(err, "store logo")
		}
		if err := q.SetSchoolLogoEtag(ctx, etag); err != nil {
			return errs.Wrap(err, "store logo")
		}
		if out, err = ProfileIn(ctx, q); err != nil {
			return err
		}
		return auth.InsertSchoolAudit(ctx, q, meta.Entry("school.logo.set", "school",
			map[string]any{"before": map[string]any{"logo": cur.LogoVersion}, "after": map[string]any{"logo": etag, "content_type": ct, "width": w, "height": h, "bytes": len(img)}}))
	})
	return out, err
}

// DeleteLogo removes the school's logo (nothing to do when it has none).
func (s Service) DeleteLogo(ctx context.Context, meta auth.Meta) (Profile, error) {
	var out Profile
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := ProfileIn(ctx, q)
		if err != nil {
			return err
		}
		out = cur
		if !cur.HasLogo() {
			return nil
		}
		if err := q.DeleteSchoolLogo(ctx); err != nil {
			return errs.Wrap(err, "delete logo")
		}
		if err := q.SetSchoolLogoEtag(ctx, ""); err != nil {
			return errs.Wrap(err, "delete logo")
		}
		if out, err = ProfileIn(ctx, q); err != nil {
			return err
		}
		return auth.InsertSchoolAudit(ctx, q, meta.Entry("school.logo.delete", "school",
			map[string]any{"before": map[string]any{"logo": cur.LogoVersion}, "after": map[string]any{"logo": ""}}))
	})
	return out, err
}
