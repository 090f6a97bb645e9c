// Package app is the application: configuration, the HTTP server and its middleware,
// and the wiring of the module packages beneath it.
package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/clients"
)

// Config is everything a subcommand needs to know about the deployment. Values come
// from defaults, then SMS_* environment variables, then command-line flags.
type Config struct {
	DataDir       string // SMS_DATA: catalog.db, tenants/, archive/, nats/, backups/
	Addr          string // SMS_ADDR: listen address of sms serve
	BaseDomain    string // SMS_BASE_DOMAIN: host of the platform pages; schools live beneath it
	PoolCap       int    // SMS_POOL_CAP: most tenant files open at once
	LogLevel      string // SMS_LOG_LEVEL: debug, info, warn, error
	LogFormat     string // SMS_LOG_FORMAT: text or json
	DefaultTenant string // SMS_DEFAULT_TENANT: school served on hosts that name no school
	NATSURL       string // SMS_NATS_URL: external NATS instead of the embedded server
	NATSReplicas  int    // SMS_NATS_REPLICAS: replicas of the streams (an external cluster may keep 3)
	// Appliance (SMS_APPLIANCE) names this appliance among those sharing a NATS cluster:
	// it serves the schools placed on it by that name and those placed nowhere else.
	// Empty on a single box.
	Appliance string

	OllamaURL      string // SMS_OLLAMA_URL: the local language model server the bot asks free text (off when empty)
	OllamaModel    string // SMS_OLLAMA_MODEL: the model it asks, e.g. qwen2.5:1.5b
	ChatbotWorkers int    // SMS_CHATBOT_WORKERS: WhatsApp conversations answered at once

	BackupEvery time.Duration // SMS_BACKUP_EVERY: sms serve backs everything up this often (0: never)
	BackupKeep  int           // SMS_BACKUP_KEEP: scheduled backups kept, newest first
	BackupDir   string        // SMS_BACKUP_DIR: where backups go (default <data>/backups)
	// TrustedProxies (SMS_TRUSTED_PROXIES) lists, comma-separated, the addresses and
	// CIDR ranges of reverse proxies whose X-Forwarded-* headers are believed.
	TrustedProxies  string
	ShutdownTimeout time.Duration // SMS_SHUTDOWN_TIMEOUT: how long requests in flight may finish on shutdown
	// MetricsToken (SMS_METRICS_TOKEN) lets a scraper on another machine read /metrics
	// with "Authorization: Bearer <token>"; without it only this machine may.
	MetricsToken string
}

// DefaultConfig is the configuration of a fresh install.
func DefaultConfig() Config {
	return Config{
		DataDir:    "./data",
		Addr:       ":8080",
		BaseDomain: "localhost",
		PoolCap:    128,
		LogLevel:   "info",
		LogFormat:  "text",
		BackupKeep: 7,

		NATSReplicas:   1,
		ChatbotWorkers: 8,

		ShutdownTimeout: 10 * time.Second,
	}
}

// FromEnv overlays SMS_* variables (read through getenv) on c.
func (c Config) FromEnv(getenv func(string) string) (Config, error) {
	set := func(key string, dst *string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set("SMS_DATA", &c.DataDir)
	set("SMS_ADDR", &c.Addr)
	set("SMS_BASE_DOMAIN", &c.BaseDomain)
	set("SMS_LOG_LEVEL", &c.LogLevel)
	set("SMS_LOG_FORMAT", &c.LogFormat)
	set("SMS_DEFAULT_TENANT", &c.DefaultTenant)
	set("SMS_NATS_URL", &c.NATSURL)
	set("SMS_APPLIANCE", &c.Appliance)
	set("SMS_OLLAMA_URL", &c.OllamaURL)
	set("SMS_OLLAMA_MODEL", &c.OllamaModel)
	for _, n := range []struct {
		key string
		dst *int
	}{{"SMS_NATS_REPLICAS", &c.NATSReplicas}, {"SMS_CHATBOT_WORKERS", &c.ChatbotWorkers}} {
		if v := getenv(n.key); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil {
				return c, fmt.Errorf("%s: %q is not a number", n.key, v)
			}
			*n.dst = i
		}
	}
	set("SMS_BACKUP_DIR", &c.BackupDir)
	if v := getenv("SMS_BACKUP_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("SMS_BACKUP_EVERY: %q is not a duration such as 24h or 6h30m", v)
		}
		c.BackupEvery = d
	}
	if v := getenv("SMS_BACKUP_KEEP"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("SMS_BACKUP_KEEP: %q is not a number", v)
		}
		c.BackupKeep = n
	}
	set("SMS_TRUSTED_PROXIES", &c.TrustedProxies)
	set("SMS_METRICS_TOKEN", &c.MetricsToken)
	if v := getenv("SMS_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return c, fmt.Errorf("SMS_SHUTDOWN_TIMEOUT: %q is not a duration (e.g. 10s)", v)
		}
		c.ShutdownTimeout = d
	}
	if v := getenv("SMS_POOL_CAP"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("SMS_POOL_CAP: %q is not a number", v)
		}
		c.PoolCap = n
	}
	return c, nil
}

