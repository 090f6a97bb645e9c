package web

import (
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
)

type loginData struct{ Next string }

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

// login signs in with the form's email and password and goes to the start page (or
// the page the user wanted); failures show the form again with the reason.
func (h *handlers) login(c *fiber.Ctx) error {
	v := h.newView(c, "Sign in", "")
	v.Form = form(c, "email")
	next := safeNext(v.Prefix, c.FormValue("next"))
	v.Data = loginData{Next: next}
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
