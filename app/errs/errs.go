// Package errs is the one coded error type of the application. Services return it; the
// HTTP layer maps each code to a status in one table, and the CLI prints its message.
package errs

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Code names a kind of failure a caller can act on.
type Code string

const (
	Invalid           Code = "invalid"            // bad input; Fields names what is wrong
	NotFound          Code = "not_found"          // no such thing
	Conflict          Code = "conflict"           // it exists already, or is owned by someone else
	TenantNotFound    Code = "tenant_not_found"   // the host or path names no school
	TenantSuspended   Code = "tenant_suspended"   // the school exists but is suspended
	TenantUnavailable Code = "tenant_unavailable" // the school's file cannot be opened now
	BadHost           Code = "bad_host"           // the Host header is missing or malformed
	Misdirected       Code = "misdirected"        // the school is served by another appliance of the cluster
	Unauthorized      Code = "unauthorized"       // who are you?
	Forbidden         Code = "forbidden"          // known, but not allowed
	TooManyRequests   Code = "too_many_requests"  // slow down
	Busy              Code = "busy"               // the school's file is locked by a long write; retry soon
	StorageFull       Code = "storage_full"       // the disk is full; nothing was written
	Internal          Code = "internal"           // our fault; details are logged, never sent
)

// Error is a failure with a code, a message fit to show a user, and per-field messages.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	// Dependents are the records that stop a delete (a Conflict): what they are and
	// how many, so a client can list them.
	Dependents []Dependent
	Err        error // the cause, for logs only
	// RetryAfter tells a client that was slowed down when to try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	msg := e.Message
	if len(e.Fields) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
			parts = append(parts, k+": "+e.Fields[k])
		}
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	if e.Err != nil && e.Code == Internal {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error with a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Dependent is one kind of record that still refers to something being deleted.
type Dependent struct {
	Kind  string `json:"kind"`  // what they are, for programs: "classes", "admissions"
	Count int64  `json:"count"` // how many
	Label string `json:"label"` // in words: "3 classes", "1 admission"
}

// Labels lists dependents in words: "3 classes, 1 admission and 2 subjects".
func Labels(deps []Dependent) string {
	var ls []string
	for _, d := range deps {
		ls = append(ls, d.Label)
	}
	if len(ls) < 2 {
		return strings.Join(ls, "")
	}
	return strings.Join(ls[:len(ls)-1], ", ") + " and " + ls[len(ls)-1]
}

// InUse is the Conflict of deleting something others still refer to; message says so
// in words and deps lists them.
func InUse(deps []Dependent, format string, args ...any) *Error {
	return &Error{Code: Conflict, Message: fmt.Sprintf(format, args...), Dependents: deps}
}

// Field is an Invalid error about one input field.
func Field(field, message string) *Error {
	return &Error{Code: Invalid, Message: "invalid input", Fields: map[string]string{field: message}}
}

// Fields collects per-field problems; Err returns nil when there are none.
type Fields map[string]string

// Add records a problem with a field (the first one per field wins).
func (f Fields) Add(field, message string) {
	if _, ok := f[field]; !ok {
		f[field] = message
	}
}

// Err is the Invalid error for the collected problems, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "invalid input", Fields: map[string]string(f)}
}

// Wrap marks an unexpected error as internal, keeping it for the log.
func Wrap(err error, context string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Message: "internal error", Err: fmt.Errorf("%s: %w", context, err)}
}

// CodeOf returns the code of err, Internal for errors that carry none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as *Error: a coded error as it is, a storage condition (locked file,
// full disk) as its own code, anything else as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Code != Internal {
		return e
	}
	if s := storageError(err); s != nil {
		return s
	}
	if e != nil {
		return e
	}
	return &Error{Code: Internal, Message: "internal error", Err: err}
}

// SQLite result codes (the low byte of an extended code) that are conditions of the
// machine rather than defects: the client can be told what happened.
const (
	sqliteBusy   = 5
	sqliteLocked = 6
	sqliteFull   = 13
)

// BusyRetryAfter is what a client that met a locked school file is told to wait.
const BusyRetryAfter = 2 * time.Second

// storageError recognises a SQLite error by its result code (never by message text)
// anywhere in err's chain and gives it a code a client can act on.
func storageError(err error) *Error {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return nil
	}
	switch coded.Code() & 0xff {
	case sqliteBusy, sqliteLocked:
		return &Error{Code: Busy, Message: "the school's data is busy with a long change; try again in a moment",
			Err: err, RetryAfter: BusyRetryAfter}
	case sqliteFull:
		return &Error{Code: StorageFull, Message: "the server's disk is full; nothing was saved. Tell the person who looks after the server",
			Err: err}
	}
	return nil
}

// PrefixFields renames the fields of err under prefix ("email" -> "admin.email"), for
// a service that validates a nested part of a larger input. Errors without fields are
// returned as they are.
func PrefixFields(err error, prefix string) error {
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		out.Fields[prefix+k] = v
	}
	return &out
}

// RenameFields renames some fields of err (names maps old to new), for a caller whose
// inputs are named differently from the service's; other fields keep their names.
func RenameFields(err error, names map[string]string) error {
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		if n, ok := names[k]; ok {
			k = n
		}
		out.Fields[k] = v
	}
	return &out
}

// httpStatus is the one table from error codes to HTTP statuses.
var httpStatus = map[Code]int{
	Invalid:           http.StatusBadRequest,
	BadHost:           http.StatusBadRequest,
	Misdirected:       http.StatusMisdirectedRequest,
	Unauthorized:      http.StatusUnauthorized,
	Forbidden:         http.StatusForbidden,
	TenantSuspended:   http.StatusForbidden,
	NotFound:          http.StatusNotFound,
	TenantNotFound:    http.StatusNotFound,
	Conflict:          http.StatusConflict,
	TooManyRequests:   http.StatusTooManyRequests,
	TenantUnavailable: http.StatusServiceUnavailable,
	Busy:              http.StatusServiceUnavailable,
	StorageFull:       http.StatusInsufficientStorage,
	Internal:          http.StatusInternalServerError,
}

// HTTPStatus is the status an error code answers with (500 for unknown codes).
func HTTPStatus(c Code) int {
	if s, ok := httpStatus[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}
