package auth

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/app/text"
)

// Routes registers the sign-in API of a realm on r (a school's or the platform's routes).
func (s *Service) Routes(r fiber.Router, realm Realm) {
	r.Post("/api/auth/login", s.login)
	r.Post("/api/auth/logout", s.logout)
	r.Get("/api/auth/me", Require(ManageTokens), s.me)
	r.Post("/api/auth/token", s.issueToken)
	r.Get("/api/auth/tokens", Require(ManageTokens), s.listTokens)
	r.Delete("/api/auth/tokens/:id", Require(ManageTokens), s.revokeToken)
	r.Get("/api/audit", Require(ReadAudit), s.listAudit)
	if realm == RealmSchool {
		r.Get("/api/auth/users", Require(ManageUsers), s.listUsers)
		r.Post("/api/auth/users", Require(ManageUsers), s.createUser)
		r.Get("/api/auth/users/:id", Require(ManageUsers), s.getUser)
		r.Patch("/api/auth/users/:id", Require(ManageUsers), s.updateUser)
		r.Delete("/api/auth/users/:id", Require(ManageUsers), s.deactivateUser)
		r.Post("/api/auth/users/:id/password", Require(ManageUsers), s.resetPassword)
	}
}

// Me is the signed-in account as the API shows it.
type Me struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	Role      Role   `json:"role"`
	Realm     Realm  `json:"realm"`
	School    string `json:"school,omitempty"`
	CSRFToken string `json:"csrf_token,omitempty"`
}

func meOf(p *Principal) Me {
	return Me{ID: p.UserID, Email: p.Email, Name: p.Name, Role: p.Role, Realm: p.Realm, School: p.Schema, CSRFToken: p.CSRFToken}
}

// LoginInput is the body of a sign-in (/api/auth/login) and of a token request
// (/api/auth/token, which also takes the token's name).
type LoginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"` // token name, for /api/auth/token
}

// LoginResult answers a sign-in: the account and the session's CSRF token.
type LoginResult struct {
	User      Me     `json:"user"`
	CSRFToken string `json:"csrf_token"`
}

// SignedOut answers a sign-out.
type SignedOut struct {
	SignedOut bool `json:"signed_out"`
}

// IssuedToken answers a token request; the token itself is shown this once.
type IssuedToken struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
	ID        int64  `json:"id"`
	Name      string `json:"name"`
}

// PasswordInput sets an account's password.
type PasswordInput struct {
	Password string `json:"password"`
}

// SignIn checks credentials and starts a browser session, setting the cookie. The web
// pages use it too.
func (s *Service) SignIn(c *fiber.Ctx, email, password string) (*Principal, error) {
	st := s.StoreFor(c)
	meta := MetaFrom(c)
	acc, err := s.Login(c.UserContext(), st, schemaOf(c), email, password, meta)
	if err != nil {
		return nil, err
	}
	secret, x, err := s.StartSession(c.UserContext(), st, acc, c.IP(), c.Get(fiber.HeaderUserAgent))
	if err != nil {
		return nil, err
	}
	SetSessionCookie(c, secret)
	p := principalOf(st.Realm(), schemaOf(c), acc)
	p.Via, p.SessionID, p.CSRFToken = "session", x.ID, x.CSRFToken
	c.Locals(principalKey, p)
	return p, nil
}

// SignOut ends the request's session, if any, and clears the cookie.
func (s *Service) SignOut(c *fiber.Ctx) error {
	if p := PrincipalOf(c); p != nil && p.Via == "session" {
		if err := s.EndSession(c.UserContext(), s.StoreFor(c), p.SessionID); err != nil {
			return err
		}
		s.Audit(c.UserContext(), s.StoreFor(c), MetaFrom(c).Entry("logout", p.Email, nil))
	}
	ClearSessionCookie(c)
	return nil
}

func (s *Service) login(c *fiber.Ctx) error {
	var in LoginInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	p, err := s.SignIn(c, in.Email, in.Password)
	if err != nil {
		return err
	}
	return c.JSON(LoginResult{User: meOf(p), CSRFToken: p.CSRFToken})
}

func (s *Service) logout(c *fiber.Ctx) error {
	if err := s.SignOut(c); err != nil {
		return err
	}
	return c.JSON(SignedOut{SignedOut: true})
}

