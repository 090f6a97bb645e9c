package auth

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

const testPassword = "correct horse battery"

// platform is a sign-in service over a real catalog file with one platform admin.
func platform(t *testing.T) (*Service, Store) {
	t.Helper()
	ctx := context.Background()
	c, err := db.OpenCatalog(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = CreatePlatformAdmin(ctx, c, "root@platform.org", "Root", testPassword, Meta{})
	require.NoError(t, err)
	return NewService(c, slog.New(slog.NewTextHandler(io.Discard, nil))), PlatformStore(c)
}

// holdHashSlots takes every hashing slot, as a server saturated with sign-ins would,
// until the returned function is called.
func holdHashSlots(t *testing.T) func() {
	t.Helper()
	for range cap(hashSlots) {
		select {
		case hashSlots <- struct{}{}:
		case <-time.After(time.Minute):
			t.Fatal("a hashing slot stayed taken")
		}
	}
	return func() {
		for range cap(hashSlots) {
			<-hashSlots
		}
	}
}

func TestSignInWithNoFreeHashingSlotIsToldToRetry(t *testing.T) {
	s, st := platform(t)
	s.HashWait = 20 * time.Millisecond
	ctx := context.Background()
	release := holdHashSlots(t)
	for range 8 {
		_, err := s.Login(ctx, st, "", "root@platform.org", "not the password", Meta{IP: "10.0.0.1"})
		e := errs.As(err)
		assert.Equal(t, errs.TooManyRequests, e.Code, "%v", err)
		assert.Equal(t, time.Second, e.RetryAfter)
	}
	release()
	acc, err := s.Login(ctx, st, "", "root@platform.org", testPassword, Meta{IP: "10.0.0.1"})
	require.NoError(t, err, "attempts refused for want of a slot count against nobody")
	assert.Equal(t, "root@platform.org", acc.Email)
}

func TestHashingWaitsForASlot(t *testing.T) {
	release := holdHashSlots(t)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := HashPassword(ctx, testPassword)
	assert.ErrorIs(t, err, context.Canceled, "no hash is computed while every slot is taken")
}

func TestHashingNeverExceedsItsSlots(t *testing.T) {
	errc := make(chan error, 3*MaxHashing())
	for range cap(errc) {
		go func() {
			_, err := HashPassword(context.Background(), testPassword)
			errc <- err
		}()
	}
	for range cap(errc) {
		require.NoError(t, <-errc)
	}
	assert.LessOrEqual(t, HashingPeak(), MaxHashing())
}
