package settings_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/db"
)

// now is the appliance's pinned clock: late on New Year's Eve in UTC, already New
// Year's Day in Nairobi.
var now = time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC)

func start(t *testing.T) *apptest.Server {
	t.Helper()
	t.Parallel()
	s := apptest.Start(t, apptest.At(now))
	s.CreateSchool("alpha", "Alpha School")
	s.CreateSchool("beta", "Beta School")
	return s
}

func admin(s *apptest.Server, schema string) *apptest.Client {
	return s.As(schema, "admin@"+schema+".test")
}

func roleClient(s *apptest.Server, schema string, role auth.Role) *apptest.Client {
	email := string(role) + "@" + schema + ".test"
	s.CreateUser(schema, email, role)
	return s.As(schema, email)
}

func profileOf(t *testing.T, s *apptest.Server, schema string) school.Profile {
	t.Helper()
	var p school.Profile
	s.WithSchool(schema, func(tn *db.Tenant) error {
		var err error
		p, err = school.New(tn).Profile(context.Background())
		return err
	})
	return p
}

func catalogName(t *testing.T, s *apptest.Server, schema string) string {
	t.Helper()
	tn, err := s.App.Clients.Get(context.Background(), schema)
	require.NoError(t, err)
	return tn.Name
}

// pngOf is a w×h PNG with a diagonal, so a re-encoded copy can be told apart from nothing.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w && i < h; i++ {
		img.Set(i, i, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func jpegOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h)), nil))
	return b.Bytes()
}
