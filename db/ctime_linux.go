//go:build linux

package db

import (
	"os"
	"syscall"
	"time"
)

// changeTime is a file's status change time, which no program can set back.
func changeTime(path string) (time.Time, error) {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Now(), nil
	}
	return time.Unix(sys.Ctim.Sec, sys.Ctim.Nsec), nil
}
