package web

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/webui"
)

// usersPerPage bounds the users list; small schools fit on one page.
const usersPerPage = 50

func usersOf(c *fiber.Ctx) auth.Users { return auth.Users{T: tenancy.From(c).Tenant} }

// userRow is one row of the users table; htmx swaps a row after (de)activation.
type userRow struct {
	Prefix   string
	CSRF     string
	User     auth.User
	Self     bool
	Dates    webui.Dates // how the school writes the last sign-in
	RowError string
	Done     string // what an htmx (de)activation did, for the page's message area
}

type userListData struct {
	Rows             []userRow
	Count            int64
	Page, Pages      int
	PrevURL, NextURL string
}

type userFormData struct {
	Roles        []roleOption
	User         auth.User
	Self         bool
	PasswordHint string
}

var passwordHint = fmt.Sprintf("At least %d characters. A few unrelated words are easy to type and hard to guess.", auth.MinPasswordLen)

func (h *handlers) row(v *view, u auth.User) userRow {
	return userRow{Prefix: v.Prefix, CSRF: v.CSRF, User: u, Self: v.User != nil && v.User.UserID == u.ID, Dates: v}
}

// userList shows the school's staff accounts.
func (h *handlers) userList(c *fiber.Ctx) error {
	return h.userListPage(c, fiber.StatusOK, h.newView(c, "Users", "users"))
}

func (h *handlers) userListPage(c *fiber.Ctx, status int, v *view) error {
	page, err := api.PageNumber(c)
	if err != nil {
		return err
	}
	users, n, err := usersOf(c).List(c.UserContext(), usersPerPage, int64(page-1)*usersPerPage)
	if err != nil {
		return err
	}
	d := userListData{Count: n, Page: page, Pages: max(1, int((n+usersPerPage-1)/usersPerPage))}
	for _, u := range users {
		d.Rows = append(d.Rows, h.row(v, u))
	}
	if page > 1 {
		d.PrevURL = v.Prefix + "/users?page=" + strconv.Itoa(page-1)
	}
	if page < d.Pages {
		d.NextURL = v.Prefix + "/users?page=" + strconv.Itoa(page+1)
	}
	v.Data = d
	return h.render(c, status, "users", v)
}

// userNewForm shows the form for a new staff account.
func (h *handlers) userNewForm(c *fiber.Ctx) error {
	v := h.newView(c, "Add user", "users")
	v.Form["role"] = string(auth.RoleTeacher)
	v.Data = userFormData{Roles: roleOptions, PasswordHint: passwordHint}
	return h.render(c, fiber.StatusOK, "user_new", v)
}

// userCreate creates a staff account from the form.
func (h *handlers) userCreate(c *fiber.Ctx) error {
	v := h.newView(c, "Add user", "users")
	v.Form = form(c, "email", "name", "role")
	in := auth.NewUser{Email: v.Form["email"], Name: v.Form["name"], Role: auth.Role(v.Form["role"]), Password: c.FormValue("password")}
	if _, err := usersOf(c).Create(c.UserContext(), in, auth.MetaFrom(c)); err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		v.Data = userFormData{Roles: roleOptions, PasswordHint: passwordHint}
		return h.render(c, status, "user_new", v)
	}
	return redirect(c, v.Prefix+"/users?done=user_created")
}

// userID is the :id of the path, or a not-found error.
func userID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.NotFound, "there is no user %q", c.Params("id"))
	}
	return id, nil
}

// userEditForm shows one account: its name, role and state, and a password reset.
func (h *handlers) userEditForm(c *fiber.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return h.fail(c, err)
	}
	u, err := usersOf(c).Get(c.UserContext(), id)
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, u.Email, "users")
	v.Form = map[string]string{"name": u.Name, "role": string(u.Role), "active": boolValue(u.IsActive)}
	return h.userEditPage(c, fiber.StatusOK, v, u)
}

