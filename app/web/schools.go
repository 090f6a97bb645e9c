package web

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// schoolView is a school as the platform pages show it, with addresses to open it at.
type schoolView struct {
	Schema, Name, Status, CreatedAt string
	Domains                         []domainView
	PrimaryURL                      string
	SubfolderURL                    string
}

func schoolOf(c *fiber.Ctx, t clients.Tenant) schoolView {
	s := schoolView{Schema: t.Schema, Name: t.Name, Status: t.Status, CreatedAt: t.CreatedAt,
		SubfolderURL: "/t/" + t.Schema + "/"}
	for _, d := range t.Domains {
		dv := domainView{Domain: d.Domain, IsPrimary: d.IsPrimary, URL: siteURL(c, d.Domain)}
		if d.IsPrimary {
			s.PrimaryURL = dv.URL
		}
		s.Domains = append(s.Domains, dv)
	}
	return s
}

// audit records a platform action in the catalog's audit log, as the platform API does.
func (h *handlers) audit(c *fiber.Ctx, action, target string, detail any) {
	h.Auth.Audit(c.UserContext(), auth.PlatformStore(h.Clients.Catalog), auth.MetaFrom(c).Entry(action, target, detail))
}

type schoolListData struct{ Schools []schoolView }

// schoolList is the platform's start page: every school with its state and addresses.
func (h *handlers) schoolList(c *fiber.Ctx) error {
	ts, err := h.Clients.List(c.UserContext())
	if err != nil {
		return err
	}
	d := schoolListData{}
	for _, t := range ts {
		d.Schools = append(d.Schools, schoolOf(c, t))
	}
	v := h.newView(c, "Schools", "schools")
	v.Data = d
	return h.render(c, fiber.StatusOK, "schools", v)
}

type schoolNewData struct {
	SchemaHint, DomainHint, PasswordHint string
	CountryHint, TimezoneHint            string
}

func (h *handlers) schoolNewData() schoolNewData {
	return schoolNewData{
		SchemaHint: "2–63 lower-case letters, digits and _, starting with a letter. It names the school's file and " +
			"its default address, <schema>." + h.Clients.BaseDomain + "; it cannot be changed later.",
		DomainHint:   "Another host name the school is reached at, besides its default address.",
		CountryHint:  "Two-letter code (KE, UG, TZ, NG…): how the school reads phone numbers written without + and a country code. The school's admin can change it later.",
		TimezoneHint: "An IANA name such as Africa/Nairobi: where the school's “today” is.",
		PasswordHint: passwordHint,
	}
}

var schoolFormFields = []string{"schema_name", "name", "domain", "country_code", "timezone", "admin.email", "admin.name"}

// schoolNewForm shows the form for a new school and its first admin.
func (h *handlers) schoolNewForm(c *fiber.Ctx) error {
	v := h.newView(c, "New school", "new_school")
	v.Data = h.schoolNewData()
	// The form starts from the platform's defaults for new schools.
	d, err := h.Clients.Defaults(c.UserContext())
	if err != nil {
		return err
	}
	v.Form["country_code"], v.Form["timezone"] = d.Country, d.Timezone
	return h.render(c, fiber.StatusOK, "school_new", v)
}

// schoolCreate creates the school (and its first admin, when given) from the form.
func (h *handlers) schoolCreate(c *fiber.Ctx) error {
	v := h.newView(c, "New school", "new_school")
	v.Form = form(c, schoolFormFields...)
	in := clients.CreateRequest{Schema: v.Form["schema_name"], Name: v.Form["name"],
		Country: v.Form["country_code"], Timezone: v.Form["timezone"]}
	if extra := v.Form["domain"]; extra != "" {
		if db.CheckSchemaName(in.Schema) == nil {
			in.Domains = append(in.Domains, h.Clients.DefaultDomain(in.Schema))
		}
		in.Domains = append(in.Domains, extra)
	}
	pw := c.FormValue("admin.password")
	if v.Form["admin.email"] != "" || v.Form["admin.name"] != "" || pw != "" {
		in.Admin = &auth.NewUser{Email: v.Form["admin.email"], Name: v.Form["admin.name"], Password: pw}
	}
	t, err := h.Clients.CreateWithAdmin(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		v.Data = h.schoolNewData()
		return h.render(c, status, "school_new", v)
	}
	detail := map[string]any{"name": t.Name, "domains": t.Domains}
	if in.Admin != nil {
		detail["admin"] = in.Admin.Email
	}
	h.audit(c, "tenant.create", t.Schema, detail)
	return redirect(c, "/schools/"+t.Schema+"?done=created")
}

type schoolData struct{ School schoolView }

// schoolDetail shows one school: rename, suspend or resume, domains, delete.
func (h *handlers) schoolDetail(c *fiber.Ctx) error {
	t, err := h.Clients.Get(c.UserContext(), c.Params("schema"))
	if err != nil {
		return h.fail(c, err)
	}
	return h.schoolPage(c, fiber.StatusOK, h.newView(c, t.Name, "schools"), t)
}

func (h *handlers) schoolPage(c *fiber.Ctx, status int, v *view, t clients.Tenant) error {
	if _, ok := v.Form["name"]; !ok {
		v.Form["name"] = t.Name
	}
	v.Title = t.Name
	v.Data = schoolData{School: schoolOf(c, t)}
	return h.render(c, status, "school", v)
}