func (s *Service) me(c *fiber.Ctx) error { return c.JSON(meOf(PrincipalOf(c))) }

func (s *Service) issueToken(c *fiber.Ctx) error {
	var in LoginInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	name, msg := text.Line(in.Name, 100)
	if msg != "" {
		return errs.Field("name", msg)
	}
	if in.Name = name; in.Name == "" {
		in.Name = "api"
	}
	st := s.StoreFor(c)
	acc, err := s.Login(c.UserContext(), st, schemaOf(c), in.Email, in.Password, MetaFrom(c))
	if err != nil {
		return err
	}
	secret, t, err := s.IssueToken(c.UserContext(), st, acc, in.Name)
	if err != nil {
		return err
	}
	id := acc.ID
	meta := MetaFrom(c)
	meta.ActorID, meta.ActorEmail = &id, acc.Email
	s.Audit(c.UserContext(), st, meta.Entry("token.issue", acc.Email, map[string]any{"token_id": t.ID, "name": t.Name}))
	return c.Status(fiber.StatusCreated).JSON(IssuedToken{Token: secret, ExpiresAt: t.ExpiresAt, ID: t.ID, Name: t.Name})
}

func (s *Service) listTokens(c *fiber.Ctx) error {
	pg, err := api.PageOf(c)
	if err != nil {
		return err
	}
	if err := api.FixedOrder(c, "newest first"); err != nil {
		return err
	}
	p := PrincipalOf(c)
	ts, err := s.StoreFor(c).ListTokens(c.UserContext(), p.UserID)
	if err != nil {
		return errs.Wrap(err, "list tokens")
	}
	return c.JSON(api.NewList(c, pg, int64(len(ts)), query.Slice(ts, pg)))
}

func (s *Service) revokeToken(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p := PrincipalOf(c)
	st := s.StoreFor(c)
	t, err := st.Token(c.UserContext(), id)
	// Admins may revoke any token of their realm; everyone else only their own.
	if err != nil || (t.UserID != p.UserID && !Allowed(p, ManageUsers) && !Allowed(p, ManageSchools)) {
		return errs.E(errs.NotFound, "no token with id %d", id)
	}
	if _, err := st.RevokeToken(c.UserContext(), id, nowString()); err != nil {
		return errs.Wrap(err, "revoke token")
	}
	s.Audit(c.UserContext(), st, MetaFrom(c).Entry("token.revoke", p.Email, map[string]any{"token_id": id, "owner_id": t.UserID}))
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Service) listAudit(c *fiber.Ctx) error {
	pg, err := api.PageOf(c)
	if err != nil {
		return err
	}
	if err := api.FixedOrder(c, "newest first"); err != nil {
		return err
	}
	rows, n, err := s.StoreFor(c).ListAudit(c.UserContext(), pg.Limit(), pg.Offset())
	if err != nil {
		return errs.Wrap(err, "list audit")
	}
	return c.JSON(api.NewList(c, pg, n, rows))
}

func users(c *fiber.Ctx) Users { return Users{T: tenancy.From(c).Tenant} }

func (s *Service) listUsers(c *fiber.Ctx) error {
	pg, err := api.PageOf(c)
	if err != nil {
		return err
	}
	if err := api.FixedOrder(c, "email"); err != nil {
		return err
	}
	rows, n, err := users(c).List(c.UserContext(), pg.Limit(), pg.Offset())
	if err != nil {
		return err
	}
	return c.JSON(api.NewList(c, pg, n, rows))
}

func (s *Service) createUser(c *fiber.Ctx) error {
	var in NewUser
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	u, err := users(c).Create(c.UserContext(), in, MetaFrom(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (s *Service) getUser(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	u, err := users(c).Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Service) updateUser(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var p UserPatch
	if err := api.Decode(c, &p); err != nil {
		return err
	}
	u, err := users(c).Update(c.UserContext(), id, p, MetaFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Service) deactivateUser(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	no := false
	u, err := users(c).Update(c.UserContext(), id, UserPatch{IsActive: &no}, MetaFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(u)
}

func (s *Service) resetPassword(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var in PasswordInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	if err := users(c).SetPassword(c.UserContext(), id, in.Password, MetaFrom(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.NotFound, "no such item: %q is not an id", c.Params("id"))
	}
	return id, nil
}
