package studentimport

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/schoolsms/sms/app/errs"
)

// An uploaded file is kept on the server between its check and its import, so that the
// office does not choose it again (nor after correcting a class the check complained
// about). It is kept in the temporary directory, under the school, by a random id, for
// the user who uploaded it only, and for keepFor at most; an import removes it.

// keepRoot is where kept uploads go; tests point it elsewhere.
var keepRoot = filepath.Join(os.TempDir(), "sms-import")

// keepFor is how long an upload is kept.
const keepFor = 2 * time.Hour

var keptID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// keptMeta is what is kept beside a file.
type keptMeta struct {
	UserID int64     `json:"user_id"`
	Name   string    `json:"name"`
	At     time.Time `json:"at"`
}

// errNotKept is the answer for an id that names no file kept for this user.
var errNotKept = errs.Field("file", "the checked file is no longer kept (files are kept for two hours); choose it again")

func keptDir(schema string) string { return filepath.Join(keepRoot, filepath.Base(schema)) }

// keep stores an upload for the user and returns its id. Uploads older than keepFor
// are removed on the way.
func keep(schema string, userID int64, name string, body []byte) (string, error) {
	dir := keptDir(schema)
	now := time.Now() // the machine's clock: this is about files on its disk
	sweep(dir, now)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", errs.Wrap(err, "keep upload")
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", errs.Wrap(err, "keep upload")
	}
	id := hex.EncodeToString(b[:])
	meta, err := json.Marshal(keptMeta{UserID: userID, Name: name, At: now})
	if err != nil {
		return "", errs.Wrap(err, "keep upload")
	}
	if err := os.WriteFile(filepath.Join(dir, id+".file"), body, 0o600); err != nil {
		os.Remove(filepath.Join(dir, id+".file"))
		return "", errs.Wrap(err, "keep upload")
	}
	if err := os.WriteFile(filepath.Join(dir, id+".json"), meta, 0o600); err != nil {
		forget(schema, id)
		return "", errs.Wrap(err, "keep upload")
	}
	return id, nil
}

// kept reads the upload id of the user; another user's, an expired or an unknown one
// is errNotKept.
func kept(schema string, userID int64, id string) (name string, body []byte, err error) {
	if !keptID.MatchString(id) {
		return "", nil, errNotKept
	}
	dir := keptDir(schema)
	raw, err := os.ReadFile(filepath.Join(dir, id+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, errNotKept
	}
	if err != nil {
		return "", nil, errs.Wrap(err, "read kept upload")
	}
	var m keptMeta
	if err := json.Unmarshal(raw, &m); err != nil || m.UserID != userID || time.Since(m.At) > keepFor {
		return "", nil, errNotKept
	}
	body, err = os.ReadFile(filepath.Join(dir, id+".file"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, errNotKept
	}
	if err != nil {
		return "", nil, errs.Wrap(err, "read kept upload")
	}
	return m.Name, body, nil
}

// forget removes a kept upload.
func forget(schema, id string) {
	if !keptID.MatchString(id) {
		return
	}
	dir := keptDir(schema)
	os.Remove(filepath.Join(dir, id+".file"))
	os.Remove(filepath.Join(dir, id+".json"))
}

// sweep removes the uploads of dir older than keepFor.
func sweep(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > keepFor {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
