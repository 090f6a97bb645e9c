package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db"
)

// Session and token lifetimes.
const (
	SessionIdle   = 12 * time.Hour     // a session unused this long ends
	SessionMaxAge = 7 * 24 * time.Hour // and none lives longer than this
	TokenTTL      = 90 * 24 * time.Hour
	touchEvery    = time.Minute // last-seen updates are written at most this often
)

// timeFormat is how times are stored: UTC, fixed width, so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000Z"

// Service signs people in and out, for both realms.
type Service struct {
	Catalog  *db.Catalog
	Accounts *Limiter // failures per account
	IPs      *Limiter // failures per client address
	Log      *slog.Logger
	Now      func() time.Time
	// HashWait is how long a sign-in waits for a free hashing slot before it is told
	// to retry (0: SignInHashWait).
	HashWait time.Duration
	// OnVerify, when set, is called once for every password the service has checked
	// (tests count them to prove that refused attempts never reach the hash).
	OnVerify func()
	// Drafts keeps forms sent after their session ended until their author signs in again.
	Drafts *Drafts

	tokens tokenCache
}

// NewService returns the service with the default backoff policies.
func NewService(c *db.Catalog, log *slog.Logger) *Service {
	return &Service{Catalog: c, Accounts: NewAccountLimiter(), IPs: NewIPLimiter(), Log: log, Now: time.Now, Drafts: NewDrafts()}
}

// Meta is who and where an action comes from, for the audit log.
type Meta struct {
	ActorID    *int64
	ActorEmail string
	IP         string
	RequestID  string
}

// MetaOf is the audit metadata of a principal's action.
func MetaOf(p *Principal, ip, requestID string) Meta {
	m := Meta{IP: ip, RequestID: requestID}
	if p != nil {
		id := p.UserID
		m.ActorID, m.ActorEmail = &id, p.Email
	}
	return m
}

// Entry builds an audit entry for an action on target with detail (any JSON value).
func (m Meta) Entry(action, target string, detail any) AuditEntry {
	d := "{}"
	if detail != nil {
		if b, err := json.Marshal(detail); err == nil {
			d = string(b)
		}
	}
	return AuditEntry{ActorID: m.ActorID, ActorEmail: m.ActorEmail, Action: action, Target: target,
		Detail: json.RawMessage(d), IP: m.IP, RequestID: m.RequestID}
}

// errBadLogin is the one answer for an unknown email and a wrong password (for any
// account, active or not), so that none of them can be told from the others.
var errBadLogin = errs.E(errs.Unauthorized, "the email or password is not correct")

// inactiveLogin is the answer to the right password of a deactivated account. Only the
// password's owner can get it, so it reveals nothing to someone guessing.
func inactiveLogin(r Realm) error {
	who := "an admin of the school"
	if r == RealmPlatform {
		who = "another platform admin"
	}
	return errs.E(errs.Unauthorized, "this account is deactivated, so it cannot sign in; ask %s to activate it again", who)
}

// NormalizeEmail checks and lower-cases an email address; "" and a message if invalid.
func NormalizeEmail(raw string) (string, string) {
	e, msg := text.Line(raw, 254)
	if msg != "" {
		return "", msg
	}
	e = strings.ToLower(e)
	if e == "" {
		return "", "must not be empty"
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e[strings.IndexByte(e, '@')+1:], ".") && !strings.HasSuffix(e, "@localhost") {
		return "", "must be an email address like name@example.org"
	}
	if len(e) > 254 {
		return "", "must be at most 254 characters"
	}
	return e, ""
}