// Validate checks the configuration once, before anything uses it, and normalises it.
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("data dir must not be empty"))
	} else if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	c.BaseDomain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(c.BaseDomain)), ".")
	if c.BaseDomain == "" || strings.ContainsAny(c.BaseDomain, "/: ") {
		errs = append(errs, fmt.Errorf("base domain %q is not a host name", c.BaseDomain))
	}
	if c.PoolCap < 1 {
		errs = append(errs, fmt.Errorf("pool cap must be at least 1, got %d", c.PoolCap))
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.BackupEvery < 0 {
		errs = append(errs, fmt.Errorf("backup interval must not be negative, got %s", c.BackupEvery))
	}
	if c.BackupKeep < 1 {
		errs = append(errs, fmt.Errorf("backups to keep must be at least 1, got %d", c.BackupKeep))
	}
	if c.BackupDir != "" {
		if abs, err := filepath.Abs(c.BackupDir); err == nil {
			c.BackupDir = abs
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format must be text or json, got %q", c.LogFormat))
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		errs = append(errs, err)
	}
	if c.NATSReplicas < 1 || c.NATSReplicas > 5 {
		errs = append(errs, fmt.Errorf("nats replicas must be from 1 to 5, got %d", c.NATSReplicas))
	}
	if err := clients.CheckAppliance(c.Appliance); err != nil {
		errs = append(errs, fmt.Errorf("appliance: %w", err))
	}
	if c.ChatbotWorkers < 1 || c.ChatbotWorkers > 256 {
		errs = append(errs, fmt.Errorf("chatbot workers must be from 1 to 256, got %d", c.ChatbotWorkers))
	}
	if (c.OllamaURL == "") != (c.OllamaModel == "") {
		errs = append(errs, errors.New("the language model needs both --ollama-url and --ollama-model (or neither)"))
	} else if c.OllamaURL != "" {
		if u, err := url.Parse(c.OllamaURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("ollama url %q is not an http(s) address such as http://127.0.0.1:11434", c.OllamaURL))
		}
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("shutdown timeout must be positive, got %s", c.ShutdownTimeout))
	}
	return errors.Join(errs...)
}

// TrustedProxyPrefixes parses TrustedProxies: addresses ("10.0.0.1") and CIDR ranges
// ("10.0.0.0/8"), comma-separated. Empty trusts nobody.
func (c Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	if strings.TrimSpace(c.TrustedProxies) == "" {
		return nil, nil
	}
	var out []netip.Prefix
	for _, item := range strings.Split(c.TrustedProxies, ",") {
		item = strings.TrimSpace(item)
		var p netip.Prefix
		var err error
		if strings.Contains(item, "/") {
			p, err = netip.ParsePrefix(item)
			p = p.Masked()
		} else {
			var a netip.Addr
			if a, err = netip.ParseAddr(item); err == nil {
				p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
		}
		if err != nil || item == "" {
			return nil, fmt.Errorf("trusted proxies: %q is not an IP address or CIDR range", item)
		}
		out = append(out, p)
	}
	return out, nil
}

// TenantsDir is where the tenant files live.
func (c Config) TenantsDir() string { return filepath.Join(c.DataDir, "tenants") }

// ArchiveDir is where deleted tenants' files are kept.
func (c Config) ArchiveDir() string { return filepath.Join(c.DataDir, "archive") }

// BackupsDir is where backups go unless told otherwise.
func (c Config) BackupsDir() string {
	if c.BackupDir != "" {
		return c.BackupDir
	}
	return filepath.Join(c.DataDir, "backups")
}

// NATSDir is the embedded NATS server's JetStream store.
func (c Config) NATSDir() string { return filepath.Join(c.DataDir, "nats") }

// Logger builds the slog logger the configuration asks for, writing to w.
func (c Config) Logger(w io.Writer) *slog.Logger {
	lvl, _ := ParseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// ParseLevel reads a log level name.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log level must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// Getenv is os.Getenv, named so callers can pass it where a lookup is wanted.
var Getenv = os.Getenv
