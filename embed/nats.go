// Package embed holds the servers the appliance runs inside its own process:
// the NATS server with JetStream, and nothing app-specific. Keeping the
// broker in-process means a single binary with no ports to open or daemons to
// supervise, while the same client code can be pointed at an external cluster
// when the appliance outgrows a single box.
package embed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// readyTimeout bounds how long StartNATS waits for the embedded server. A
// healthy server is ready in milliseconds; a large store being recovered can
// take a few seconds, and anything longer means startup is stuck and the
// caller is better served by an error than by a hang.
const readyTimeout = 10 * time.Second

// NATSOptions configures the embedded NATS server.
type NATSOptions struct {
	// StoreDir is required: without it JetStream would silently fall back to
	// a directory under os.TempDir and lose data on reboot. JetStream keeps
	// its files in StoreDir/jetstream.
	StoreDir string

	// ServerName identifies this node in JetStream metadata and logs; it
	// defaults to "sms". Keep it stable across restarts, since JetStream
	// derives the node identity from it.
	ServerName string

	// Logger receives the server's log output. Nil discards it, so an
	// embedding process is never spammed on stderr by a library.
	Logger *slog.Logger

	// SyncAlways fsyncs the JetStream file store on every write. It trades
	// throughput for not losing the last acknowledged messages on power loss,
	// which matters on appliances without a clean shutdown path.
	SyncAlways bool

	// MaxStore caps JetStream disk usage in bytes so the broker cannot fill
	// the disk the rest of the appliance depends on. Zero lets the server
	// pick its default based on the available space.
	MaxStore int64
}

// NATS is a client connection plus, when embedded, the server behind it, so
// callers have one handle to hand around and one thing to Close.
type NATS struct {
	nc     *nats.Conn
	ns     *server.Server // nil when connected to an external cluster
	closed <-chan struct{}

	closeOnce sync.Once
	done      chan struct{}
	closeErr  error
}

// StartNATS starts an embedded NATS server with JetStream and connects to it
// in-process. The server does not listen on any TCP port: the appliance's own
// code is the only client, and not listening removes a whole class of
// exposure and port-conflict problems.
func StartNATS(ctx context.Context, o NATSOptions) (*NATS, error) {
	if o.StoreDir == "" {
		return nil, errors.New("embed: NATS StoreDir is required")
	}
	if o.ServerName == "" {
		o.ServerName = "sms"
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Check the directory up front: the server would only report this via a
	// fatal log line deep inside Start, which is much harder to act on.
	if err := os.MkdirAll(o.StoreDir, 0o750); err != nil {
		return nil, fmt.Errorf("embed: create NATS store dir: %w", err)
	}

	ns, err := server.NewServer(&server.Options{
		ServerName:        o.ServerName,
		DontListen:        true,
		JetStream:         true,
		StoreDir:          o.StoreDir,
		SyncAlways:        o.SyncAlways,
		JetStreamMaxStore: o.MaxStore,
		// Signal handling belongs to the host process, not to a library.
		NoSigs: true,
	})
	if err != nil {
		return nil, fmt.Errorf("embed: configure NATS server: %w", err)
	}

	lg := newServerLogger(o.Logger)
	// Trace stays off even for debug loggers: it logs every protocol
	// message, which floods the log and slows the broker down.
	ns.SetLogger(lg, lg.debugEnabled(), false)

	go ns.Start()

	if err := waitReady(ctx, ns, lg.fatal); err != nil {
		ns.Shutdown()
		return nil, err
	}

	nc, closed, err := connect("", nats.InProcessServer(ns), nats.Name(o.ServerName))
	if err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("embed: connect to embedded NATS: %w", err)
	}
	return &NATS{nc: nc, ns: ns, closed: closed, done: make(chan struct{})}, nil
}

// waitReady waits for the server to accept clients, but gives up early when
// the server reports a fatal error (it does not exit the process for us, so
// otherwise we would sit out the whole timeout) or when ctx ends.
func waitReady(ctx context.Context, ns *server.Server, fatal <-chan error) error {
	ready := make(chan bool, 1)
	go func() { ready <- ns.ReadyForConnections(readyTimeout) }()

	select {
	case ok := <-ready:
		if ok {
			return nil
		}
		// Prefer the server's own explanation when it has one.
		select {
		case err := <-fatal:
			return fmt.Errorf("embed: start NATS server: %w", err)
		default:
		}
		return fmt.Errorf("embed: NATS server not ready after %s", readyTimeout)
	case err := <-fatal:
		return fmt.Errorf("embed: start NATS server: %w", err)
	case <-ctx.Done():
		return fmt.Errorf("embed: start NATS server: %w", ctx.Err())
	}
}

