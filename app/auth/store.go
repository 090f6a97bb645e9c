package auth

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Account is someone who can sign in, in either realm.
type Account struct {
	ID           int64
	Email        string
	Name         string
	Role         Role
	Active       bool
	PasswordHash string
}

// Session is a signed-in browser.
type Session struct {
	ID         string // SHA-256 of the cookie value
	UserID     int64
	CSRFToken  string
	CreatedAt  string
	LastSeenAt string
	ExpiresAt  string
	IP         string
	UserAgent  string
}

// Token is an API token as stored (hash only).
type Token struct {
	ID         int64   `json:"id"`
	UserID     int64   `json:"user_id"`
	Name       string  `json:"name"`
	Prefix     string  `json:"prefix"`
	CreatedAt  string  `json:"created_at"`
	ExpiresAt  string  `json:"expires_at"`
	LastUsedAt *string `json:"last_used_at"`
	RevokedAt  *string `json:"revoked_at"`
	hash       string
}

// AuditEntry is one line of an audit log.
type AuditEntry struct {
	ID         int64           `json:"id"`
	At         string          `json:"at"`
	ActorID    *int64          `json:"actor_id"`
	ActorEmail string          `json:"actor_email"`
	Action     string          `json:"action"`
	Target     string          `json:"target"`
	Detail     json.RawMessage `json:"detail"`
	IP         string          `json:"ip"`
	RequestID  string          `json:"request_id"`
}

// Store is where one realm keeps its accounts, sessions, tokens and audit log: the
// catalog for platform admins, a school's own file for its staff. A credential is looked
// up only in the store of the realm the request is in, which is what keeps a school's
// session or token from working anywhere else.
type Store interface {
	Realm() Realm
	AccountByEmail(ctx context.Context, email string) (Account, error)
	AccountByID(ctx context.Context, id int64) (Account, error)
	TouchLogin(ctx context.Context, id int64) error
	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, id string) (Session, error)
	TouchSession(ctx context.Context, id, at string) error
	DeleteSession(ctx context.Context, id string) error
	// DeleteStaleSessions removes sessions past their absolute expiry or idle too long.
	DeleteStaleSessions(ctx context.Context, now, idleSince string) error
	CreateToken(ctx context.Context, t Token) (Token, error)
	// TokenAndAccountByHash finds a token by its hash, with its account, in one read.
	TokenAndAccountByHash(ctx context.Context, hash string) (Token, Account, error)
	Token(ctx context.Context, id int64) (Token, error)
	TouchToken(ctx context.Context, id int64, at string) error
	ListTokens(ctx context.Context, userID int64) ([]Token, error) // userID 0: all
	RevokeToken(ctx context.Context, id int64, at string) (bool, error)
	Audit(ctx context.Context, e AuditEntry) error
	ListAudit(ctx context.Context, limit, offset int64) ([]AuditEntry, int64, error)
}

// PlatformStore is the catalog's realm.
func PlatformStore(c *db.Catalog) Store { return platformStore{c} }

// SchoolStore is one school's realm.
func SchoolStore(t *db.Tenant) Store { return schoolStore{t} }

type platformStore struct{ c *db.Catalog }

func (s platformStore) Realm() Realm { return RealmPlatform }

func (s platformStore) AccountByEmail(ctx context.Context, email string) (Account, error) {
	u, err := s.c.Read().GetUserByEmail(ctx, email)
	return platformAccount(u), err
}

func (s platformStore) AccountByID(ctx context.Context, id int64) (Account, error) {
	u, err := s.c.Read().GetUserByID(ctx, id)
	return platformAccount(u), err
}

func platformAccount(u catalogdb.PlatformAdmin) Account {
	return Account{ID: u.ID, Email: u.Email, Name: u.Name, Role: RolePlatformAdmin, Active: u.IsActive, PasswordHash: u.PasswordHash}
}

func (s platformStore) write(ctx context.Context, fn func(q *catalogdb.Queries) error) error {
	return s.c.Tx(ctx, fn)
}

func (s platformStore) TouchLogin(ctx context.Context, id int64) error {
	return s.write(ctx, func(q *catalogdb.Queries) error { return q.TouchUserLogin(ctx, id) })
}

func (s platformStore) CreateSession(ctx context.Context, x Session) error {
	return s.write(ctx, func(q *catalogdb.Queries) error {
		return q.CreateSession(ctx, catalogdb.CreateSessionParams(x))
	})
}

func (s platformStore) Session(ctx context.Context, id string) (Session, error) {
	x, err := s.c.Read().GetSession(ctx, id)
	return Session(x), err
}

func (s platformStore) TouchSession(ctx context.Context, id, at string) error {
	return s.write(ctx, func(q *catalogdb.Queries) error {
		return q.TouchSession(ctx, catalogdb.TouchSessionParams{LastSeenAt: at, ID: id})
	})
}

