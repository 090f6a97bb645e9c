package web

import (
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
)

// loginData is the sign-in form's hidden state: the page to go to afterwards and the id
// of a form kept from before, to fill in again there.
type loginData struct{ Next, Draft string }

// homeAction is what an account must be allowed to use the start page of this realm.
func homeAction(v *view) auth.Action {
	if v.Platform {
		return auth.UsePlatform
	}
	return auth.UseSchool
}

// loginForm shows the sign-in form; a signed-in user goes straight to the start page.
func (h *handlers) loginForm(c *fiber.Ctx) error {
	v := h.newView(c, "Sign in", "")
	if auth.Allowed(v.User, homeAction(v)) {
		return redirect(c, v.Prefix+"/")
	}
	v.Data = loginData{Next: safeNext(v.Prefix, c.Query("next"))}
	return h.render(c, fiber.StatusOK, "login", v)
}

// Notices of the sign-in page that answers a form sent without a session.
const (
	keptEnded   = "Your session ended before this was saved. Sign in again and the form comes back with what you typed, for you to check and send."
	keptSignIn  = "You need to sign in before this can be saved. Sign in and the form comes back with what you typed, for you to check and send."
	keptNothing = "Your session ended before this was saved, and the form was too large to keep. Sign in again to go back to it."
)

// signInToKeep answers a form posted without a session: nothing is done, the form's
// values are kept (never passwords), and the sign-in page says so; signing in brings the
// form back filled in, to be sent by its own button.
func (h *handlers) signInToKeep(c *fiber.Ctx) error {
	back := returnPage(c)
	ended, owner := auth.SessionEnded(c)
	fields, files := formFields(c)
	id := h.Auth.Drafts.Hold(auth.Draft{Place: place(c), Owner: owner, Action: normalPage(c.OriginalURL()),
		Return: normalPage(back), Fields: fields, Files: files, Reason: auth.DraftEnded})
	v := h.newView(c, "Sign in", "")
	v.Data = loginData{Next: back, Draft: id}
	switch {
	case id == "":
		v.Notice = keptNothing
	case ended:
		v.Notice = keptEnded
	default:
		v.Notice = keptSignIn
	}
	return h.render(c, fiber.StatusUnauthorized, "login", v)
}

// login signs in with the form's email and password and goes to the start page, the page
// the user wanted, or the page of the form kept for them; failures show the form again
// with the reason (and keep the kept form waiting).
func (h *handlers) login(c *fiber.Ctx) error {
	v := h.newView(c, "Sign in", "")
	v.Form = form(c, "email")
	next := safeNext(v.Prefix, c.FormValue("next"))
	draft := c.FormValue("draft")
	if !h.Auth.Drafts.Pending(draft, place(c)) {
		draft = "" // unknown, used, expired, or another school's: nothing to come back to
	}
	v.Data = loginData{Next: next, Draft: draft}
	p, err := h.Auth.SignIn(c, v.Form["email"], c.FormValue("password"))
	if err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		if e := errs.As(err); e.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
		return h.render(c, status, "login", v)
	}
	if !auth.Allowed(p, homeAction(v)) {
		// Cannot happen with today's roles; never leave a half-usable session behind.
		if err := h.Auth.SignOut(c); err != nil {
			return err
		}
		return h.fail(c, errs.E(errs.Forbidden, "your account may not use this site"))
	}
	if draft != "" {
		if d, ok := h.Auth.Drafts.Claim(draft, place(c), p.UserID, p.SessionID); ok {
			if back := safeNext(v.Prefix, d.Return); back != "" {
				next = back
			}
		}
	}
	if next == "" {
		next = v.Prefix + "/"
	}
	return redirect(c, next)
}

// logout ends the session and shows the sign-in form.
func (h *handlers) logout(c *fiber.Ctx) error {
	if err := h.Auth.SignOut(c); err != nil {
		return err
	}
	return redirect(c, prefix(c)+"/login?done=signed_out")
}