// ConnectNATS connects to an external NATS cluster instead of embedding one,
// so deployments can move the broker out without changing calling code. It
// reconnects forever by default because a broker outage should stall the
// appliance, not make it give up; opts can override that.
func ConnectNATS(ctx context.Context, url string, opts ...nats.Option) (*NATS, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	all := append([]nats.Option{nats.MaxReconnects(-1)}, opts...)

	type result struct {
		nc     *nats.Conn
		closed <-chan struct{}
		err    error
	}
	// nats.Connect has no context, so race it against ctx ourselves.
	res := make(chan result, 1)
	go func() {
		nc, closed, err := connect(url, all...)
		res <- result{nc, closed, err}
	}()

	select {
	case r := <-res:
		if r.err != nil {
			return nil, fmt.Errorf("embed: connect to NATS at %s: %w", url, r.err)
		}
		return &NATS{nc: r.nc, closed: r.closed, done: make(chan struct{})}, nil
	case <-ctx.Done():
		// Don't leak a connection that completes after we gave up.
		go func() {
			if r := <-res; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, fmt.Errorf("embed: connect to NATS at %s: %w", url, ctx.Err())
	}
}

// connect dials NATS and returns a channel closed once the connection is
// fully closed, which is how Close knows a drain has finished. Any closed
// handler supplied by the caller is kept and runs first.
func connect(url string, opts ...nats.Option) (*nats.Conn, <-chan struct{}, error) {
	closed := make(chan struct{})
	hook := func(o *nats.Options) error {
		prev := o.ClosedCB
		o.ClosedCB = func(c *nats.Conn) {
			if prev != nil {
				prev(c)
			}
			close(closed)
		}
		return nil
	}
	// The hook goes last so it wraps whatever handler the options installed.
	nc, err := nats.Connect(url, append(opts, hook)...)
	if err != nil {
		return nil, nil, err
	}
	return nc, closed, nil
}

// Conn returns the underlying connection for core NATS use.
func (n *NATS) Conn() *nats.Conn { return n.nc }

// JetStream returns a JetStream context on the connection. It is cheap, so
// callers can create one where needed instead of threading it through.
func (n *NATS) JetStream() (jetstream.JetStream, error) {
	js, err := jetstream.New(n.nc)
	if err != nil {
		return nil, fmt.Errorf("embed: jetstream: %w", err)
	}
	return js, nil
}

// Close drains the connection so in-flight publishes and handlers finish,
// then stops the embedded server so its store is flushed cleanly. The order
// matters: stopping the server first would cut off the drain.
//
// If ctx ends first, the connection is closed without waiting for the drain,
// ctx's error is returned and the server shutdown carries on in the
// background. Close can be called again (for example with a fresh ctx) to
// wait for that shutdown; once it completed, further calls return its result.
func (n *NATS) Close(ctx context.Context) error {
	n.closeOnce.Do(func() { go n.shutdown() })
	select {
	case <-n.done:
		return n.closeErr
	case <-ctx.Done():
		n.nc.Close()
		return fmt.Errorf("embed: close NATS: %w", ctx.Err())
	}
}

func (n *NATS) shutdown() {
	defer close(n.done)
	var errs []error
	if err := n.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		errs = append(errs, fmt.Errorf("embed: drain NATS connection: %w", err))
		n.nc.Close()
	}
	<-n.closed
	if n.ns != nil {
		n.ns.Shutdown()
		n.ns.WaitForShutdown()
	}
	n.closeErr = errors.Join(errs...)
}

// serverLogger adapts the server's printf-style logger to slog and captures
// fatal errors: the server expects Fatalf to exit the process, which a library
// must never do, so we turn it into a startup error instead.
type serverLogger struct {
	log   *slog.Logger
	fatal chan error
}

func newServerLogger(l *slog.Logger) *serverLogger {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return &serverLogger{
		log:   l.With("component", "nats-server"),
		fatal: make(chan error, 1),
	}
}

func (l *serverLogger) debugEnabled() bool {
	return l.log.Enabled(context.Background(), slog.LevelDebug)
}

func (l *serverLogger) logf(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, fmt.Sprintf(format, v...))
}

// Noticef carries the server's start-up banner and routine notices: debug detail for an
// appliance whose own log says when it is ready.
func (l *serverLogger) Noticef(format string, v ...any) { l.logf(slog.LevelDebug, format, v) }
func (l *serverLogger) Warnf(format string, v ...any)   { l.logf(slog.LevelWarn, format, v) }
func (l *serverLogger) Errorf(format string, v ...any)  { l.logf(slog.LevelError, format, v) }
func (l *serverLogger) Debugf(format string, v ...any)  { l.logf(slog.LevelDebug, format, v) }
func (l *serverLogger) Tracef(format string, v ...any)  { l.logf(slog.LevelDebug, format, v) }

func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error(msg, "fatal", true)
	select {
	case l.fatal <- errors.New(msg):
	default: // the first fatal error is the one worth reporting
	}
}