func (s platformStore) DeleteSession(ctx context.Context, id string) error {
	return s.write(ctx, func(q *catalogdb.Queries) error { return q.DeleteSession(ctx, id) })
}

func (s platformStore) DeleteStaleSessions(ctx context.Context, now, idleSince string) error {
	return s.write(ctx, func(q *catalogdb.Queries) error {
		return q.DeleteExpiredSessions(ctx, catalogdb.DeleteExpiredSessionsParams{ExpiresAt: now, LastSeenAt: idleSince})
	})
}

func (s platformStore) CreateToken(ctx context.Context, t Token) (Token, error) {
	var out Token
	err := s.write(ctx, func(q *catalogdb.Queries) error {
		row, err := q.CreateToken(ctx, catalogdb.CreateTokenParams{UserID: t.UserID, Name: t.Name, TokenHash: t.hash,
			Prefix: t.Prefix, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt})
		out = tokenOf(catalogdb.APIToken(row))
		return err
	})
	return out, err
}

func (s platformStore) Token(ctx context.Context, id int64) (Token, error) {
	t, err := s.c.Read().GetToken(ctx, id)
	return tokenOf(t), err
}

func (s platformStore) TokenAndAccountByHash(ctx context.Context, hash string) (Token, Account, error) {
	r, err := s.c.Read().GetTokenAndUserByHash(ctx, hash)
	return tokenOf(r.APIToken), platformAccount(r.PlatformAdmin), err
}

func (s platformStore) TouchToken(ctx context.Context, id int64, at string) error {
	return s.write(ctx, func(q *catalogdb.Queries) error {
		return q.TouchToken(ctx, catalogdb.TouchTokenParams{LastUsedAt: sql.NullString{String: at, Valid: true}, ID: id})
	})
}

func (s platformStore) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	var rows []catalogdb.APIToken
	var err error
	if userID == 0 {
		rows, err = s.c.Read().ListAllTokens(ctx)
	} else {
		rows, err = s.c.Read().ListTokens(ctx, userID)
	}
	out := make([]Token, 0, len(rows))
	for _, r := range rows {
		out = append(out, tokenOf(r))
	}
	return out, err
}

func (s platformStore) RevokeToken(ctx context.Context, id int64, at string) (bool, error) {
	var n int64
	err := s.write(ctx, func(q *catalogdb.Queries) (err error) {
		n, err = q.RevokeToken(ctx, catalogdb.RevokeTokenParams{RevokedAt: sql.NullString{String: at, Valid: true}, ID: id})
		return err
	})
	credentialsChanged()
	return n > 0, err
}

func (s platformStore) Audit(ctx context.Context, e AuditEntry) error {
	return s.write(ctx, func(q *catalogdb.Queries) error {
		return q.InsertAudit(ctx, catalogdb.InsertAuditParams{ActorID: nullID(e.ActorID), ActorEmail: e.ActorEmail,
			Action: e.Action, Target: e.Target, Detail: string(e.Detail), IP: e.IP, RequestID: e.RequestID})
	})
}

func (s platformStore) ListAudit(ctx context.Context, limit, offset int64) ([]AuditEntry, int64, error) {
	n, err := s.c.Read().CountAudit(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.c.Read().ListAudit(ctx, catalogdb.ListAuditParams{Limit: limit, Offset: offset})
	out := make([]AuditEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, auditOf(tenantdb.AuditLog(r)))
	}
	return out, n, err
}

type schoolStore struct{ t *db.Tenant }

func (s schoolStore) Realm() Realm { return RealmSchool }

func (s schoolStore) AccountByEmail(ctx context.Context, email string) (Account, error) {
	u, err := s.t.Read().GetUserByEmail(ctx, email)
	return SchoolAccount(u), err
}

func (s schoolStore) AccountByID(ctx context.Context, id int64) (Account, error) {
	u, err := s.t.Read().GetUserByID(ctx, id)
	return SchoolAccount(u), err
}

// SchoolAccount converts a school user row.
func SchoolAccount(u tenantdb.User) Account {
	return Account{ID: u.ID, Email: u.Email, Name: u.Name, Role: Role(u.Role), Active: u.IsActive, PasswordHash: u.PasswordHash}
}

func (s schoolStore) write(ctx context.Context, fn func(q *tenantdb.Queries) error) error {
	return s.t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error { return fn(q) })
}

func (s schoolStore) TouchLogin(ctx context.Context, id int64) error {
	return s.write(ctx, func(q *tenantdb.Queries) error { return q.TouchUserLogin(ctx, id) })
}

func (s schoolStore) CreateSession(ctx context.Context, x Session) error {
	return s.write(ctx, func(q *tenantdb.Queries) error {
		return q.CreateSession(ctx, tenantdb.CreateSessionParams(x))
	})
}

func (s schoolStore) Session(ctx context.Context, id string) (Session, error) {
	x, err := s.t.Read().GetSession(ctx, id)
	return Session(x), err
}

