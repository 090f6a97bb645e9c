package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
)

// User is a school account as the API shows it (never with its password hash).
type User struct {
	ID          int64   `json:"id"`
	Email       string  `json:"email"`
	Name        string  `json:"name"`
	Role        Role    `json:"role"`
	IsActive    bool    `json:"is_active"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
	LastLoginAt *string `json:"last_login_at"`
}

func userOf(u tenantdb.User) User {
	return User{ID: u.ID, Email: u.Email, Name: u.Name, Role: Role(u.Role), IsActive: u.IsActive,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastLoginAt: ptr(u.LastLoginAt)}
}

// maxNameLen is the longest name of an account, in characters.
const maxNameLen = 200

// NewUser is what creating a school account needs.
type NewUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Password string `json:"password"`
}

// Check validates the input, returning it normalised.
func (in NewUser) Check() (NewUser, error) {
	f := errs.Fields{}
	email, msg := NormalizeEmail(in.Email)
	if msg != "" {
		f.Add("email", msg)
	}
	in.Email = email
	in.Name, msg = text.Line(in.Name, maxNameLen)
	if msg != "" {
		f.Add("name", msg)
	}
	if !ValidSchoolRole(in.Role) {
		f.Add("role", "must be one of admin, teacher, clerk, viewer")
	}
	if msg := CheckPasswordPolicy(in.Password); msg != "" {
		f.Add("password", msg)
	}
	return in, f.Err()
}

// CreateSchoolUser adds an account to a school inside the caller's transaction (q), with
// its audit entry, so a school created with its first admin is all-or-nothing.
func CreateSchoolUser(ctx context.Context, q *tenantdb.Queries, in NewUser, meta Meta) (User, error) {
	in, hash, err := in.checkAndHash(ctx)
	if err != nil {
		return User{}, err
	}
	return insertSchoolUser(ctx, q, in, hash, meta)
}

// checkAndHash validates the input and hashes its password.
func (in NewUser) checkAndHash(ctx context.Context) (NewUser, string, error) {
	in, err := in.Check()
	if err != nil {
		return in, "", err
	}
	hash, err := HashPassword(ctx, in.Password)
	if err != nil {
		return in, "", errs.Wrap(err, "hash password")
	}
	return in, hash, nil
}

func insertSchoolUser(ctx context.Context, q *tenantdb.Queries, in NewUser, hash string, meta Meta) (User, error) {
	u, err := q.CreateUser(ctx, tenantdb.CreateUserParams{Email: in.Email, Name: in.Name, Role: string(in.Role), PasswordHash: hash})
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return User{}, &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("a user with email %s already exists", in.Email),
				Fields: map[string]string{"email": "is already used by another account"}}
		}
		return User{}, errs.Wrap(err, "create user")
	}
	if err := InsertSchoolAudit(ctx, q, meta.Entry("user.create", in.Email, map[string]any{"id": u.ID, "role": u.Role, "name": u.Name})); err != nil {
		return User{}, errs.Wrap(err, "audit")
	}
	return userOf(u), nil
}

// Users manages one school's accounts.
type Users struct{ T *db.Tenant }

// Create adds an account. The password is hashed before the write transaction, so the
// school's file is not locked while the hash is computed.
func (u Users) Create(ctx context.Context, in NewUser, meta Meta) (User, error) {
	in, hash, err := in.checkAndHash(ctx)
	if err != nil {
		return User{}, err
	}
	var out User
	err = u.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) (err error) {
		out, err = insertSchoolUser(ctx, q, in, hash, meta)
		return err
	})
	return out, err
}

// List returns a page of accounts and the total.
func (u Users) List(ctx context.Context, limit, offset int64) ([]User, int64, error) {
	n, err := u.T.Read().CountUsers(ctx)
	if err != nil {
		return nil, 0, errs.Wrap(err, "count users")
	}
	rows, err := u.T.Read().ListUsers(ctx, tenantdb.ListUsersParams{Limit: limit, Offset: offset})
	if err != nil {
		return nil, 0, errs.Wrap(err, "list users")
	}
	out := make([]User, 0, len(rows))
	for _, r := range rows {
		out = append(out, userOf(r))
	}
	return out, n, nil
}

// Get returns one account.
func (u Users) Get(ctx context.Context, id int64) (User, error) {
	r, err := u.T.Read().GetUserByID(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, errs.E(errs.NotFound, "no user with id %d", id)
	}
	if err != nil {
		return User{}, errs.Wrap(err, "get user")
	}
	return userOf(r), nil
}

// UserPatch is a partial update; nil fields stay as they are.
type UserPatch struct {
	Name     *string `json:"name"`
	Role     *Role   `json:"role"`
	IsActive *bool   `json:"is_active"`
}

// Update changes name, role or active state. Deactivating or demoting ends the
// account's sessions and tokens at once; the last active admin cannot be removed.
func (u Users) Update(ctx context.Context, id int64, p UserPatch, meta Meta) (User, error) {
	// After the write, whether it committed or not: a principal read meanwhile is not kept.
	defer credentialsChanged()
	f := errs.Fields{}
	if p.Name != nil {
		n, msg := text.Line(*p.Name, maxNameLen)
		if msg != "" {
			f.Add("name", msg)
		}
		p.Name = &n
	}
	if p.Role != nil && !ValidSchoolRole(*p.Role) {
		f.Add("role", "must be one of admin, teacher, clerk, viewer")
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	var out User
	err := u.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := q.GetUserByID(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no user with id %d", id)
		}
		if err != nil {
			return err
		}
		next := tenantdb.UpdateUserParams{ID: id, Name: cur.Name, Role: cur.Role, IsActive: cur.IsActive}
		if p.Name != nil {
			next.Name = *p.Name
		}
		if p.Role != nil {
			next.Role = string(*p.Role)
		}
		if p.IsActive != nil {
			next.IsActive = *p.IsActive
		}
		wasAdmin := cur.Role == string(RoleAdmin) && cur.IsActive
		staysAdmin := next.Role == string(RoleAdmin) && next.IsActive
		if wasAdmin && !staysAdmin {
			n, err := q.CountActiveAdmins(ctx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return errs.E(errs.Conflict, "%s is the school's last active admin; make another admin first", cur.Email)
			}
		}
		row, err := q.UpdateUser(ctx, next)
		if err != nil {
			return err
		}
		if !next.IsActive || next.Role != cur.Role {
			if err := endAccess(ctx, q, id); err != nil {
				return err
			}
		}
		before := map[string]any{"name": cur.Name, "role": cur.Role, "is_active": cur.IsActive}
		after := map[string]any{"name": row.Name, "role": row.Role, "is_active": row.IsActive}
		if err := InsertSchoolAudit(ctx, q, meta.Entry("user.update", cur.Email, map[string]any{"id": id, "before": before, "after": after})); err != nil {
			return err
		}
		out = userOf(row)
		return nil
	})
	return out, errs.Wrap(err, "update user")
}

// SetPassword replaces an account's password and ends its sessions and tokens.
func (u Users) SetPassword(ctx context.Context, id int64, password string, meta Meta) error {
	defer credentialsChanged()
	if msg := CheckPasswordPolicy(password); msg != "" {
		return errs.Field("password", msg)
	}
	hash, err := HashPassword(ctx, password)
	if err != nil {
		return errs.Wrap(err, "hash password")
	}
	err = u.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := q.GetUserByID(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no user with id %d", id)
		}
		if err != nil {
			return err
		}
		if err := q.SetUserPassword(ctx, tenantdb.SetUserPasswordParams{PasswordHash: hash, ID: id}); err != nil {
			return err
		}
		if err := endAccess(ctx, q, id); err != nil {
			return err
		}
		return InsertSchoolAudit(ctx, q, meta.Entry("user.password_reset", cur.Email, map[string]any{"id": id}))
	})
	return errs.Wrap(err, "set password")
}

func endAccess(ctx context.Context, q *tenantdb.Queries, id int64) error {
	if err := q.DeleteUserSessions(ctx, id); err != nil {
		return err
	}
	now := nowString()
	return q.RevokeUserTokens(ctx, tenantdb.RevokeUserTokensParams{RevokedAt: sql.NullString{String: now, Valid: true}, UserID: id})
}

// CreatePlatformAdmin adds a platform administrator to the catalog.
func CreatePlatformAdmin(ctx context.Context, c *db.Catalog, email, name, password string, meta Meta) (Account, error) {
	f := errs.Fields{}
	e, msg := NormalizeEmail(email)
	if msg != "" {
		f.Add("email", msg)
	}
	name, msg = text.Line(name, maxNameLen)
	if msg != "" {
		f.Add("name", msg)
	}
	if msg := CheckPasswordPolicy(password); msg != "" {
		f.Add("password", msg)
	}
	if err := f.Err(); err != nil {
		return Account{}, err
	}
	hash, err := HashPassword(ctx, password)
	if err != nil {
		return Account{}, errs.Wrap(err, "hash password")
	}
	var out Account
	err = c.Tx(ctx, func(q *catalogdb.Queries) error {
		row, err := q.CreateUser(ctx, catalogdb.CreateUserParams{Email: e, Name: name, PasswordHash: hash})
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE constraint failed") {
				return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("a platform admin with email %s already exists", e),
					Fields: map[string]string{"email": "is already used"}}
			}
			return err
		}
		out = platformAccount(row)
		a := meta.Entry("admin.create", e, map[string]any{"id": row.ID})
		return q.InsertAudit(ctx, catalogdb.InsertAuditParams{ActorID: nullID(a.ActorID), ActorEmail: a.ActorEmail,
			Action: a.Action, Target: a.Target, Detail: string(a.Detail), IP: a.IP, RequestID: a.RequestID})
	})
	return out, errs.Wrap(err, "create platform admin")
}
