package loadtest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sampler reads this process's resident memory and open file descriptors every 100 ms
// and keeps the largest values since the last reset. The appliance runs in this
// process, so these are the server's (and the load generator's) numbers.
type sampler struct {
	mu       sync.Mutex
	dir      string // the data directory, whose open files are counted apart
	maxRSS   int64  // bytes
	maxFDs   int
	maxData  int   // descriptors of files under dir
	allRSS   int64 // the largest RSS since the start, never reset
	stop     chan struct{}
	stopped  chan struct{}
	disabled bool // not Linux: /proc is missing
}

func startSampler() *sampler {
	s := &sampler{stop: make(chan struct{}), stopped: make(chan struct{})}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		s.disabled = true
		close(s.stopped)
		return s
	}
	go func() {
		defer close(s.stopped)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-t.C:
			case <-s.stop:
				return
			}
		}
	}()
	return s
}

func (s *sampler) sample() {
	s.mu.Lock()
	dir := s.dir
	s.mu.Unlock()
	rss := RSS()
	fds, data := FDs(dir)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxRSS = max(s.maxRSS, rss)
	s.allRSS = max(s.allRSS, rss)
	s.maxFDs = max(s.maxFDs, fds)
	s.maxData = max(s.maxData, data)
}

// watch counts the open files under dir apart from now on.
func (s *sampler) watch(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir = dir
}

// reset starts a new window with the current values.
func (s *sampler) reset() {
	if s.disabled {
		return
	}
	s.mu.Lock()
	s.maxRSS, s.maxFDs, s.maxData = 0, 0, 0
	s.mu.Unlock()
	s.sample()
}

// peak returns the largest RSS (bytes), open descriptors and descriptors of data files
// seen in the window.
func (s *sampler) peak() (rss int64, fds, data int) {
	if s.disabled {
		return 0, 0, 0
	}
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxRSS, s.maxFDs, s.maxData
}

// most is the largest RSS (bytes) since the sampler started.
func (s *sampler) most() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allRSS
}

func (s *sampler) close() {
	if !s.disabled {
		close(s.stop)
	}
	<-s.stopped
}

// RSS is VmRSS of this process in bytes (0 where /proc is missing).
func RSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if v, found := bytes.CutPrefix(line, []byte("VmRSS:")); found {
			f := bytes.Fields(v) // "123456", "kB"
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// FDs is how many file descriptors this process has open, and how many of them are
// files under dir ("" counts none); 0 where /proc is missing.
func FDs(dir string) (all, under int) {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return 0, 0
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	if dir != "" {
		prefix := filepath.Clean(dir) + string(filepath.Separator)
		for _, n := range names {
			if target, err := os.Readlink("/proc/self/fd/" + n); err == nil && strings.HasPrefix(target, prefix) {
				under++
			}
		}
	}
	return len(names) - 1, under // the directory being read is one of them
}

// cpuTime is the CPU time this process has used (user and system). On a machine shared
// with other work, CPU time per request moves far less than requests per second do.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
