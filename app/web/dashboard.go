package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
)

type dashboardData struct {
	SchoolName     string
	Motto          string
	UserCount      int64
	Domains        []domainView
	CanManageUsers bool
	Cards          []CardView // the modules' (Pages.Cards), for this user
}

// domainView is a domain with the address to open it at.
type domainView struct {
	Domain    string
	IsPrimary bool
	URL       string
}

// dashboard is a school's start page: who is signed in and a few facts about the school.
func (h *handlers) dashboard(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r := tenancy.From(c)
	v := h.newView(c, "Dashboard", "dashboard")
	d := dashboardData{SchoolName: v.Site, CanManageUsers: auth.Allowed(v.User, auth.ManageUsers)}
	prof, err := school.New(r.Tenant).Profile(ctx)
	if err != nil {
		return err
	}
	if prof.Name != "" {
		d.SchoolName = prof.Name
	}
	d.Motto = prof.Motto
	n, err := r.Tenant.Read().CountUsers(ctx)
	if err != nil {
		return errs.Wrap(err, "count users")
	}
	d.UserCount = n
	t, err := h.Clients.Get(ctx, r.Info.Schema)
	if err != nil {
		return err
	}
	for _, dm := range t.Domains {
		d.Domains = append(d.Domains, domainView{Domain: dm.Domain, IsPrimary: dm.IsPrimary, URL: siteURL(c, dm.Domain)})
	}
	for _, card := range h.cards {
		if !auth.Allowed(v.User, card.Action) {
			continue
		}
		cv, ok, err := card.Fill(c)
		if err != nil {
			return err
		}
		if ok {
			d.Cards = append(d.Cards, cv)
		}
	}
	v.Data = d
	return h.render(c, fiber.StatusOK, "dashboard", v)
}
