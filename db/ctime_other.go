//go:build !linux

package db

import (
	"os"
	"time"
)

// changeTime is now on systems where this package does not read the status change
// time: every school counts as changed, and every sweep visits it.
func changeTime(path string) (time.Time, error) {
	if _, err := os.Stat(path); err != nil {
		return time.Time{}, err
	}
	return time.Now(), nil
}
