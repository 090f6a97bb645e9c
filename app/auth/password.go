package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/schoolsms/sms/app/errs"
)

// Password rules: long enough to resist guessing, short enough to bound hashing work.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// argon2id parameters: the OWASP baseline (19 MiB, 2 passes), cheap enough for a small
// school server to verify a sign-in in a few tens of milliseconds.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// CheckPasswordPolicy returns a message for a password that may not be used, "" if fine.
func CheckPasswordPolicy(pw string) string {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return fmt.Sprintf("must be at most %d bytes", MaxPasswordLen)
	case strings.TrimSpace(pw) == "":
		return "must not be only spaces"
	}
	return ""
}

// Every argon2id computation holds argonMemory for its duration, so hashing at the
// pace requests arrive would let a burst of sign-ins take the machine's memory (40 at
// once: about 760 MiB). One process-wide set of slots, one per core (more would only
// queue on the CPU anyway), bounds it to a few computations' worth.
var (
	hashSlots   = make(chan struct{}, max(runtime.NumCPU(), 1))
	hashing     atomic.Int64
	hashingPeak atomic.Int64
)

// MaxHashing is how many password hashes may be computed at once.
func MaxHashing() int { return cap(hashSlots) }

// HashingPeak is the most password hashes that have been computed at once in this
// process (it never exceeds MaxHashing).
func HashingPeak() int { return int(hashingPeak.Load()) }

// errHashBusy is the answer when every hashing slot stayed taken for the whole wait.
var errHashBusy = &errs.Error{Code: errs.TooManyRequests, RetryAfter: time.Second,
	Message: "the server is busy checking other passwords; try again in a moment"}

// withHashSlot runs fn once a hashing slot is free, waiting at most wait.
func withHashSlot(ctx context.Context, wait time.Duration, fn func()) error {
	select {
	case hashSlots <- struct{}{}:
	default:
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case hashSlots <- struct{}{}:
		case <-t.C:
			return errHashBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-hashSlots }()
	n := hashing.Add(1)
	defer hashing.Add(-1)
	for p := hashingPeak.Load(); n > p && !hashingPeak.CompareAndSwap(p, n); p = hashingPeak.Load() {
	}
	fn()
	return nil
}

// Waits for a hashing slot. Sign-ins are short: a client that cannot be served soon is
// told to come back rather than piling up. Setting a password is an admin's deliberate
// act and may wait longer.
const (
	SignInHashWait = 5 * time.Second
	setHashWait    = 30 * time.Second
)

// HashPassword returns an argon2id hash in the usual $argon2id$v=19$m=..,t=..,p=..$salt$key form.
func HashPassword(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	var key []byte
	if err := withHashSlot(ctx, setHashWait, func() {
		key = argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	}); err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("unrecognised password hash")

// CheckPassword reports whether pw matches the encoded hash, in constant time, waiting
// at most wait for a hashing slot.
func CheckPassword(ctx context.Context, wait time.Duration, encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	var got []byte
	if err := withHashSlot(ctx, wait, func() { got = argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want))) }); err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the account does not exist, so an unknown email
// costs the same time as a wrong password and the two cannot be told apart.
var dummyHash, _ = HashPassword(context.Background(), "not a real password, only spends the same time")
