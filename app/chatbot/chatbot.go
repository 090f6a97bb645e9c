// Package chatbot is the school's WhatsApp bot: per-school channel settings, the webhook
// that stores every message before answering, the JetStream work queue and worker that
// answer them (exactly one reply each, in order per phone), the conversation a guardian
// has with the bot, an optional local language model, absence alerts, broadcasts, and
// the staff inbox and simulator.
//
// Durability: an inbound message is a row in the school's file before the webhook is
// answered; the stream only says "this conversation has work". A sweep at start and
// every few minutes re-triggers whatever is still pending, so a lost trigger (a crash,
// a JetStream store that had not synced) delays a reply and never loses it. Every
// message out is a row keyed by what it is for (the inbound message it answers, the
// alert, the broadcast recipient), written before it is sent, so a redelivered trigger
// finds it instead of sending it again.
package chatbot

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // schools' time zones must resolve on machines without zoneinfo

	"github.com/schoolsms/sms/app/chatbot/llm"
	"github.com/schoolsms/sms/app/chatbot/whatsapp"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/db"
)

// Channels a conversation runs on. The simulator is its own channel: what is said there
// is answered into the page, never sent to a phone.
const (
	ChannelWhatsApp  = "whatsapp"
	ChannelSimulator = "simulator"
)

// Options tune the worker; the zero value of each field means its default.
type Options struct {
	Workers     int           // conversations handled at once (default 8)
	SweepEvery  time.Duration // how often pending work is re-triggered (default 2m)
	AlertsEvery time.Duration // how often due absence alerts are looked for (default 15s)
	AckWait     time.Duration // how long a trigger may be worked on before redelivery (default 30s)
	MaxDeliver  int           // deliveries of a trigger before its work is dead-lettered (default 5)
	RetryBase   time.Duration // a failed trigger waits this long, doubling per failure (default 1s)
	Replicas    int           // JetStream replicas of the bot's streams (default 1)
	Backoff     whatsapp.Backoff
	LLMTimeout  time.Duration // how long the model may take for one question (default 30s)
	IdleReset   time.Duration // a conversation quiet this long starts again at the menu (default 30m)
	// MaxReply caps the characters of a model's answer sent to a phone (default 1000).
	MaxReply int
}

func (o Options) withDefaults() Options {
	if o.Workers < 1 {
		o.Workers = 8
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = 2 * time.Minute
	}
	if o.AlertsEvery <= 0 {
		o.AlertsEvery = 15 * time.Second
	}
	if o.AckWait <= 0 {
		o.AckWait = 30 * time.Second
	}
	if o.MaxDeliver < 1 {
		o.MaxDeliver = 5
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.Replicas < 1 {
		o.Replicas = 1
	}
	if o.Backoff.Attempts == 0 {
		o.Backoff = whatsapp.DefaultBackoff
	}
	if o.LLMTimeout <= 0 {
		o.LLMTimeout = 30 * time.Second
	}
	if o.IdleReset <= 0 {
		o.IdleReset = 30 * time.Minute
	}
	if o.MaxReply <= 0 {
		o.MaxReply = 1000
	}
	return o
}

// Bot is the chatbot of every school of the appliance. Fields may be changed until
// Start; after that it is used concurrently.
type Bot struct {
	Pool     *db.Pool
	Catalog  *db.Catalog
	Resolver *tenancy.Resolver
	Log      *slog.Logger
	Now      func() time.Time
	// HTTP is the client for the Graph API.
	HTTP *http.Client
	// Outbound, if set, hears how each send to WhatsApp ended: "sent", the Graph API's
	// error code, "unreachable" (nothing went out) or "no_answer" (it may have).
	Outbound func(result string)
	// LLM answers free text; nil leaves the bot to its menu.
	LLM      llm.Chatter
	LLMModel string

	Attendance AttendanceSource
	Results    ResultsSource
	Notices    NoticesSource

	Options Options

	// Appliance is this appliance's name among those sharing a NATS cluster ("" on a
	// single box): the bot works only for the schools placed on it (or nowhere else),
	// and answers the webhooks of their numbers that reach the other appliances.
	Appliance string

	queue      atomic.Pointer[queue] // set while the worker runs
	numbers    numberCache
	commits    committers
	convs      keyedMutex
	convTurns  turns
	alertMu    sync.Mutex
	alertAt    map[string]bool // schools that may have absence alerts waiting
	wakeAlerts chan struct{}
}

// New returns the bot over the appliance's files, with the stand-in sources (which
// answer "not available yet") until the modules that own the data provide theirs.
func New(pool *db.Pool, cat *db.Catalog, res *tenancy.Resolver, log *slog.Logger) *Bot {
	na := NotAvailable{}
	m := &Bot{Pool: pool, Catalog: cat, Resolver: res, Log: log, Now: time.Now,
		HTTP: &http.Client{Timeout: 30 * time.Second, Transport: graphTransport()}, Attendance: na, Results: na, Notices: na,
		alertAt: map[string]bool{}, wakeAlerts: make(chan struct{}, 1)}
	if res != nil {
		// The map changes through the catalog (this process or sms whatsapp set), which
		// moves its generation: the resolver notices and the cache is dropped.
		res.OnChange(m.numbers.flush)
	}
	return m
}

// graphTransport keeps a connection to the Graph API for every worker: they all send
// to the one host at once, and the default transport keeps two idle connections per
// host, so the others would dial (and leave a socket in TIME_WAIT) for every send.
func graphTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return tr
}

// numberCache remembers which school a phone_number_id belongs to, so a webhook costs
// no catalog query. A stale entry is harmless: the school's own file names its number,
// and a webhook for a number the file does not have is refused (and retried by Meta).
type numberCache struct {
	mu sync.RWMutex
	m  map[string]string // phone_number_id -> schema ("" = no school)
}

func (c *numberCache) get(id string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.m[id]
	return s, ok
}

func (c *numberCache) put(id, schema string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 { // unknown ids are cached too; anyone can send them
		c.m = map[string]string{}
	}
	c.m[id] = schema
}

func (c *numberCache) flush() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}

func (m *Bot) opts() Options { return m.Options.withDefaults() }

func (m *Bot) now() time.Time { return m.Now().UTC() }

// stamp is how the bot's tables write times: UTC with milliseconds, so text order is
// time order (the same shape SQLite's strftime defaults give).
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func parseStamp(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02T15:04:05.000Z", s)
	return t, err == nil
}

// keyedMutex serialises work per key (a school's conversation) without a lock per key
// living forever.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedMutex) Lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// turns gives each key (a school's conversation) one goroutine at a time without making
// a second wait: work for a key that has its turn already is left to the goroutine
// that has it, which goes round once more before giving the turn up. A worker holding a
// trigger would otherwise sit idle on a lock, its slot taken from other conversations.
type turns struct {
	mu sync.Mutex
	m  map[string]bool // key -> another round was asked for
}

// take gives the turn for key, or (false) asks the one who has it for another round.
func (k *turns) take(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, busy := k.m[key]; busy {
		k.m[key] = true
		return false
	}
	if k.m == nil {
		k.m = map[string]bool{}
	}
	k.m[key] = false
	return true
}

// done ends the turn for key, unless another round was asked for since it was taken
// (or since the last round) and again allows one: then it reports true and the caller
// keeps the turn.
func (k *turns) done(key string, again bool) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m[key] && again {
		k.m[key] = false
		return true
	}
	delete(k.m, key)
	return false
}

var errNotConfigured = errors.New("WhatsApp is not set up for this school")

func errAttr(err error) slog.Attr { return slog.Any("error", err) }