// schoolAction runs a change to one school from its page's forms: on success it goes
// back to the page with a message, on failure it shows the page with the errors.
func (h *handlers) schoolAction(c *fiber.Ctx, fields []string, done string, change func(v *view, schema string) (clients.Tenant, error)) error {
	schema := c.Params("schema")
	t, err := h.Clients.Get(c.UserContext(), schema)
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, t.Name, "schools")
	v.Form = form(c, fields...)
	if _, err := change(v, schema); err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		if t2, err := h.Clients.Get(c.UserContext(), schema); err == nil {
			t = t2
		}
		return h.schoolPage(c, status, v, t)
	}
	return redirect(c, "/schools/"+schema+"?done="+done)
}

func (h *handlers) schoolRename(c *fiber.Ctx) error {
	return h.schoolAction(c, []string{"name"}, "renamed", func(v *view, schema string) (clients.Tenant, error) {
		name := v.Form["name"]
		in := clients.UpdateRequest{Name: &name}
		t, err := h.Clients.Update(c.UserContext(), schema, in)
		if err == nil {
			h.audit(c, "tenant.update", schema, in)
		}
		return t, err
	})
}

func (h *handlers) schoolStatus(c *fiber.Ctx) error {
	status := c.FormValue("status")
	done := "resumed"
	if status == "suspended" {
		done = "suspended"
	}
	return h.schoolAction(c, nil, done, func(v *view, schema string) (clients.Tenant, error) {
		in := clients.UpdateRequest{Status: &status}
		t, err := h.Clients.Update(c.UserContext(), schema, in)
		if err == nil {
			h.audit(c, "tenant.update", schema, in)
		}
		return t, err
	})
}

func (h *handlers) domainAdd(c *fiber.Ctx) error {
	return h.schoolAction(c, []string{"domain"}, "domain_added", func(v *view, schema string) (clients.Tenant, error) {
		primary := c.FormValue("primary") == "1"
		v.Form["primary"] = boolValue(primary)
		t, err := h.Clients.AddDomain(c.UserContext(), schema, v.Form["domain"], primary)
		if err == nil {
			h.audit(c, "domain.add", schema, map[string]any{"domain": v.Form["domain"], "is_primary": primary})
		}
		return t, err
	})
}

// ownDomain fails unless domain is one of the school's, so a form for one school can
// never change another's.
func (h *handlers) ownDomain(c *fiber.Ctx, schema, domain string) error {
	t, err := h.Clients.Get(c.UserContext(), schema)
	if err != nil {
		return err
	}
	for _, d := range t.Domains {
		if d.Domain == domain {
			return nil
		}
	}
	return errs.E(errs.NotFound, "the domain %q does not belong to this school", domain)
}

func (h *handlers) domainRemove(c *fiber.Ctx) error {
	return h.schoolAction(c, nil, "domain_removed", func(v *view, schema string) (clients.Tenant, error) {
		d := c.FormValue("domain")
		if err := h.ownDomain(c, schema, d); err != nil {
			return clients.Tenant{}, err
		}
		t, err := h.Clients.RemoveDomain(c.UserContext(), d)
		if err == nil {
			h.audit(c, "domain.remove", schema, map[string]any{"domain": d})
		}
		return t, err
	})
}

func (h *handlers) domainPrimary(c *fiber.Ctx) error {
	return h.schoolAction(c, nil, "primary_set", func(v *view, schema string) (clients.Tenant, error) {
		d := c.FormValue("domain")
		if err := h.ownDomain(c, schema, d); err != nil {
			return clients.Tenant{}, err
		}
		t, err := h.Clients.SetPrimaryDomain(c.UserContext(), d)
		if err == nil {
			h.audit(c, "domain.set_primary", schema, map[string]any{"domain": d})
		}
		return t, err
	})
}

// schoolDeleteForm asks for confirmation: the schema name typed again.
func (h *handlers) schoolDeleteForm(c *fiber.Ctx) error {
	t, err := h.Clients.Get(c.UserContext(), c.Params("schema"))
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, "Delete "+t.Name, "schools")
	v.Data = schoolData{School: schoolOf(c, t)}
	return h.render(c, fiber.StatusOK, "school_delete", v)
}

// schoolDelete deletes the school once confirmed, archiving its file unless purge is set.
func (h *handlers) schoolDelete(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t, err := h.Clients.Get(ctx, c.Params("schema"))
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, "Delete "+t.Name, "schools")
	v.Form = form(c, "confirm")
	purge := c.FormValue("purge") == "1"
	v.Form["purge"] = boolValue(purge)
	if v.Form["confirm"] != t.Schema {
		v.Fields["confirm"] = fmt.Sprintf("Type %s exactly to confirm.", t.Schema)
		v.Data = schoolData{School: schoolOf(c, t)}
		return h.render(c, fiber.StatusBadRequest, "school_delete", v)
	}
	archived, err := h.Clients.Delete(ctx, t.Schema, purge)
	if err != nil {
		return h.fail(c, err)
	}
	h.audit(c, "tenant.delete", t.Schema, map[string]any{"purge": purge, "archived": archived != ""})
	return redirect(c, "/?done=deleted")
}