func (s schoolStore) TouchSession(ctx context.Context, id, at string) error {
	return s.write(ctx, func(q *tenantdb.Queries) error {
		return q.TouchSession(ctx, tenantdb.TouchSessionParams{LastSeenAt: at, ID: id})
	})
}

func (s schoolStore) DeleteSession(ctx context.Context, id string) error {
	return s.write(ctx, func(q *tenantdb.Queries) error { return q.DeleteSession(ctx, id) })
}

func (s schoolStore) DeleteStaleSessions(ctx context.Context, now, idleSince string) error {
	return s.write(ctx, func(q *tenantdb.Queries) error {
		return q.DeleteExpiredSessions(ctx, tenantdb.DeleteExpiredSessionsParams{ExpiresAt: now, LastSeenAt: idleSince})
	})
}

func (s schoolStore) CreateToken(ctx context.Context, t Token) (Token, error) {
	var out Token
	err := s.write(ctx, func(q *tenantdb.Queries) error {
		row, err := q.CreateToken(ctx, tenantdb.CreateTokenParams{UserID: t.UserID, Name: t.Name, TokenHash: t.hash,
			Prefix: t.Prefix, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt})
		out = tokenOf(catalogdb.APIToken(row))
		return err
	})
	return out, err
}

func (s schoolStore) Token(ctx context.Context, id int64) (Token, error) {
	t, err := s.t.Read().GetToken(ctx, id)
	return tokenOf(catalogdb.APIToken(t)), err
}

func (s schoolStore) TokenAndAccountByHash(ctx context.Context, hash string) (Token, Account, error) {
	r, err := s.t.Read().GetTokenAndUserByHash(ctx, hash)
	return tokenOf(catalogdb.APIToken(r.APIToken)), SchoolAccount(r.User), err
}

func (s schoolStore) TouchToken(ctx context.Context, id int64, at string) error {
	return s.write(ctx, func(q *tenantdb.Queries) error {
		return q.TouchToken(ctx, tenantdb.TouchTokenParams{LastUsedAt: sql.NullString{String: at, Valid: true}, ID: id})
	})
}

func (s schoolStore) ListTokens(ctx context.Context, userID int64) ([]Token, error) {
	var rows []tenantdb.APIToken
	var err error
	if userID == 0 {
		rows, err = s.t.Read().ListAllTokens(ctx)
	} else {
		rows, err = s.t.Read().ListTokens(ctx, userID)
	}
	out := make([]Token, 0, len(rows))
	for _, r := range rows {
		out = append(out, tokenOf(catalogdb.APIToken(r)))
	}
	return out, err
}

func (s schoolStore) RevokeToken(ctx context.Context, id int64, at string) (bool, error) {
	var n int64
	err := s.write(ctx, func(q *tenantdb.Queries) (err error) {
		n, err = q.RevokeToken(ctx, tenantdb.RevokeTokenParams{RevokedAt: sql.NullString{String: at, Valid: true}, ID: id})
		return err
	})
	credentialsChanged()
	return n > 0, err
}

func (s schoolStore) Audit(ctx context.Context, e AuditEntry) error {
	return s.write(ctx, func(q *tenantdb.Queries) error { return InsertSchoolAudit(ctx, q, e) })
}

// InsertSchoolAudit writes an audit line inside a school transaction, so a change and its
// audit entry commit together.
func InsertSchoolAudit(ctx context.Context, q *tenantdb.Queries, e AuditEntry) error {
	return q.InsertAudit(ctx, tenantdb.InsertAuditParams{ActorID: nullID(e.ActorID), ActorEmail: e.ActorEmail,
		Action: e.Action, Target: e.Target, Detail: string(e.Detail), IP: e.IP, RequestID: e.RequestID})
}

func (s schoolStore) ListAudit(ctx context.Context, limit, offset int64) ([]AuditEntry, int64, error) {
	n, err := s.t.Read().CountAudit(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.t.Read().ListAudit(ctx, tenantdb.ListAuditParams{Limit: limit, Offset: offset})
	out := make([]AuditEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, auditOf(r))
	}
	return out, n, err
}

func tokenOf(t catalogdb.APIToken) Token {
	return Token{ID: t.ID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, LastUsedAt: ptr(t.LastUsedAt), RevokedAt: ptr(t.RevokedAt), hash: t.TokenHash}
}

func auditOf(r tenantdb.AuditLog) AuditEntry {
	e := AuditEntry{ID: r.ID, At: r.At, ActorEmail: r.ActorEmail, Action: r.Action, Target: r.Target,
		Detail: json.RawMessage(r.Detail), IP: r.IP, RequestID: r.RequestID}
	if r.ActorID.Valid {
		id := r.ActorID.Int64
		e.ActorID = &id
	}
	return e
}

func ptr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func nullID(id *int64) sql.NullInt64 {
	if id == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *id, Valid: true}
}
