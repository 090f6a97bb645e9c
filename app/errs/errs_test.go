package errs

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// sqliteErr has the shape of the driver's error: a result code behind a method.
type sqliteErr struct{ code int }

func (e sqliteErr) Error() string { return fmt.Sprintf("sqlite error %d", e.code) }
func (e sqliteErr) Code() int     { return e.code }

func TestAsRecognisesStorageConditions(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		code   Code
		status int
	}{
		{"busy", sqliteErr{5}, Busy, http.StatusServiceUnavailable},
		{"busy snapshot (extended)", sqliteErr{5 | 2<<8}, Busy, http.StatusServiceUnavailable},
		{"locked", sqliteErr{6}, Busy, http.StatusServiceUnavailable},
		{"full, wrapped as internal", Wrap(fmt.Errorf("insert: %w", sqliteErr{13}), "import"), StorageFull, http.StatusInsufficientStorage},
		{"constraint stays internal", sqliteErr{19}, Internal, http.StatusInternalServerError},
		{"plain error", errors.New("boom"), Internal, http.StatusInternalServerError},
		{"coded error passes", E(NotFound, "no"), NotFound, http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := As(tc.err)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.status, HTTPStatus(e.Code))
			if tc.code == Busy {
				assert.Equal(t, BusyRetryAfter, e.RetryAfter)
			}
		})
	}
}

func TestFieldsAndPrefix(t *testing.T) {
	f := Fields{}
	assert.NoError(t, f.Err())
	f.Add("name", "is required")
	f.Add("name", "second message is ignored")
	err := PrefixFields(f.Err(), "admin.")
	assert.Equal(t, map[string]string{"admin.name": "is required"}, As(err).Fields)
	err = RenameFields(err, map[string]string{"admin.name": "admin_name"})
	assert.Equal(t, map[string]string{"admin_name": "is required"}, As(err).Fields)
	assert.Equal(t, Invalid, CodeOf(err))
	assert.Equal(t, Internal, CodeOf(errors.New("x")))
}

func TestErrorText(t *testing.T) {
	e := &Error{Code: Invalid, Message: "invalid input", Fields: map[string]string{"b": "is bad", "a": "is missing"}}
	assert.Equal(t, "invalid input (a: is missing; b: is bad)", e.Error(), "fields in a stable order")

	cause := errors.New("disk on fire")
	wrapped := Wrap(cause, "save")
	assert.Equal(t, "internal error: save: disk on fire", wrapped.Error(), "the cause is in the log line")
	assert.ErrorIs(t, wrapped, cause)
	assert.Nil(t, Wrap(nil, "save"))
	coded := E(Conflict, "%s is taken", "x")
	assert.Same(t, coded, Wrap(coded, "save"), "a coded error passes unchanged")
	assert.Equal(t, "x is taken", coded.Error(), "a coded error's message names no cause")
}

func TestEveryCodeHasAStatus(t *testing.T) {
	want := map[Code]int{Invalid: 400, BadHost: 400, Unauthorized: 401, Forbidden: 403, TenantSuspended: 403, NotFound: 404,
		TenantNotFound: 404, Conflict: 409, TooManyRequests: 429, TenantUnavailable: 503, Busy: 503, StorageFull: 507, Internal: 500}
	for code, status := range want {
		assert.Equal(t, status, HTTPStatus(code), string(code))
	}
	assert.Equal(t, 500, HTTPStatus("no_such_code"))
}