// Login checks an email and password in store's realm, with backoff per account and per
// client address, and audits the outcome either way. The attempt is booked with both
// limiters before the password is checked, so concurrent guesses cannot overrun them.
func (s *Service) Login(ctx context.Context, st Store, schema, email, password string, meta Meta) (Account, error) {
	f := errs.Fields{}
	email, msg := text.Line(email, 254)
	switch {
	case msg != "":
		f.Add("email", msg)
	case email == "":
		f.Add("email", "must not be empty")
	}
	if password == "" {
		f.Add("password", "must not be empty")
	}
	if err := f.Err(); err != nil {
		return Account{}, err
	}
	email = strings.ToLower(email)
	m := Meta{ActorEmail: email, IP: meta.IP, RequestID: meta.RequestID}
	key := string(st.Realm()) + ":" + schema + ":" + email
	account, wait := s.Accounts.Reserve(key)
	var ip *Attempt
	if account != nil {
		if ip, wait = s.IPs.Reserve(meta.IP); ip == nil {
			account.Cancel()
		}
	}
	if wait > 0 {
		s.audit(ctx, st, m.Entry("login.throttled", email, nil))
		return Account{}, &errs.Error{Code: errs.TooManyRequests, RetryAfter: wait,
			Message: fmt.Sprintf("too many failed sign-ins; try again in %s", wait.Round(time.Second))}
	}
	// Whatever ends the attempt without a verdict (a lookup error, no free hashing slot)
	// does not count against the account or the address.
	defer account.Cancel()
	defer ip.Cancel()

	acc, err := st.AccountByEmail(ctx, email)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Account{}, errs.Wrap(err, "look up account")
	}
	hash := dummyHash
	if found {
		hash = acc.PasswordHash
	}
	ok, err := CheckPassword(ctx, s.hashWait(), hash, password)
	if errors.Is(err, errHashBusy) {
		return Account{}, err
	}
	if ctx.Err() != nil {
		return Account{}, errs.Wrap(ctx.Err(), "check password")
	}
	if s.OnVerify != nil {
		s.OnVerify()
	}
	if !ok || !found {
		account.Fail()
		ip.Fail()
		s.audit(ctx, st, m.Entry("login.failure", email, nil))
		return Account{}, errBadLogin
	}
	if !acc.Active {
		// Not a failed guess: it does not count against the account or the address.
		s.audit(ctx, st, m.Entry("login.inactive", email, nil))
		return Account{}, inactiveLogin(st.Realm())
	}
	account.Succeed()
	id := acc.ID
	m.ActorID = &id
	if err := st.TouchLogin(ctx, acc.ID); err != nil {
		return Account{}, errs.Wrap(err, "record login")
	}
	s.audit(ctx, st, m.Entry("login.success", email, nil))
	return acc, nil
}

func (s *Service) hashWait() time.Duration {
	if s.HashWait > 0 {
		return s.HashWait
	}
	return SignInHashWait
}

// audit writes an entry; a failure is logged, not returned, so a full disk never
// turns a sign-in into an error page.
func (s *Service) audit(ctx context.Context, st Store, e AuditEntry) {
	if err := st.Audit(ctx, e); err != nil && s.Log != nil {
		s.Log.Error("audit write failed", slog.String("action", e.Action), slog.Any("error", err))
	}
}

// Audit records an action in the store's audit log.
func (s *Service) Audit(ctx context.Context, st Store, e AuditEntry) { s.audit(ctx, st, e) }

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's random source failing is not recoverable
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// StartSession creates a session for acc and returns the cookie value (kept only by the
// browser) and the session (kept only as a hash).
func (s *Service) StartSession(ctx context.Context, st Store, acc Account, ip, userAgent string) (string, Session, error) {
	secret := randomToken(32)
	now := s.Now().UTC()
	x := Session{ID: hashSecret(secret), UserID: acc.ID, CSRFToken: randomToken(24),
		CreatedAt: now.Format(timeFormat), LastSeenAt: now.Format(timeFormat),
		ExpiresAt: now.Add(SessionMaxAge).Format(timeFormat), IP: ip, UserAgent: clip(userAgent, 300)}
	// Sessions nobody signs out of would pile up; each sign-in sweeps the dead ones.
	if err := st.DeleteStaleSessions(ctx, now.Format(timeFormat), now.Add(-SessionIdle).Format(timeFormat)); err != nil {
		return "", Session{}, errs.Wrap(err, "sweep sessions")
	}
	if err := st.CreateSession(ctx, x); err != nil {
		return "", Session{}, errs.Wrap(err, "create session")
	}
	return secret, x, nil
}

// EndSession deletes the session behind a cookie value.
func (s *Service) EndSession(ctx context.Context, st Store, sessionID string) error {
	return errs.Wrap(st.DeleteSession(ctx, sessionID), "delete session")
}