func (h *handlers) userEditPage(c *fiber.Ctx, status int, v *view, u auth.User) error {
	v.Title = u.Email
	v.Data = userFormData{Roles: roleOptions, User: u, Self: v.User.UserID == u.ID, PasswordHint: passwordHint}
	return h.render(c, status, "user_edit", v)
}

func boolValue(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// userUpdate saves the account form. An unchecked "active" box deactivates the account.
func (h *handlers) userUpdate(c *fiber.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return h.fail(c, err)
	}
	ctx := c.UserContext()
	cur, err := usersOf(c).Get(ctx, id)
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, cur.Email, "users")
	v.Form = form(c, "name", "role")
	v.Form["active"] = boolValue(c.FormValue("active") == "1")
	if v.User.UserID == id && v.Form["active"] != "1" {
		v.Fields["active"] = "You cannot deactivate your own account."
		v.Error = v.Fields["active"]
		return h.userEditPage(c, fiber.StatusBadRequest, v, cur)
	}
	name, role, active := v.Form["name"], auth.Role(v.Form["role"]), v.Form["active"] == "1"
	u, err := usersOf(c).Update(ctx, id, auth.UserPatch{Name: &name, Role: &role, IsActive: &active}, auth.MetaFrom(c))
	if err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.userEditPage(c, status, v, cur)
	}
	if v.User.UserID == u.ID && u.Role != cur.Role {
		return redirect(c, v.Prefix+"/") // a changed role ends one's own session
	}
	return redirect(c, v.Prefix+"/users?done=user_saved")
}

// userPassword sets a new password for the account.
func (h *handlers) userPassword(c *fiber.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return h.fail(c, err)
	}
	ctx := c.UserContext()
	cur, err := usersOf(c).Get(ctx, id)
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, cur.Email, "users")
	v.Form = map[string]string{"name": cur.Name, "role": string(cur.Role), "active": boolValue(cur.IsActive)}
	pw := c.FormValue("password")
	if pw != c.FormValue("password_confirm") {
		status, _ := formError(v, errs.Field("password_confirm", "does not match the new password"))
		return h.userEditPage(c, status, v, cur)
	}
	if err := usersOf(c).SetPassword(ctx, id, pw, auth.MetaFrom(c)); err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.userEditPage(c, status, v, cur)
	}
	return redirect(c, fmt.Sprintf("%s/users/%d?done=password_set", v.Prefix, id))
}

// userActive activates or deactivates an account (form field active=1|0). For htmx it
// answers with the new table row, or the old row with the reason it did not change.
func (h *handlers) userActive(c *fiber.Ctx) error {
	id, err := userID(c)
	if err != nil {
		return h.fail(c, err)
	}
	ctx := c.UserContext()
	v := h.newView(c, "Users", "users")
	active := c.FormValue("active") == "1"
	var u auth.User
	if v.User.UserID == id && !active {
		err = errs.E(errs.Conflict, "you cannot deactivate your own account")
	} else {
		u, err = usersOf(c).Update(ctx, id, auth.UserPatch{IsActive: &active}, auth.MetaFrom(c))
	}
	if err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal || e.Code == errs.NotFound {
			return h.fail(c, err)
		}
		if !isHTMX(c) {
			v.Error = sentence(e.Message)
			return h.userListPage(c, statusFor(e), v)
		}
		cur, gerr := usersOf(c).Get(ctx, id)
		if gerr != nil {
			return gerr
		}
		row := h.row(v, cur)
		row.RowError = sentence(e.Message)
		return h.renderPart(c, fiber.StatusOK, "users", "user_row", row)
	}
	if isHTMX(c) {
		row := h.row(v, u)
		who := u.Name
		if who == "" {
			who = u.Email
		}
		row.Done = who + "’s account is active again: they can sign in."
		if !active {
			row.Done = who + "’s account is deactivated: they are signed out everywhere and cannot sign in."
		}
		return h.renderPart(c, fiber.StatusOK, "users", "user_active", row)
	}
	done := "user_deactivated"
	if active {
		done = "user_activated"
	}
	return redirect(c, v.Prefix+"/users?done="+done)
}