// SessionPrincipal returns the principal of a live session cookie; ok is false for an
// unknown, expired or idle session or an inactive account.
func (s *Service) SessionPrincipal(ctx context.Context, st Store, schema, secret string) (*Principal, bool, error) {
	p, _, err := s.session(ctx, st, schema, secret)
	return p, p != nil, err
}

// session is SessionPrincipal that also names the account of a session that has just
// ended (expired, idle, or its account deactivated): ended is its id, 0 otherwise.
func (s *Service) session(ctx context.Context, st Store, schema, secret string) (p *Principal, ended int64, err error) {
	x, err := st.Session(ctx, hashSecret(secret))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, errs.Wrap(err, "read session")
	}
	now := s.Now().UTC()
	expires, _ := time.Parse(timeFormat, x.ExpiresAt)
	seen, _ := time.Parse(timeFormat, x.LastSeenAt)
	if now.After(expires) || now.Sub(seen) > SessionIdle {
		st.DeleteSession(ctx, x.ID)
		return nil, x.UserID, nil
	}
	acc, err := st.AccountByID(ctx, x.UserID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !acc.Active {
		return nil, x.UserID, nil
	}
	if err != nil {
		return nil, 0, errs.Wrap(err, "read account")
	}
	if now.Sub(seen) > touchEvery {
		if err := st.TouchSession(ctx, x.ID, now.Format(timeFormat)); err != nil {
			return nil, 0, errs.Wrap(err, "touch session")
		}
	}
	p = principalOf(st.Realm(), schema, acc)
	p.Via, p.SessionID, p.CSRFToken = "session", x.ID, x.CSRFToken
	return p, 0, nil
}

func principalOf(realm Realm, schema string, acc Account) *Principal {
	return &Principal{Realm: realm, Schema: schema, UserID: acc.ID, Email: acc.Email, Name: acc.Name, Role: acc.Role}
}

// tokenPrefix marks SMS tokens so they are recognisable in logs and secret scanners.
const tokenPrefix = "sms_"

// IssueToken creates an API token for acc; the secret is returned once and stored hashed.
func (s *Service) IssueToken(ctx context.Context, st Store, acc Account, name string) (string, Token, error) {
	secret := tokenPrefix + randomToken(32)
	now := s.Now().UTC()
	t, err := st.CreateToken(ctx, Token{UserID: acc.ID, Name: name, hash: hashSecret(secret), Prefix: secret[:len(tokenPrefix)+6],
		CreatedAt: now.Format(timeFormat), ExpiresAt: now.Add(TokenTTL).Format(timeFormat)})
	if err != nil {
		return "", Token{}, errs.Wrap(err, "create token")
	}
	return secret, t, nil
}

// TokenPrincipal returns the principal of a bearer token; ok is false for an unknown,
// revoked or expired token or an inactive account.
func (s *Service) TokenPrincipal(ctx context.Context, st Store, schema, secret string) (*Principal, bool, error) {
	hash := hashSecret(secret)
	now := s.Now().UTC()
	key, cacheable := tokenKeyOf(st, hash)
	if cacheable {
		if p, ok := s.tokens.get(key, now); ok {
			return p, true, nil
		}
	}
	gen := credentialGen.Load()
	// Token and account in one read: this runs on every API request the cache misses.
	t, acc, err := st.TokenAndAccountByHash(ctx, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, errs.Wrap(err, "read token")
	}
	expires, _ := time.Parse(timeFormat, t.ExpiresAt)
	if t.RevokedAt != nil || now.After(expires) || subtle.ConstantTimeCompare([]byte(t.hash), []byte(hash)) != 1 {
		return nil, false, nil
	}
	if !acc.Active {
		return nil, false, nil
	}
	last := ""
	if t.LastUsedAt != nil {
		last = *t.LastUsedAt
	}
	if lt, _ := time.Parse(timeFormat, last); now.Sub(lt) > touchEvery {
		if err := st.TouchToken(ctx, t.ID, now.Format(timeFormat)); err != nil {
			return nil, false, errs.Wrap(err, "touch token")
		}
	}
	p := principalOf(st.Realm(), schema, acc)
	p.Via, p.TokenID = "token", t.ID
	if cacheable {
		s.tokens.put(key, p, expires, gen)
	}
	return p, true, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func nowString() string { return time.Now().UTC().Format(timeFormat) }
